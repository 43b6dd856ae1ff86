using Arbitrage.Orleans.Gateway.Pricing;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>The cache in front of the clouds' own price histories: one call per market and window per period, never a failure kept.</summary>
public sealed class PriceHistoryCacheTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 30, TimeSpan.Zero);

    /// <summary>A cloud's history API that counts its calls and answers as told.</summary>
    private sealed class CountingHistories : IPriceHistoryService
    {
        public int Calls;
        public bool Fails;

        public Task<ProviderPriceHistory> GetProviderHistoryAsync(ProviderPriceHistoryQuery query, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(Fails
                ? new ProviderPriceHistory(null, "aws-prices's price history failed (Throttled: Rate exceeded).")
                : new ProviderPriceHistory(new Dictionary<string, IReadOnlyList<PricePoint>> { ["use1-az1"] = [new PricePoint(query.From, 0.04m)] }, null));
        }
    }

    private static ProviderPriceHistoryQuery Week(DateTimeOffset end, string type = "m5.large") => new("aws-prices", "us-east-1", null, type, end.AddDays(-7), end, 1000);

    [Fact]
    public async Task Requests_for_one_market_and_window_within_a_period_call_the_cloud_once_and_again_after_it()
    {
        var time = new ManualTimeProvider(Start);
        var cloud = new CountingHistories();
        using var cache = new PriceHistoryCache(cloud, new PriceHistoryOptions(), time);

        // "The last week up to now", asked three times within the minute: one call.
        var first = await cache.GetAsync(Week(cache.Now), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(20));
        var second = await cache.GetAsync(Week(cache.Now), CancellationToken.None);
        Assert.Equal(1, cloud.Calls);
        Assert.Same(first, second);

        // Another market is its own call.
        await cache.GetAsync(Week(cache.Now, "c5.large"), CancellationToken.None);
        Assert.Equal(2, cloud.Calls);

        // A period later the window moved on and the kept answer expired: the cloud is asked again.
        time.Advance(TimeSpan.FromMinutes(1));
        await cache.GetAsync(Week(cache.Now), CancellationToken.None);
        Assert.Equal(3, cloud.Calls);
    }

    /// <summary>A cloud that answers only when told to.</summary>
    private sealed class SlowHistories : IPriceHistoryService
    {
        public int Calls;
        public readonly TaskCompletionSource<ProviderPriceHistory> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<ProviderPriceHistory> GetProviderHistoryAsync(ProviderPriceHistoryQuery query, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Answer.Task;
        }
    }

    [Fact]
    public async Task Requests_that_come_together_share_one_call_and_one_that_gives_up_does_not_cancel_it_for_the_others()
    {
        var time = new ManualTimeProvider(Start);
        var cloud = new SlowHistories();
        using var cache = new PriceHistoryCache(cloud, new PriceHistoryOptions(), time);
        using var impatient = new CancellationTokenSource();

        var first = cache.GetAsync(Week(cache.Now), CancellationToken.None);
        var givesUp = cache.GetAsync(Week(cache.Now), impatient.Token);
        var third = cache.GetAsync(Week(cache.Now), CancellationToken.None);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givesUp);

        cloud.Answer.SetResult(new ProviderPriceHistory(new Dictionary<string, IReadOnlyList<PricePoint>> { ["use1-az1"] = [new PricePoint(Start, 0.04m)] }, null));
        Assert.Same(await first, await third);
        Assert.Equal(1, cloud.Calls);
    }

    [Fact]
    public async Task A_failed_answer_is_not_kept_and_a_zero_period_keeps_nothing()
    {
        var time = new ManualTimeProvider(Start);
        var cloud = new CountingHistories { Fails = true };
        using (var cache = new PriceHistoryCache(cloud, new PriceHistoryOptions(), time))
        {
            Assert.Null((await cache.GetAsync(Week(cache.Now), CancellationToken.None)).Zones);
            cloud.Fails = false;
            Assert.NotNull((await cache.GetAsync(Week(cache.Now), CancellationToken.None)).Zones);
            Assert.Equal(2, cloud.Calls);
        }

        using var uncached = new PriceHistoryCache(cloud, new PriceHistoryOptions { CachePeriod = TimeSpan.Zero }, time);
        Assert.Equal(time.GetUtcNow(), uncached.Now);
        await uncached.GetAsync(Week(uncached.Now), CancellationToken.None);
        await uncached.GetAsync(Week(uncached.Now), CancellationToken.None);
        Assert.Equal(4, cloud.Calls);
    }

    [Fact]
    public void Windows_are_aligned_down_to_the_period_and_bad_settings_are_named()
    {
        using var cache = new PriceHistoryCache(new CountingHistories(), new PriceHistoryOptions { CachePeriod = TimeSpan.FromMinutes(5) }, new ManualTimeProvider(Start));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero), cache.Now);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 11, 55, 0, TimeSpan.Zero), cache.Align(new DateTimeOffset(2026, 11, 30, 11, 59, 59, TimeSpan.Zero)));

        Assert.Contains(new PriceHistoryOptions { CachePeriod = TimeSpan.FromHours(2) }.Problems(), p => p.StartsWith("PriceHistory:CachePeriod", StringComparison.Ordinal));
        Assert.Contains(new PriceHistoryOptions { CacheCapacity = 0 }.Problems(), p => p.StartsWith("PriceHistory:CacheCapacity", StringComparison.Ordinal));
        Assert.Empty(new PriceHistoryOptions().Problems());
    }
}
