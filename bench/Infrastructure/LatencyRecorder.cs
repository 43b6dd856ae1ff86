using System.Diagnostics;
using System.Numerics;
using Orleans;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// Records latencies as <see cref="Stopwatch"/> ticks into a log-linear histogram: values below 256 ticks exactly,
/// larger ones in 128 buckets per power of two (within 0.8 %), so millions of samples cost a fixed 58 KB and
/// recording is one increment. Percentiles are the largest value of the bucket holding the rank (never flattering).
/// Not thread-safe: give each loop its own recorder and <see cref="Merge"/> them afterwards.
/// </summary>
internal sealed class LatencyRecorder
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBelow = SubBuckets * 2;
    private const int BucketCount = ExactBelow + (64 - (SubBucketBits + 1)) * SubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }
    public long TotalTicks { get; private set; }
    public long MaxTicks { get; private set; }

    public void Record(long ticks)
    {
        if (ticks < 0) ticks = 0;
        _counts[Index(ticks)]++;
        Count++;
        TotalTicks += ticks;
        if (ticks > MaxTicks) MaxTicks = ticks;
    }

    public void Merge(LatencyRecorder other)
    {
        for (int i = 0; i < BucketCount; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        TotalTicks += other.TotalTicks;
        MaxTicks = Math.Max(MaxTicks, other.MaxTicks);
    }

    /// <summary>The non-empty buckets, to send to another process (a grain's report) and merge there.</summary>
    public LatencySnapshot ToSnapshot()
    {
        var buckets = new List<int>();
        var counts = new List<long>();
        for (int i = 0; i < BucketCount; i++)
        {
            if (_counts[i] == 0) continue;
            buckets.Add(i);
            counts.Add(_counts[i]);
        }

        return new LatencySnapshot([.. buckets], [.. counts], TotalTicks, MaxTicks, Stopwatch.Frequency);
    }

    /// <summary>A recorder holding what <paramref name="snapshot"/> recorded (taken on this machine: same tick frequency).</summary>
    public static LatencyRecorder FromSnapshot(LatencySnapshot snapshot)
    {
        if (snapshot.TicksPerSecond != Stopwatch.Frequency)
        {
            throw new InvalidOperationException($"A latency snapshot taken at {snapshot.TicksPerSecond} ticks/s cannot be merged here ({Stopwatch.Frequency} ticks/s).");
        }

        var recorder = new LatencyRecorder();
        for (int i = 0; i < snapshot.Buckets.Length; i++)
        {
            recorder._counts[snapshot.Buckets[i]] += snapshot.Counts[i];
            recorder.Count += snapshot.Counts[i];
        }

        recorder.TotalTicks = snapshot.TotalTicks;
        recorder.MaxTicks = snapshot.MaxTicks;
        return recorder;
    }

    public static LatencyRecorder Merged(IEnumerable<LatencyRecorder> recorders)
    {
        var all = new LatencyRecorder();
        foreach (var recorder in recorders) all.Merge(recorder);
        return all;
    }

    /// <summary>The latency at <paramref name="percentile"/> (0..1) in Stopwatch ticks; 0 without samples.</summary>
    public long PercentileTicks(double percentile)
    {
        if (Count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(Count * percentile));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(HighestInBucket(i), MaxTicks);
        }

        return MaxTicks;
    }

    public double PercentileMs(double percentile) => TicksToMs(PercentileTicks(percentile));

    /// <summary>How many recorded latencies exceed <paramref name="milliseconds"/> (to bucket precision).</summary>
    public long CountAboveMs(double milliseconds)
    {
        double threshold = milliseconds * Stopwatch.Frequency / 1000.0;
        long above = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            if (LowestInBucket(i) > threshold) above += _counts[i];
        }

        return above;
    }

    public double MeanMs => Count == 0 ? 0 : TicksToMs(TotalTicks) / Count;

    public double MaxMs => TicksToMs(MaxTicks);

    public static double TicksToMs(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static int Index(long value)
    {
        if (value < ExactBelow) return (int)value;
        int exponent = 63 - BitOperations.LeadingZeroCount((ulong)value); // >= SubBucketBits + 1
        int sub = (int)(value >> (exponent - SubBucketBits)) & (SubBuckets - 1);
        return ExactBelow + (exponent - (SubBucketBits + 1)) * SubBuckets + sub;
    }

    private static double LowestInBucket(int index)
    {
        if (index < ExactBelow) return index;
        int k = index - ExactBelow;
        int exponent = k / SubBuckets + SubBucketBits + 1;
        return Math.ScaleB(1, exponent) + (k % SubBuckets) * Math.ScaleB(1, exponent - SubBucketBits);
    }

    private static long HighestInBucket(int index)
    {
        if (index < ExactBelow) return index;
        int exponent = (index - ExactBelow) / SubBuckets + SubBucketBits + 1;
        double highest = LowestInBucket(index) + Math.ScaleB(1, exponent - SubBucketBits) - 1;
        return highest >= long.MaxValue ? long.MaxValue : (long)highest;
    }
}

/// <summary>A <see cref="LatencyRecorder"/>'s non-empty buckets and totals, as a grain returns them to its caller.</summary>
[GenerateSerializer, Alias("bench.LatencySnapshot")]
public sealed record LatencySnapshot(
    [property: Id(0)] int[] Buckets,
    [property: Id(1)] long[] Counts,
    [property: Id(2)] long TotalTicks,
    [property: Id(3)] long MaxTicks,
    [property: Id(4)] long TicksPerSecond);
