using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Tests.Clouds;

using Market = Arbitrage.Orleans.Clouds.Market;

/// <summary>
/// The AWS adapter against the EC2/SQS fake through the real SDK: catalog join, paged and incremental spot prices,
/// launch shape and tags, each EC2 error, throttling with the SDK's backoff, refused credentials, read-only mode,
/// interruption and rebalance events from the queue, health checks.
/// </summary>
public sealed class AwsAdapterTests : IAsyncLifetime
{
    private const string Zone = "use1-az4";
    private FakeAws _fake = null!;
    private AwsTestProvider _provider = null!;
    private ICloudAdapter _adapter = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAws.StartAsync();
        _provider = new AwsTestProvider(_fake);
        _adapter = _provider.CreateAdapter();
    }

    public async Task DisposeAsync()
    {
        (_adapter as IDisposable)?.Dispose();
        _provider.Dispose();
        await _fake.DisposeAsync();
    }

    private static LaunchRequest Spot(decimal? maxPrice = null, IReadOnlyDictionary<string, string>? tags = null) =>
        new(FakeAws.Region, Zone, "m5.large", Market.Spot, maxPrice, "ami-0abc1234", "token-" + Guid.NewGuid().ToString("N")[..12], tags);

    [Fact]
    public async Task The_catalog_joins_EC2_shapes_with_the_bundled_on_demand_prices_by_zone_id()
    {
        var regions = await _adapter.ListRegionsAsync(CancellationToken.None);
        Assert.Equal(["use1-az1", "use1-az2", "use1-az4", "use1-az6"], Assert.Single(regions).Zones);
        var offers = await _adapter.DescribeInstanceTypesAsync(FakeAws.Region, CancellationToken.None);
        Assert.Equal(FakeAws.Zones.Count * FakeAws.Types.Count, offers.Count);
        var m5 = Assert.Single(offers, o => o.InstanceType == "m5.large" && o.Zone == Zone);
        Assert.Equal((2, 8.0, 0.096m, true), (m5.VCpus, m5.MemoryGiB, m5.OnDemandPricePerHour!.Value, m5.SpotAvailable));
        var gpu = Assert.Single(offers, o => o.InstanceType == "g4dn.xlarge" && o.Zone == Zone);
        Assert.Equal(("T4", 1), (gpu.GpuType, gpu.GpuCount));
    }

    [Fact]
    public async Task Spot_prices_are_read_page_by_page_and_then_only_since_the_last_poll()
    {
        _fake.PageSize = 5;
        var first = await _adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None);
        Assert.Equal(FakeAws.Zones.Count * FakeAws.Types.Count, first.Count);
        Assert.True(_fake.CallCount("ec2:DescribeSpotPriceHistory") >= 3, "12 markets in pages of 5 take three pages");
        // The newest of each market's three hours of history, keyed by zone ID although EC2 answers zone names.
        Assert.Equal(0.0390m, Assert.Single(first, p => p.Zone == Zone && p.InstanceType == "m5.large").PricePerHour);
        var firstStart = _fake.LastSpotPriceStart;

        _fake.SetSpotPrice(Zone, "m5.large", 0.0512m);
        var second = await _adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None);
        Assert.Equal(0.0512m, Assert.Single(second, p => p.Zone == Zone && p.InstanceType == "m5.large").PricePerHour);
        Assert.NotNull(firstStart);
        Assert.True(firstStart > DateTimeOffset.UtcNow.AddMinutes(-1), "the first poll asks for the prices in force now, not the history");
        Assert.True(_fake.LastSpotPriceStart >= firstStart, "the second poll asks only for prices since the first");
    }

    [Fact]
    public async Task A_week_of_spot_price_history_is_read_page_by_page_for_one_zone_from_the_price_in_force_at_its_start()
    {
        _fake.PageSize = 2;
        var now = DateTimeOffset.UtcNow;
        _fake.SetSpotPrice(Zone, "m5.large", 0.0301m, now.AddDays(-9));
        for (var day = 6; day >= 1; day--) _fake.SetSpotPrice(Zone, "m5.large", 0.03m + (day * 0.001m), now.AddDays(-day));
        _fake.SetSpotPrice("use1-az6", "m5.large", 0.09m, now.AddDays(-2));
        _fake.SetSpotPrice(Zone, "c5.xlarge", 0.09m, now.AddDays(-2));

        var history = await _adapter.GetSpotPriceHistoryAsync(new SpotPriceHistoryQuery(FakeAws.Region, Zone, "m5.large", now.AddDays(-7), now), CancellationToken.None);

        // Keyed by zone ID although EC2 is asked and answers by zone name; oldest first although EC2 answers newest first.
        Assert.All(history, p => Assert.Equal((FakeAws.Region, Zone, "m5.large"), (p.Region, p.Zone, p.InstanceType)));
        Assert.Equal(history.Select(p => p.Timestamp).Order(), history.Select(p => p.Timestamp));
        Assert.Equal(1 + 6 + 3, history.Count); // the price in force at the start, six daily changes, the fake's last three hours
        Assert.Equal(0.0301m, history[0].PricePerHour);
        Assert.True(history[0].Timestamp < now.AddDays(-7), "EC2 dates the starting price when it was set");
        Assert.Equal(0.0390m, history[^1].PricePerHour);
        Assert.True(_fake.CallCount("ec2:DescribeSpotPriceHistory") >= 5, "ten prices in pages of two take five pages");
    }

    [Fact]
    public async Task A_spot_launch_is_one_time_terminate_on_interruption_with_the_max_price_zone_and_tags()
    {
        var tags = new Dictionary<string, string> { ["arbitrage:workload"] = "wk-1", ["arbitrage:tenant"] = "acme" };
        var launched = await _adapter.LaunchAsync(Spot(0.2m, tags), CancellationToken.None);
        var form = _fake.LastRunInstances!;
        Assert.Equal("spot", form["InstanceMarketOptions.MarketType"]);
        Assert.Equal("one-time", form["InstanceMarketOptions.SpotOptions.SpotInstanceType"]);
        Assert.Equal("terminate", form["InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior"]);
        Assert.Equal("0.2", form["InstanceMarketOptions.SpotOptions.MaxPrice"]);
        Assert.Equal(Zone, form["Placement.AvailabilityZoneId"]);
        var onCloud = _fake.Instance(launched.InstanceId)!;
        Assert.Equal("wk-1", onCloud.Tags["arbitrage:workload"]);
        Assert.Equal("acme", onCloud.Tags["arbitrage:tenant"]);
        Assert.Equal("aws-test", onCloud.Tags["arbitrage:provider"]);
        Assert.Equal((Zone, InstanceState.Pending, Market.Spot), (launched.Zone, launched.State, launched.Market));

        var listed = await _adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { ["arbitrage:tenant"] = "acme" }, CancellationToken.None);
        Assert.Equal(launched.InstanceId, Assert.Single(listed).InstanceId);
        Assert.Empty(await _adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { ["arbitrage:tenant"] = "other" }, CancellationToken.None));
    }

    [Fact]
    public async Task A_retried_launch_with_the_same_client_token_gets_the_same_instance()
    {
        var request = Spot();
        var first = await _adapter.LaunchAsync(request, CancellationToken.None);
        var again = await _adapter.LaunchAsync(request, CancellationToken.None);
        Assert.Equal(first.InstanceId, again.InstanceId);
        Assert.Single(_fake.Instances);
    }

    [Theory]
    [InlineData("InsufficientInstanceCapacity", CloudErrorCode.InsufficientCapacity)]
    [InlineData("SpotMaxPriceTooLow", CloudErrorCode.PriceAboveMaximum)]
    [InlineData("MaxSpotInstanceCountExceeded", CloudErrorCode.QuotaExceeded)]
    public async Task EC2_launch_errors_read_as_cloud_error_codes(string ec2Error, CloudErrorCode expected)
    {
        _fake.RefuseNextLaunch(ec2Error);
        var refused = await Assert.ThrowsAsync<CloudException>(() => _adapter.LaunchAsync(Spot(), CancellationToken.None));
        Assert.Equal(expected, refused.Code);
        Assert.Contains(ec2Error, refused.Message);
        Assert.Contains("aws-test", refused.Message);
        Assert.Empty(_fake.Instances);
    }

    [Fact]
    public async Task A_max_price_below_the_spot_price_is_PriceAboveMaximum()
    {
        var refused = await Assert.ThrowsAsync<CloudException>(() => _adapter.LaunchAsync(Spot(maxPrice: 0.001m), CancellationToken.None));
        Assert.Equal(CloudErrorCode.PriceAboveMaximum, refused.Code);
    }

    [Fact]
    public async Task An_unknown_instance_type_is_InvalidRequest()
    {
        var refused = await Assert.ThrowsAsync<CloudException>(() =>
            _adapter.LaunchAsync(Spot() with { InstanceType = "x9.nothing" }, CancellationToken.None));
        Assert.Equal(CloudErrorCode.InvalidRequest, refused.Code);
    }

    [Fact]
    public async Task Throttled_calls_are_retried_with_backoff_by_the_SDK_and_then_succeed()
    {
        await _adapter.ListRegionsAsync(CancellationToken.None);
        _fake.ThrottleNext(2);
        var prices = await _adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None);
        Assert.NotEmpty(prices);
        Assert.Equal(3, _fake.CallCount("ec2:DescribeSpotPriceHistory"));
    }

    [Fact]
    public async Task Throttling_beyond_the_retries_is_Throttled()
    {
        await _adapter.ListRegionsAsync(CancellationToken.None);
        _fake.ThrottleNext(100);
        var refused = await Assert.ThrowsAsync<CloudException>(() => _adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None));
        Assert.Equal(CloudErrorCode.Throttled, refused.Code);
        Assert.Equal(1 + AwsTestProvider.Options().MaxErrorRetry, _fake.CallCount("ec2:DescribeSpotPriceHistory"));
        _fake.ThrottleNext(0);
    }

    [Theory]
    [InlineData(FakeAws.AccessKeyId, "not-the-secret")]
    [InlineData("AKIAUNKNOWNKEY000000", FakeAws.SecretAccessKey)]
    public async Task Refused_credentials_are_Unauthorized_naming_the_provider(string keyId, string secret)
    {
        using var wrong = new AwsTestProvider(_fake, keyId, secret);
        var adapter = wrong.CreateAdapter();
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unauthorized, refused.Code);
        Assert.Contains("provider 'aws-test'", refused.Message);
        Assert.Contains("credentials", refused.Message);
        Assert.True(_fake.RefusedSignatures > 0);
        Assert.Empty(_fake.Calls);
    }

    [Fact]
    public async Task A_read_only_provider_shows_prices_and_refuses_launches_before_any_call()
    {
        var factory = new CloudAdapterFactory(
            new SimulatedCloudFactory(Options.Create(new MarketOptions { DataDirectory = SharedData.Directory }), TimeProvider.System),
            [AwsTestProvider.Factory()], new Arbitrage.Orleans.Clouds.CloudCallMeter(), TimeProvider.System);
        var adapter = factory.Create(new ProviderConfig
        {
            Name = "aws-test",
            Type = "aws",
            Adapter = "real",
            Mode = ProviderModes.ReadOnly,
            Regions = [FakeAws.Region],
            Credentials = _provider.Settings.Credentials,
            Endpoints = _provider.Settings.Endpoints,
        });
        Assert.NotEmpty(await adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.LaunchAsync(Spot(), CancellationToken.None));
        Assert.Contains("read-only", refused.Message);
        Assert.Equal(0, _fake.CallCount("ec2:RunInstances"));
        Assert.Empty(adapter.LaunchApis);
    }

    [Fact]
    public void Settings_problems_name_the_provider_and_the_field()
    {
        var factory = AwsTestProvider.Factory();
        var bad = _provider.Settings with
        {
            Regions = ["us-nowhere-1"],
            Endpoints = new Dictionary<string, string> { ["ec2"] = "not a url", ["pricing"] = "http://127.0.0.1:1/" },
            Credentials = new CredentialsConfig { Source = "file", File = "/nonexistent/credentials" },
            Aws = new AwsConfig { InterruptionQueueUrl = "sqs-queue", SubnetsByZone = new Dictionary<string, string> { [Zone] = "vpc-1" } },
        };
        var problems = factory.Validate(bad).ToList();
        Assert.All(problems, p => Assert.StartsWith("provider 'aws-test': ", p));
        Assert.Contains("provider 'aws-test': regions: 'us-nowhere-1' is not an AWS region", problems);
        Assert.Contains(problems, p => p.Contains("endpoints.ec2: 'not a url'"));
        Assert.Contains(problems, p => p.Contains("endpoints.pricing"));
        Assert.Contains(problems, p => p.Contains("credentials.file: '/nonexistent/credentials' does not exist"));
        Assert.Contains(problems, p => p.Contains("aws.interruptionQueueUrl"));
        Assert.Contains(problems, p => p.Contains($"aws.subnetsByZone.{Zone}"));
        Assert.Empty(factory.Validate(_provider.Settings));
        Assert.Contains("regions: list at least one", Assert.Single(factory.Validate(_provider.Settings with { Regions = [] })));
    }

    [Fact]
    public async Task Rebalance_recommendations_become_notices_and_unreadable_messages_are_dropped()
    {
        var launched = await _adapter.LaunchAsync(Spot(), CancellationToken.None);
        await _adapter.ListRegionsAsync(CancellationToken.None);
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var notices = _adapter.WatchInterruptionsAsync(watching.Token).GetAsyncEnumerator(watching.Token);
        var next = notices.MoveNextAsync().AsTask();
        _fake.SendRaw("this is not an EventBridge event");
        _fake.SendRaw("""{"detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-0123456789abcdef0","state":"running"}}""");
        _fake.RecommendRebalance(launched.InstanceId);
        Assert.True(await next);
        var notice = notices.Current;
        Assert.Equal((launched.InstanceId, FakeAws.Region, Zone), (notice.InstanceId, notice.Region, notice.Zone));
        Assert.Contains("Rebalance", notice.Reason);
        Assert.Equal(TimeSpan.FromMinutes(2), notice.TerminationAt - notice.NoticedAt);
        await Eventually.TrueAsync(() => Task.FromResult(_fake.UndeletedMessages == 0 && _fake.DeletedMessages == 3), TimeSpan.FromSeconds(30));
        await watching.CancelAsync();
        await notices.DisposeAsync();
    }

    [Fact]
    public async Task Health_is_unknown_while_booting_and_an_HTTP_check_once_running()
    {
        var launched = await _adapter.LaunchAsync(Spot(), CancellationToken.None);
        Assert.Equal(InstanceHealth.Unknown, await _adapter.CheckHealthAsync(launched.InstanceId, _fake.Url.Port, "/healthz", CancellationToken.None));
        _fake.Boot(launched.InstanceId);
        Assert.Equal(InstanceHealth.Healthy, await _adapter.CheckHealthAsync(launched.InstanceId, _fake.Url.Port, "/healthz", CancellationToken.None));
        Assert.Equal(InstanceHealth.Unhealthy, await _adapter.CheckHealthAsync(launched.InstanceId, _fake.Url.Port, "/missing", CancellationToken.None));
    }

    [Fact]
    public async Task A_reclaimed_instance_is_described_terminated_with_the_reason()
    {
        var launched = await _adapter.LaunchAsync(Spot(), CancellationToken.None);
        _fake.Boot(launched.InstanceId);
        _fake.Reclaim(launched.InstanceId);
        var described = await _adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None);
        Assert.Equal(InstanceState.Terminated, described!.State);
        Assert.Contains("SpotInstanceTermination", described.StateReason);
        Assert.Empty(await _adapter.ListTaggedInstancesAsync(new Dictionary<string, string>(), CancellationToken.None));
    }

    [Fact]
    public async Task A_launch_the_cloud_accepts_but_never_boots_stays_pending_with_unknown_health()
    {
        var launched = await _adapter.LaunchAsync(Spot(), CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(InstanceState.Pending, (await _adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.State);
            Assert.Equal(InstanceHealth.Unknown, await _adapter.CheckHealthAsync(launched.InstanceId, _fake.Url.Port, "/healthz", CancellationToken.None));
        }
    }

    [Fact]
    public async Task Garbage_answers_are_Unavailable()
    {
        await _adapter.ListRegionsAsync(CancellationToken.None);
        _fake.AnswerGarbageNext(100);
        var refused = await Assert.ThrowsAsync<CloudException>(() => _adapter.GetSpotPricesAsync(FakeAws.Region, CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, refused.Code);
        _fake.AnswerGarbageNext(0);
    }

    [Fact]
    public async Task A_cloud_that_does_not_answer_in_time_is_Unavailable()
    {
        var options = AwsTestProvider.Options();
        options.RequestTimeout = TimeSpan.FromMilliseconds(500);
        options.MaxErrorRetry = 0;
        var adapter = _provider.CreateAdapter(options);
        _fake.AnswerDelay = TimeSpan.FromSeconds(5);
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, refused.Code);
        _fake.AnswerDelay = TimeSpan.Zero;
    }
}
