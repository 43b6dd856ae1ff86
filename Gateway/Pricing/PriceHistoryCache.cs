using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Caching.Memory;

namespace Arbitrage.Orleans.Gateway.Pricing;

/// <summary>The cache of clouds' own price histories behind <c>GET /v1/pricing/history</c> (configuration section <c>PriceHistory</c>).</summary>
public sealed class PriceHistoryOptions
{
    public const string SectionName = "PriceHistory";

    /// <summary>
    /// How long a cloud's answer is kept, and the step a window's ends are aligned to (<c>from</c> down, a <c>to</c> of
    /// now down), so requests for the same market within one period share one call to the cloud. Zero: no cache.
    /// </summary>
    public TimeSpan CachePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The most answers kept at once (markets × windows).</summary>
    public int CacheCapacity { get; set; } = 1000;

    public IEnumerable<string> Problems()
    {
        if (CachePeriod < TimeSpan.Zero || CachePeriod > TimeSpan.FromHours(1)) yield return $"{SectionName}:CachePeriod must be between 00:00:00 and 01:00:00 (was {CachePeriod}).";
        if (CacheCapacity is < 1 or > 1_000_000) yield return $"{SectionName}:CacheCapacity must be between 1 and 1000000 (was {CacheCapacity}).";
    }
}

/// <summary>
/// A cloud's own price history (<see cref="IPriceHistoryService"/>) kept for <see cref="PriceHistoryOptions.CachePeriod"/>:
/// a console polling a week's chart, or many users looking at one market, do not call the cloud's price API (EC2's
/// DescribeSpotPriceHistory is throttled per account) on every request, and requests that come together share one call.
/// Only answers are kept; a cloud that failed or has no history is asked again next time.
/// </summary>
public sealed class PriceHistoryCache : IDisposable
{
    private readonly IPriceHistoryService _histories;
    private readonly PriceHistoryOptions _options;
    private readonly TimeProvider _time;
    private readonly MemoryCache _answers;
    private readonly Lock _gate = new();

    public PriceHistoryCache(IPriceHistoryService histories, PriceHistoryOptions options, TimeProvider time)
    {
        _histories = histories;
        _options = options;
        _time = time;
        _answers = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.CacheCapacity, Clock = new Http.TimeProviderCacheClock(time) });
    }

    /// <summary>The time a window starts or ends at, aligned down to the cache period (unchanged without a cache).</summary>
    public DateTimeOffset Align(DateTimeOffset at)
    {
        long period = _options.CachePeriod.Ticks;
        return period <= 0 ? at : new DateTimeOffset(at.UtcTicks - at.UtcTicks % period, TimeSpan.Zero);
    }

    /// <summary>The current time, aligned (<see cref="Align"/>).</summary>
    public DateTimeOffset Now => Align(_time.GetUtcNow());

    /// <summary>
    /// The cloud's answer for the market and window: kept, or being fetched for another request (one call for requests
    /// that come together), or fetched now. A caller that gives up stops waiting; the fetch goes on for the others.
    /// </summary>
    public async Task<ProviderPriceHistory> GetAsync(ProviderPriceHistoryQuery query, CancellationToken cancellationToken)
    {
        if (_options.CachePeriod <= TimeSpan.Zero) return await _histories.GetProviderHistoryAsync(query, cancellationToken);
        Task<ProviderPriceHistory> fetch;
        lock (_gate)
        {
            // Under the lock, so two requests never both start a call (the call itself runs outside it).
            fetch = _answers.GetOrCreate(query, entry =>
            {
                entry.Size = 1;
                entry.AbsoluteExpirationRelativeToNow = _options.CachePeriod;
                return Task.Run(() => _histories.GetProviderHistoryAsync(query, CancellationToken.None));
            })!;
        }

        try
        {
            var answer = await fetch.WaitAsync(cancellationToken);
            if (answer.Zones is null) Forget(query, fetch);
            return answer;
        }
        catch (Exception) when (fetch.IsFaulted || fetch.IsCanceled)
        {
            Forget(query, fetch);
            throw;
        }
    }

    /// <summary>Drops a fetch that brought no history (a failure is never kept), unless a newer one replaced it.</summary>
    private void Forget(ProviderPriceHistoryQuery query, Task<ProviderPriceHistory> fetch)
    {
        lock (_gate)
        {
            if (_answers.TryGetValue(query, out Task<ProviderPriceHistory>? kept) && ReferenceEquals(kept, fetch)) _answers.Remove(query);
        }
    }

    public void Dispose() => _answers.Dispose();
}
