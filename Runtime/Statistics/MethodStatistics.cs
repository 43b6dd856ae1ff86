namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// Lock-free call statistics of one grain method: count, exceptions, latency sum and maximum, and a latency
/// histogram with power-of-two microsecond buckets from which percentiles are estimated.
/// </summary>
internal sealed class MethodStatistics(string grainType, string method)
{
    private const int Buckets = 40;
    private readonly long[] _histogram = new long[Buckets];
    private long _calls;
    private long _exceptions;
    private long _totalTicks;
    private long _maxTicks;

    public string GrainType { get; } = grainType;
    public string Method { get; } = method;
    public long Calls => Volatile.Read(ref _calls);

    public void Record(TimeSpan latency, bool faulted)
    {
        Interlocked.Increment(ref _calls);
        if (faulted)
        {
            Interlocked.Increment(ref _exceptions);
        }

        long ticks = Math.Max(0, latency.Ticks);
        Interlocked.Add(ref _totalTicks, ticks);
        long max = Volatile.Read(ref _maxTicks);
        while (ticks > max)
        {
            long seen = Interlocked.CompareExchange(ref _maxTicks, ticks, max);
            if (seen == max) break;
            max = seen;
        }

        long micros = ticks / 10;
        int bucket = micros <= 0 ? 0 : Math.Min(Buckets - 1, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)micros));
        Interlocked.Increment(ref _histogram[bucket]);
    }

    public GrainMethodStatistics Snapshot()
    {
        long calls = Calls;
        var counts = new long[Buckets];
        for (int i = 0; i < Buckets; i++) counts[i] = Volatile.Read(ref _histogram[i]);
        return new GrainMethodStatistics(
            GrainType,
            Method,
            calls,
            Volatile.Read(ref _exceptions),
            calls == 0 ? 0 : TimeSpan.FromTicks(Volatile.Read(ref _totalTicks) / calls).TotalMilliseconds,
            Percentile(counts, 0.50),
            Percentile(counts, 0.99),
            TimeSpan.FromTicks(Volatile.Read(ref _maxTicks)).TotalMilliseconds);
    }

    /// <summary>Upper edge of the bucket holding the percentile, in milliseconds.</summary>
    private static double Percentile(long[] counts, double percentile)
    {
        long total = counts.Sum();
        if (total == 0) return 0;
        long rank = (long)Math.Ceiling(total * percentile);
        long seen = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank) return i == 0 ? 0.001 : (1L << i) / 1000.0;
        }

        return (1L << (counts.Length - 1)) / 1000.0;
    }
}
