using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>
/// Price feed and provider grains in a silo on the simulated AWS (us-east-1 only), on a manual clock: polls move the
/// offer book as the replayed prices move, interruptions observed move the estimate.
/// </summary>
public sealed class PriceFeedTests : IAsyncLifetime
{
    private const string Feed = "sim-aws/us-east-1";
    private TestCluster _cluster = null!;

    private IServiceProvider Services => ProductSilos.ServicesOf(_cluster.Primary);
    private ManualTimeProvider Clock => ProductSilos.ClockOf(_cluster.Primary);
    private OfferBook Book => Services.GetRequiredService<OfferBookHolder>().Current;
    private ICloudAdapter Cloud => Services.GetRequiredService<ProviderRegistry>().Get("sim-aws").Adapter;

    public async Task InitializeAsync()
    {
        ProviderConfig[] providers =
        [
            new() { Name = "sim-aws", Type = "aws", Regions = ["us-east-1"], Simulation = new SimulationConfig { Seed = 7, Speed = 60 } },
        ];
        _cluster = await ProductSilos.StartAsync(providers: providers, manualClock: true, settings: new Dictionary<string, string>
        {
            ["Orleans:CollectionAge"] = "2.00:00:00", // feeds stay active, as the synchronizer keeps them
            ["Market:PricePollInterval"] = "1.00:00:00", // the test polls by hand
            ["Market:BookSyncInterval"] = "1.00:00:00",
            ["Market:ProbeInterval"] = "1.00:00:00",
            ["Market:StatisticsInterval"] = "00:00:00.200",
        });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<Dictionary<(string Zone, string Type), decimal>> CloudPricesAsync() =>
        (await Cloud.GetSpotPricesAsync("us-east-1", CancellationToken.None)).ToDictionary(p => (p.Zone, p.InstanceType), p => p.PricePerHour);

    private decimal? BookPrice(string zone, string type) => Book.SpotPrice(Book.Find("sim-aws", "us-east-1", zone, type));

    [Fact]
    public async Task A_poll_after_prices_moved_brings_every_changed_market_into_the_offer_book()
    {
        var feed = _cluster.GrainFactory.GetGrain<IRegionPriceFeedGrain>(Feed);
        await feed.Poll();
        var before = await CloudPricesAsync();
        Assert.All(before, p => Assert.Equal(p.Value, BookPrice(p.Key.Zone, p.Key.Type)));

        Clock.Advance(TimeSpan.FromMinutes(30)); // 30 simulated hours of the real 2021 price history
        int changed = await feed.Poll();

        var after = await CloudPricesAsync();
        var moved = after.Where(p => before[p.Key] != p.Value).ToList();
        Assert.NotEmpty(moved);
        Assert.Equal(moved.Count, changed);
        Assert.All(after, p => Assert.Equal(p.Value, BookPrice(p.Key.Zone, p.Key.Type)));
        var (zone, type) = moved[0].Key;
        var history = await feed.GetHistory(zone, type);
        Assert.Equal([before[(zone, type)], after[(zone, type)]], history.TakeLast(2).Select(h => h.PricePerHour));
    }

    [Fact]
    public async Task Changes_since_a_version_are_what_another_silo_needs_to_catch_up()
    {
        var feed = _cluster.GrainFactory.GetGrain<IRegionPriceFeedGrain>(Feed);
        var all = await feed.GetChangesSince(0);
        Assert.Equal((await CloudPricesAsync()).Count, all.Changes.Count);

        Clock.Advance(TimeSpan.FromMinutes(30));
        int changed = await feed.Poll();
        var recent = await feed.GetChangesSince(all.Version);

        Assert.Equal(changed, recent.Changes.Count);
        Assert.True(recent.Version > all.Version);
        Assert.Empty((await feed.GetChangesSince(recent.Version)).Changes);
    }

    [Fact]
    public async Task Observed_interruptions_raise_the_interruption_estimate_in_the_feed_and_the_book()
    {
        var feed = _cluster.GrainFactory.GetGrain<IRegionPriceFeedGrain>(Feed);
        var (zone, type) = (await CloudPricesAsync()).Keys.First();
        var before = (await feed.GetStatistics(zone, type))!;

        await feed.RecordExposure(zone, type, 1440); // two instance-months observed ...
        await feed.RecordInterruption(zone, type); // ... with two interruptions in them
        await feed.RecordInterruption(zone, type);

        var after = (await feed.GetStatistics(zone, type))!;
        Assert.Equal(2, after.ObservedInterruptions);
        Assert.Equal((before.AdvisorInterruptionRate * 1 + 2) / (1 + 2), after.InterruptionRateEstimate, 6); // one prior instance-month
        Assert.True(after.InterruptionRateEstimate > before.InterruptionRateEstimate);
        Assert.Equal(after.InterruptionRateEstimate, Book.Markets.InterruptionRate[Book.Find("sim-aws", "us-east-1", zone, type)], 6);
    }

    [Fact]
    public async Task The_provider_grain_is_healthy_after_its_probe_and_counts_the_polls()
    {
        var feed = _cluster.GrainFactory.GetGrain<IRegionPriceFeedGrain>(Feed);
        await feed.Poll();
        await feed.Poll();

        var provider = _cluster.GrainFactory.GetGrain<IProviderGrain>("sim-aws");
        Assert.Equal(ProviderStatus.Healthy, (await provider.Probe()).Status);

        // Every call through the adapter is counted on the silo and handed to the provider's grain in batches.
        ProviderDetails details = null!;
        await Eventually.TrueAsync(async () => (details = await provider.GetDetails()).Statistics.TotalRequests >= 4, TimeSpan.FromSeconds(30),
            "the activation poll, two polls and the probes are counted");
        Assert.Equal(details.Statistics.TotalRequests, details.Statistics.SuccessfulRequests);
        var capabilities = await _cluster.GrainFactory.GetGrain<IProviderGrain>("sim-aws").GetCapabilities();
        Assert.Equal(["us-east-1"], capabilities.Regions);
    }

    [Fact]
    public async Task The_synchronizer_brings_every_feeds_changes_into_the_book()
    {
        var synchronizer = Services.GetRequiredService<OfferBookSynchronizer>();
        var feed = _cluster.GrainFactory.GetGrain<IRegionPriceFeedGrain>(Feed);
        await synchronizer.SyncOnceAsync(CancellationToken.None);
        long synced = (await feed.GetChangesSince(0)).Version;
        Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.True(await feed.Poll() > 0);

        // Overwrite the book with stale prices, as a silo that missed the updates would have.
        var stale = (await CloudPricesAsync()).Select(p => new MarketPriceChange(p.Key.Zone, p.Key.Type, 9.99m, DateTimeOffset.UnixEpoch, 0)).ToList();
        Book.Apply("sim-aws", "us-east-1", stale);
        await synchronizer.SyncOnceAsync(CancellationToken.None);

        Assert.Contains(await CloudPricesAsync(), p => BookPrice(p.Key.Zone, p.Key.Type) == 9.99m); // unchanged markets are not re-sent
        var changed = (await feed.GetChangesSince(synced)).Changes;
        Assert.NotEmpty(changed);
        Assert.All(changed, c => Assert.Equal(c.PricePerHour, BookPrice(c.Zone, c.InstanceType)));
    }
}
