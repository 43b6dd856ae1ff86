namespace Arbitrage.Orleans.Clouds;

/// <summary>Calls made to one provider's cloud since the last <see cref="CloudCallMeter.Take"/>.</summary>
public readonly record struct CloudCallCounts(long Calls, long Failures, double TotalMilliseconds)
{
    public bool IsEmpty => Calls == 0;
}

/// <summary>
/// Counts the calls this process makes to each provider's cloud (thread-safe, no allocation per call), so that a
/// publisher can hand the counts to the provider's grain in batches rather than one message per call.
/// </summary>
public sealed class CloudCallMeter
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Counter> _providers = new(StringComparer.Ordinal);

    public void Record(string provider, bool succeeded, TimeSpan elapsed)
    {
        var counter = _providers.GetOrAdd(provider, _ => new Counter());
        lock (counter)
        {
            counter.Calls++;
            if (!succeeded) counter.Failures++;
            counter.TotalMilliseconds += elapsed.TotalMilliseconds;
        }
    }

    /// <summary>The counts of every provider since the last call, and resets them.</summary>
    public IReadOnlyDictionary<string, CloudCallCounts> Take()
    {
        var taken = new Dictionary<string, CloudCallCounts>(StringComparer.Ordinal);
        foreach (var (provider, counter) in _providers)
        {
            lock (counter)
            {
                if (counter.Calls == 0) continue;
                taken[provider] = new CloudCallCounts(counter.Calls, counter.Failures, counter.TotalMilliseconds);
                counter.Calls = counter.Failures = 0;
                counter.TotalMilliseconds = 0;
            }
        }

        return taken;
    }

    private sealed class Counter
    {
        public long Calls;
        public long Failures;
        public double TotalMilliseconds;
    }
}
