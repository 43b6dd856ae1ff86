using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Clouds;

using Market = Arbitrage.Orleans.Clouds.Market;

/// <summary>
/// What every <see cref="ICloudAdapter"/> must do, run against the simulated cloud and against each real adapter
/// talking to its cloud's local fake. A subclass says how to make the adapter and how to move its cloud along
/// (boot an instance, send an interruption notice, refuse a launch), and names a market the cloud offers.
/// </summary>
public abstract class CloudAdapterContract
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>The adapter under test (made once per test).</summary>
    protected abstract ICloudAdapter Adapter { get; }

    /// <summary>A region, zone and instance type the cloud offers with a spot price.</summary>
    protected abstract (string Region, string Zone, string InstanceType) Market { get; }

    /// <summary>Lets the cloud finish booting the instance (advance a clock, or tell the fake).</summary>
    protected abstract Task BootAsync(string instanceId);

    /// <summary>Makes the cloud issue an interruption notice for the instance.</summary>
    protected abstract Task InterruptAsync(string instanceId);

    /// <summary>Makes the cloud's next launch in <see cref="Market"/> fail for lack of capacity.</summary>
    protected abstract Task RefuseNextLaunchForCapacityAsync();

    /// <summary>The adapter's clock: the system's, or the manual clock a simulated cloud runs on.</summary>
    protected virtual DateTimeOffset Now => DateTimeOffset.UtcNow;

    protected LaunchRequest Spot(string token, IReadOnlyDictionary<string, string>? tags = null) =>
        new(Market.Region, Market.Zone, Market.InstanceType, Arbitrage.Orleans.Clouds.Market.Spot, null, "image-1", token, tags);

    [Fact]
    public async Task Regions_catalog_and_spot_prices_name_the_market()
    {
        var regions = await Adapter.ListRegionsAsync(CancellationToken.None);
        Assert.Contains(regions, r => r.Name == Market.Region && r.Zones.Contains(Market.Zone));
        var types = await Adapter.DescribeInstanceTypesAsync(Market.Region, CancellationToken.None);
        var offer = Assert.Single(types, t => t.InstanceType == Market.InstanceType && t.Zone == Market.Zone);
        Assert.True(offer.VCpus > 0 && offer.MemoryGiB > 0);
        var prices = await Adapter.GetSpotPricesAsync(Market.Region, CancellationToken.None);
        Assert.Contains(prices, p => p.Zone == Market.Zone && p.InstanceType == Market.InstanceType && p.PricePerHour > 0);
    }

    [Fact]
    public async Task A_markets_week_of_price_history_ends_at_its_current_price_unless_the_cloud_has_no_history()
    {
        IReadOnlyList<SpotPrice> history;
        try
        {
            history = await Adapter.GetSpotPriceHistoryAsync(
                new SpotPriceHistoryQuery(Market.Region, Market.Zone, Market.InstanceType, Now.AddDays(-7), Now.AddMinutes(1)), CancellationToken.None);
        }
        catch (CloudException e) when (e.Code == CloudErrorCode.NotSupported)
        {
            return; // Azure and GCP: their price APIs have no history, and the console shows what the price feed saw.
        }

        Assert.NotEmpty(history);
        Assert.All(history, p => Assert.Equal((Market.Region, Market.Zone, Market.InstanceType), (p.Region, p.Zone, p.InstanceType)));
        Assert.Equal(history.Select(p => p.Timestamp).Order(), history.Select(p => p.Timestamp));
        var current = await Adapter.GetSpotPricesAsync(Market.Region, CancellationToken.None);
        Assert.Equal(Assert.Single(current, p => p.Zone == Market.Zone && p.InstanceType == Market.InstanceType).PricePerHour, history[^1].PricePerHour);
    }

    [Fact]
    public async Task A_launch_is_described_boots_is_listed_by_its_tags_and_terminates_idempotently()
    {
        var tags = new Dictionary<string, string> { ["arbitrage:workload"] = "wk-contract", ["arbitrage:cluster"] = "contract" };
        var launched = await Adapter.LaunchAsync(Spot("token-" + Guid.NewGuid().ToString("N")[..8], tags), CancellationToken.None);
        Assert.Equal(Market.InstanceType, launched.InstanceType);
        Assert.Equal(Arbitrage.Orleans.Clouds.Market.Spot, launched.Market);

        await BootAsync(launched.InstanceId);
        await Eventually.TrueAsync(async () => (await Adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))?.State == InstanceState.Running, Generous);
        var listed = await Adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { ["arbitrage:cluster"] = "contract" }, CancellationToken.None);
        Assert.Contains(listed, i => i.InstanceId == launched.InstanceId && i.Tags?["arbitrage:workload"] == "wk-contract");

        await Adapter.TerminateAsync(launched.InstanceId, CancellationToken.None);
        await Adapter.TerminateAsync(launched.InstanceId, CancellationToken.None);
        await Eventually.TrueAsync(async () =>
            (await Adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))?.State is null or InstanceState.Terminated or InstanceState.ShuttingDown, Generous);
    }

    [Fact]
    public async Task A_launch_without_capacity_is_InsufficientCapacity()
    {
        await RefuseNextLaunchForCapacityAsync();
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter.LaunchAsync(Spot("token-" + Guid.NewGuid().ToString("N")[..8]), CancellationToken.None));
        Assert.Equal(CloudErrorCode.InsufficientCapacity, refused.Code);
    }

    [Fact]
    public async Task An_interruption_notice_reaches_a_watcher()
    {
        using var watching = new CancellationTokenSource(Generous);
        var launched = await Adapter.LaunchAsync(Spot("token-" + Guid.NewGuid().ToString("N")[..8]), CancellationToken.None);
        await BootAsync(launched.InstanceId);
        var notices = Adapter.WatchInterruptionsAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        var next = notices.MoveNextAsync().AsTask();
        await InterruptAsync(launched.InstanceId);
        while (await next)
        {
            if (notices.Current.InstanceId == launched.InstanceId)
            {
                Assert.True(notices.Current.TerminationAt >= notices.Current.NoticedAt);
                return;
            }

            next = notices.MoveNextAsync().AsTask();
        }

        Assert.Fail("no notice arrived for the interrupted instance");
    }

    [Fact]
    public async Task A_launch_the_cloud_accepts_but_never_boots_stays_pending_with_unknown_health()
    {
        var launched = await Adapter.LaunchAsync(Spot("token-" + Guid.NewGuid().ToString("N")[..8]), CancellationToken.None);

        var described = await Adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None);
        Assert.Equal(InstanceState.Pending, described?.State);
        Assert.Equal(InstanceHealth.Unknown, await Adapter.CheckHealthAsync(launched.InstanceId, 8080, "/health", CancellationToken.None));
        await Adapter.TerminateAsync(launched.InstanceId, CancellationToken.None); // the workload's boot timeout gives up on it
    }

    [Fact]
    public async Task Describing_an_unknown_instance_is_null()
    {
        Assert.Null(await Adapter.DescribeInstanceAsync("i-unknown000000", CancellationToken.None));
    }
}
