using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Arbitrage.Orleans.Tests.Clouds;

using Market = Arbitrage.Orleans.Clouds.Market;

[Collection(MarketDataCollection.Name)]
public sealed class SimulatedCloudTests(MarketDataFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static LaunchRequest Spot(string region, string zone, string type, string token = "", decimal? maxPrice = null) =>
        new(region, zone, type, Market.Spot, maxPrice, "ami-test", token);

    private static LaunchRequest AwsSpot(string token = "", decimal? maxPrice = null) => Spot("us-east-1", "use1-az2", "m5dn.8xlarge", token, maxPrice);

    [Fact]
    public async Task A_launched_instance_is_pending_then_running_and_healthy_after_the_boot_delay()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => o.InterruptionsEnabled = false);

        var launched = await cloud.LaunchAsync(AwsSpot(), CancellationToken.None);

        Assert.Equal(InstanceState.Pending, launched.State);
        Assert.Equal(clock.GetUtcNow(), launched.LaunchedAt);
        Assert.Matches(@"^10\.\d{1,3}\.\d{1,3}\.\d{1,3}$", launched.Address);
        var spot = await cloud.GetSpotPricesAsync("us-east-1", CancellationToken.None);
        Assert.Equal(Assert.Single(spot, p => p.Zone == "use1-az2" && p.InstanceType == "m5dn.8xlarge").PricePerHour, launched.PricePerHour);
        Assert.Equal(InstanceHealth.Unknown, await cloud.CheckHealthAsync(launched.InstanceId, 8080, "/health", CancellationToken.None));

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(InstanceState.Pending, (await cloud.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.State);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceState.Running, (await cloud.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.State);
        Assert.Equal(InstanceHealth.Healthy, await cloud.CheckHealthAsync(launched.InstanceId, 8080, "/health", CancellationToken.None));
        Assert.Equal(1, cloud.LaunchCount);
    }

    [Fact]
    public async Task An_on_demand_instance_costs_the_on_demand_price()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Azure, clock);
        Assert.True(cloud.Catalog.TryFindOffer("jioindiacentral", "jioindiacentral", "Standard_A1_v2", out var index));

        var launched = await cloud.LaunchAsync(
            new LaunchRequest("jioindiacentral", "jioindiacentral", "Standard_A1_v2", Market.OnDemand, null, "image", "od-1"), CancellationToken.None);

        Assert.Equal(cloud.Catalog.Offers[index].OnDemandPricePerHour, launched.PricePerHour);
        Assert.Equal(Market.OnDemand, launched.Market);
    }

    [Fact]
    public async Task Set_health_unhealthy_is_reported_by_the_health_check()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => o.InterruptionsEnabled = false);
        var launched = await cloud.LaunchAsync(AwsSpot(), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(5));

        cloud.SetHealth(launched.InstanceId, InstanceHealth.Unhealthy);

        Assert.Equal(InstanceHealth.Unhealthy, await cloud.CheckHealthAsync(launched.InstanceId, 80, "/", CancellationToken.None));
    }

    [Fact]
    public async Task A_market_without_capacity_refuses_launches_until_capacity_returns()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock);
        cloud.SetCapacity("us-east-1", "use1-az2", "m5dn.8xlarge", available: false);

        var error = await Assert.ThrowsAsync<CloudException>(() => cloud.LaunchAsync(AwsSpot(), CancellationToken.None));

        Assert.Equal(CloudErrorCode.InsufficientCapacity, error.Code);
        Assert.Equal(0, cloud.LaunchCount);
        cloud.SetCapacity("us-east-1", "use1-az2", "m5dn.8xlarge", available: true);
        await cloud.LaunchAsync(AwsSpot(), CancellationToken.None);
        Assert.Equal(1, cloud.LaunchCount);
    }

    [Fact]
    public async Task A_p3_market_has_no_capacity_when_its_availability_trace_is_down()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => (o.Speed, o.InterruptionsEnabled) = (3600, false));
        Assert.True(cloud.Catalog.TracedMarketCount > 0);

        // Launch every 3 real seconds (3 simulated hours) for a simulated month: the traces go down now and then.
        var refused = 0;
        for (var i = 0; i < 240; i++)
        {
            try
            {
                await cloud.LaunchAsync(Spot("us-east-1", "use1-az1", "p3.2xlarge"), CancellationToken.None);
            }
            catch (CloudException e) when (e.Code == CloudErrorCode.InsufficientCapacity)
            {
                refused++;
            }

            clock.Advance(TimeSpan.FromSeconds(3));
        }

        output.WriteLine($"p3.2xlarge use1-az1 (trace us-east-1a): {refused} of 240 launches refused");
        Assert.InRange(refused, 1, 239);
    }

    [Fact]
    public async Task A_spot_price_above_the_maximum_is_refused_on_aws_but_ignored_on_gcp()
    {
        var clock = new ManualTimeProvider();
        using var aws = fixture.CreateCloud(CloudKind.Aws, clock);
        using var gcp = fixture.CreateCloud(CloudKind.Gcp, clock);

        var error = await Assert.ThrowsAsync<CloudException>(() => aws.LaunchAsync(AwsSpot(maxPrice: 0.0001m), CancellationToken.None));
        Assert.Equal(CloudErrorCode.PriceAboveMaximum, error.Code);
        Assert.True(Assert.Single(aws.LaunchApis).SupportsMaxPrice);

        var offer = gcp.Catalog.Offers.First(o => o.SpotAvailable);
        var launched = await gcp.LaunchAsync(Spot(offer.Region, offer.Zone, offer.InstanceType, maxPrice: 0.0001m), CancellationToken.None);
        Assert.True(launched.PricePerHour > 0.0001m);
        Assert.False(Assert.Single(gcp.LaunchApis).SupportsMaxPrice);
    }

    [Fact]
    public async Task The_same_client_token_returns_the_same_instance()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock);

        var first = await cloud.LaunchAsync(AwsSpot("token-1"), CancellationToken.None);
        var again = await cloud.LaunchAsync(AwsSpot("token-1"), CancellationToken.None);
        var other = await cloud.LaunchAsync(AwsSpot("token-2"), CancellationToken.None);

        Assert.Equal(first.InstanceId, again.InstanceId);
        Assert.NotEqual(first.InstanceId, other.InstanceId);
        Assert.NotEqual(first.Address, other.Address);
        Assert.Equal(2, cloud.LaunchCount);
    }

    [Theory]
    [InlineData(CloudKind.Aws, 120)]
    [InlineData(CloudKind.Gcp, 30)]
    [InlineData(CloudKind.Azure, 30)]
    public async Task Interrupt_gives_every_watcher_a_notice_with_the_clouds_lead_and_terminates_after_it(CloudKind kind, int leadSeconds)
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(kind, clock, o => o.InterruptionsEnabled = false);
        var offer = cloud.Catalog.Offers.First(o => o.SpotAvailable);
        using var stop = new CancellationTokenSource(Wait);
        await using var first = cloud.WatchInterruptionsAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        await using var second = cloud.WatchInterruptionsAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var launched = await cloud.LaunchAsync(Spot(offer.Region, offer.Zone, offer.InstanceType), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));

        Assert.True(cloud.Interrupt(launched.InstanceId));

        foreach (var watcher in new[] { first, second })
        {
            Assert.True(await watcher.MoveNextAsync().AsTask().WaitAsync(Wait));
            var notice = watcher.Current;
            Assert.Equal(launched.InstanceId, notice.InstanceId);
            Assert.Equal(clock.GetUtcNow(), notice.NoticedAt);
            Assert.Equal(TimeSpan.FromSeconds(leadSeconds), notice.TerminationAt - notice.NoticedAt);
        }

        clock.Advance(TimeSpan.FromSeconds(leadSeconds) - TimeSpan.FromTicks(1));
        Assert.Equal(InstanceState.Running, (await cloud.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.State);
        clock.Advance(TimeSpan.FromTicks(1));
        var terminated = (await cloud.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!;
        Assert.Equal(InstanceState.Terminated, terminated.State);
        Assert.Equal("interrupted", terminated.StateReason);
        Assert.Equal(clock.GetUtcNow(), terminated.TerminatedAt);
        Assert.False(cloud.Interrupt(launched.InstanceId));
    }

    [Fact]
    public async Task Spot_instances_are_interrupted_at_their_markets_monthly_rate()
    {
        var clock = new ManualTimeProvider();
        const double speed = 3600; // a real second is a simulated hour
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => (o.Speed, o.Seed) = (speed, 1));
        var offer = cloud.Catalog.Offers.First(o => o is { SpotAvailable: true, InterruptionRate: 0.25, Region: "us-east-1", GpuType: null });
        using var stop = new CancellationTokenSource(Wait);
        var watcher = cloud.WatchInterruptionsAsync(stop.Token).GetAsyncEnumerator(stop.Token);

        const int instances = 2000;
        for (var i = 0; i < instances; i++) await cloud.LaunchAsync(Spot(offer.Region, offer.Zone, offer.InstanceType), CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(720 / speed)); // a simulated month
        var notices = await DrainAsync(watcher, stop);

        var fraction = notices.Count / (double)instances;
        output.WriteLine($"{offer.InstanceType} in {offer.Zone}: rate {offer.InterruptionRate}, {notices.Count} of {instances} interrupted in a simulated month");
        Assert.Equal(instances, cloud.LaunchCount);
        Assert.Equal(notices.Count, notices.Select(n => n.InstanceId).Distinct().Count());
        Assert.InRange(fraction, offer.InterruptionRate - 0.03, offer.InterruptionRate + 0.03);
    }

    [Fact]
    public async Task The_same_seed_and_clock_steps_give_the_same_instances_addresses_and_interruptions()
    {
        var first = await RunAsync(seed: 5);
        var second = await RunAsync(seed: 5);
        var other = await RunAsync(seed: 6);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);

        async Task<List<string>> RunAsync(int seed)
        {
            var clock = new ManualTimeProvider();
            using var cloud = fixture.CreateCloud(CloudKind.Gcp, clock, o => (o.Seed, o.Speed) = (seed, 600));
            var offer = cloud.Catalog.Offers.First(o => o.SpotAvailable && o.GpuType is not null);
            using var stop = new CancellationTokenSource(Wait);
            var watcher = cloud.WatchInterruptionsAsync(stop.Token).GetAsyncEnumerator(stop.Token);
            var log = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var launched = await cloud.LaunchAsync(Spot(offer.Region, offer.Zone, offer.InstanceType), CancellationToken.None);
                log.Add($"launched {launched.InstanceId} {launched.Address} {launched.PricePerHour}");
                clock.Advance(TimeSpan.FromSeconds(13));
            }

            clock.Advance(TimeSpan.FromHours(1));
            var notices = await DrainAsync(watcher, stop);
            Assert.NotEmpty(notices);
            log.AddRange(notices.Select(n => $"notice {n.InstanceId} {n.NoticedAt:O} {n.TerminationAt:O}"));
            return log;
        }
    }

    /// <summary>
    /// The notices already issued: the manual clock fires timers inline, so after Advance they are all in the
    /// watcher's channel and each MoveNextAsync completes at once; the first that does not ends the drain.
    /// </summary>
    private static async Task<List<InterruptionNotice>> DrainAsync(IAsyncEnumerator<InterruptionNotice> watcher, CancellationTokenSource stop)
    {
        var notices = new List<InterruptionNotice>();
        try
        {
            while (true)
            {
                var next = watcher.MoveNextAsync();
                if (!next.IsCompleted)
                {
                    await stop.CancelAsync();
                    try
                    {
                        await next;
                    }
                    catch (OperationCanceledException)
                    {
                    }

                    return notices;
                }

                if (!await next) return notices;
                notices.Add(watcher.Current);
            }
        }
        finally
        {
            await watcher.DisposeAsync();
        }
    }

    [Fact]
    public async Task Unknown_regions_zones_and_types_are_invalid_requests_naming_the_value()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock);

        var region = await Assert.ThrowsAsync<CloudException>(() => cloud.LaunchAsync(Spot("mars-north-1", "use1-az2", "m5.large"), CancellationToken.None));
        var zone = await Assert.ThrowsAsync<CloudException>(() => cloud.LaunchAsync(Spot("us-east-1", "use1-az99", "m5.large"), CancellationToken.None));
        var type = await Assert.ThrowsAsync<CloudException>(() => cloud.LaunchAsync(Spot("us-east-1", "use1-az2", "m99.huge"), CancellationToken.None));
        var prices = await Assert.ThrowsAsync<CloudException>(() => cloud.GetSpotPricesAsync("mars-north-1", CancellationToken.None));

        Assert.All([region, zone, type, prices], e => Assert.Equal(CloudErrorCode.InvalidRequest, e.Code));
        Assert.Contains("mars-north-1", region.Message);
        Assert.Contains("use1-az99", zone.Message);
        Assert.Contains("m99.huge", type.Message);
        Assert.Contains("mars-north-1", prices.Message);
        Assert.Equal(0, cloud.LaunchCount);
    }

    [Fact]
    public async Task Concurrent_launches_get_distinct_instances_and_addresses()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Azure, clock);
        var offer = cloud.Catalog.Offers.First(o => o.SpotAvailable);

        var launched = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(() =>
            cloud.LaunchAsync(Spot(offer.Region, offer.Zone, offer.InstanceType, token: $"t-{i % 200}"), CancellationToken.None))));

        Assert.Equal(200, launched.Select(l => l.InstanceId).Distinct().Count());
        Assert.Equal(200, launched.Select(l => l.Address).Distinct().Count());
        Assert.Equal(200, cloud.LaunchCount);
        Assert.Equal(400, cloud.LaunchAttempts);
    }

    [Fact]
    public async Task Terminate_is_idempotent_and_unknown_instances_are_not_described()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock);
        var launched = await cloud.LaunchAsync(AwsSpot(), CancellationToken.None);

        await cloud.TerminateAsync(launched.InstanceId, CancellationToken.None);
        await cloud.TerminateAsync(launched.InstanceId, CancellationToken.None);
        await cloud.TerminateAsync("i-unknown", CancellationToken.None);

        Assert.Equal(InstanceState.Terminated, (await cloud.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.State);
        Assert.Null(await cloud.DescribeInstanceAsync("i-unknown", CancellationToken.None));
    }

    [Fact]
    public async Task Regions_list_zones_and_describe_their_offers()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Gcp, clock);

        var regions = await cloud.ListRegionsAsync(CancellationToken.None);
        var region = Assert.Single(regions, r => r.Name == "us-central1");
        var offers = await cloud.DescribeInstanceTypesAsync("us-central1", CancellationToken.None);

        Assert.True(region.Zones.Count > 1);
        Assert.All(offers, o => Assert.Contains(o.Zone, region.Zones));
    }
}
