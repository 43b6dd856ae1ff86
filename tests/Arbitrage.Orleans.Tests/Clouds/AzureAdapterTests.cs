using System.Net;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Azure;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Tests.Clouds;

using Market = Arbitrage.Orleans.Clouds.Market;

/// <summary>The Azure adapter against the fake Azure: what it sends, how Azure's refusals reach the product, throttling, credentials, settings.</summary>
public sealed class AzureAdapterTests : IAsyncLifetime
{
    private FakeAzure _fake = null!;
    private string _secrets = null!;
    private readonly List<AzureCloudAdapter> _adapters = [];

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _secrets = AzureTesting.WriteSecrets();
    }

    public async Task DisposeAsync()
    {
        foreach (var adapter in _adapters) adapter.Dispose();
        await _fake.DisposeAsync();
        File.Delete(_secrets);
    }

    private AzureCloudAdapter Adapter(Action<AzureAdapterOptions>? configure = null, string? secrets = null)
    {
        var options = AzureTesting.Options(_fake);
        configure?.Invoke(options);
        var adapter = (AzureCloudAdapter)new AzureCloudAdapterFactory(options).Create(AzureTesting.Settings(_fake, secrets ?? _secrets));
        _adapters.Add(adapter);
        return adapter;
    }

    private static LaunchRequest Spot(decimal? maxPrice = null, string size = "Standard_D2s_v3", IReadOnlyDictionary<string, string>? tags = null, string? token = null) =>
        new(FakeAzure.Region, "eastus-1", size, Market.Spot, maxPrice, "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", token ?? Guid.NewGuid().ToString("N"), tags);

    [Fact]
    public async Task A_spot_launch_is_a_Spot_VM_with_delete_eviction_max_price_tags_and_a_NIC_on_the_subnet_that_go_with_it()
    {
        var adapter = Adapter();
        var tags = new Dictionary<string, string> { ["arbitrage:workload"] = "wk-1", ["arbitrage:cluster"] = "c1", ["arbitrage:intent"] = "launch-1" };
        var launched = await adapter.LaunchAsync(Spot(maxPrice: 0.05m, tags: tags, token: "token-1"), CancellationToken.None);

        var body = _fake.Body(launched.InstanceId)!;
        var properties = body["properties"]!;
        Assert.Equal("Spot", properties["priority"]!.GetValue<string>());
        Assert.Equal("Delete", properties["evictionPolicy"]!.GetValue<string>());
        Assert.Equal(0.05, properties["billingProfile"]!["maxPrice"]!.GetValue<double>(), 6);
        Assert.Equal("1", body["zones"]![0]!.GetValue<string>());
        Assert.Equal("wk-1", body["tags"]!["arbitrage:workload"]!.GetValue<string>());
        Assert.Equal("azure-test", body["tags"]![AzureCloudAdapter.ProviderTag]!.GetValue<string>());
        Assert.Equal("Delete", properties["networkProfile"]!["networkInterfaceConfigurations"]![0]!["properties"]!["deleteOption"]!.GetValue<string>());
        Assert.Equal("Delete", properties["storageProfile"]!["osDisk"]!["deleteOption"]!.GetValue<string>());
        Assert.Equal("Canonical", properties["storageProfile"]!["imageReference"]!["publisher"]!.GetValue<string>());

        Assert.Equal(("eastus", "eastus-1", Market.Spot, InstanceState.Pending), (launched.Region, launched.Zone, launched.Market, launched.State));
        Assert.Equal(0.0183m, launched.PricePerHour);
        Assert.Equal("launch-1", launched.Tags!["arbitrage:intent"]);

        // The PUT was followed through its Azure-AsyncOperation to completion.
        var requests = _fake.Requests;
        int put = requests.ToList().FindIndex(r => r.StartsWith($"PUT /subscriptions/{FakeAzure.SubscriptionId}/resourceGroups/{FakeAzure.ResourceGroup}/providers/Microsoft.Compute/virtualMachines/{launched.InstanceId}?api-version=", StringComparison.Ordinal));
        Assert.True(put >= 0, string.Join("\n", requests));
        Assert.Contains(requests.Skip(put), r => r.StartsWith("GET ", StringComparison.Ordinal) && r.Contains("/providers/Microsoft.Compute/locations/eastus/operations/", StringComparison.Ordinal));

        // The same client token is the same VM: a retried launch does not make a second one.
        var again = await adapter.LaunchAsync(Spot(maxPrice: 0.05m, tags: tags, token: "token-1"), CancellationToken.None);
        Assert.Equal(launched.InstanceId, again.InstanceId);
        Assert.Single(await adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { ["arbitrage:workload"] = "wk-1" }, CancellationToken.None));
        Assert.Equal(1, _fake.TokensIssued); // the bearer token is cached across calls
    }

    [Fact]
    public async Task A_launch_without_max_price_bids_up_to_on_demand()
    {
        var launched = await Adapter().LaunchAsync(Spot(), CancellationToken.None);
        Assert.Equal(-1, _fake.Body(launched.InstanceId)!["properties"]!["billingProfile"]!["maxPrice"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("SkuNotAvailable", false)]
    [InlineData("AllocationFailed", true)]
    [InlineData("ZonalAllocationFailed", true)]
    public async Task Azure_capacity_refusals_are_InsufficientCapacity(string code, bool viaOperation)
    {
        _fake.RefuseNextLaunch(code, viaOperation);
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(), CancellationToken.None));
        Assert.Equal(CloudErrorCode.InsufficientCapacity, refused.Code);
        Assert.Contains(code, refused.Message);
        Assert.Contains("azure-test", refused.Message);
    }

    [Fact]
    public async Task A_max_price_below_the_spot_price_is_PriceAboveMaximum()
    {
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(maxPrice: 0.001m), CancellationToken.None));
        Assert.Equal(CloudErrorCode.PriceAboveMaximum, refused.Code);
        Assert.Contains("SpotPriceGreaterThanProvidedMaxPrice", refused.Message);
    }

    [Fact]
    public async Task A_spot_quota_refusal_is_QuotaExceeded()
    {
        _fake.RefuseNextLaunch("OperationNotAllowed");
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(), CancellationToken.None));
        Assert.Equal(CloudErrorCode.QuotaExceeded, refused.Code);
        Assert.Contains("LowPriorityCores quota", refused.Message);
    }

    [Fact]
    public async Task A_bad_request_is_InvalidRequest()
    {
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(size: "Standard_Nope_v9"), CancellationToken.None));
        Assert.Equal(CloudErrorCode.InvalidRequest, refused.Code);
        Assert.Contains("InvalidParameter", refused.Message);
    }

    [Fact]
    public async Task Throttled_calls_are_retried_after_Retry_After_and_then_succeed()
    {
        var adapter = Adapter();
        _fake.ThrottleNext(2, retryAfterSeconds: 1);
        var launched = await adapter.LaunchAsync(Spot(), CancellationToken.None);
        Assert.Equal(2, _fake.ThrottledCalls);
        Assert.NotNull(await adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_Throttled()
    {
        var adapter = Adapter(o => o.MaxRetries = 2);
        _fake.ThrottleNext(100, retryAfterSeconds: 0);
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.GetSpotPricesAsync(FakeAzure.Region, CancellationToken.None));
        Assert.Equal(CloudErrorCode.Throttled, refused.Code);
        Assert.Equal(3, _fake.ThrottledCalls); // the call and its two retries
        _fake.ThrottleNext(0);
    }

    [Theory]
    [InlineData(FakeAzure.Misbehaviour.Garbage)]
    [InlineData(FakeAzure.Misbehaviour.Stall)]
    public async Task An_Azure_answering_garbage_or_nothing_is_Unavailable_and_the_adapter_recovers(FakeAzure.Misbehaviour how)
    {
        var adapter = Adapter(o => { o.MaxRetries = 1; o.NetworkTimeout = TimeSpan.FromMilliseconds(500); });
        _fake.MisbehaveNext(100, how);
        var prices = await Assert.ThrowsAsync<CloudException>(() => adapter.GetSpotPricesAsync(FakeAzure.Region, CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, prices.Code);
        var describe = await Assert.ThrowsAsync<CloudException>(() => adapter.DescribeInstanceAsync("arb-0123456789abcdef0123", CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, describe.Code);

        _fake.MisbehaveNext(0, how);
        Assert.NotEmpty(await adapter.GetSpotPricesAsync(FakeAzure.Region, CancellationToken.None));
    }

    [Fact]
    public async Task A_wrong_client_secret_is_a_clear_credentials_error_and_reaches_no_ARM_call()
    {
        string wrong = AzureTesting.WriteSecrets("not-the-secret");
        try
        {
            var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter(secrets: wrong).LaunchAsync(Spot(), CancellationToken.None));
            Assert.Equal(CloudErrorCode.Unavailable, refused.Code);
            Assert.Contains("refused the credentials", refused.Message);
            Assert.Contains("AADSTS7000215", refused.Message);
            Assert.Equal(0, _fake.LaunchCalls);
            Assert.Equal(0, _fake.TokensIssued);
        }
        finally
        {
            File.Delete(wrong);
        }
    }

    [Fact]
    public async Task Catalog_joins_resource_SKUs_with_on_demand_prices_and_prices_follow_every_page()
    {
        var adapter = Adapter();
        var regions = await adapter.ListRegionsAsync(CancellationToken.None);
        Assert.Equal(["eastus-1", "eastus-2", "eastus-3"], Assert.Single(regions).Zones);

        var offers = await adapter.DescribeInstanceTypesAsync(FakeAzure.Region, CancellationToken.None);
        Assert.DoesNotContain(offers, o => o.InstanceType == "Standard_M416ms_v2"); // restricted for the subscription
        var gpu = Assert.Single(offers, o => o.InstanceType == "Standard_NC4as_T4_v3" && o.Zone == "eastus-2");
        Assert.Equal((4, 28.0, 1, 0.526m, true), (gpu.VCpus, gpu.MemoryGiB, gpu.GpuCount, gpu.OnDemandPricePerHour, gpu.SpotAvailable));
        Assert.DoesNotContain(offers, o => o.InstanceType == "Standard_NC4as_T4_v3" && o.Zone == "eastus-3");

        int pagesBefore = _fake.PricePagesServed;
        var prices = await adapter.GetSpotPricesAsync(FakeAzure.Region, CancellationToken.None);
        Assert.True(_fake.PricePagesServed - pagesBefore > 1, "the prices came in more than one page");
        // Linux spot prices only (the Windows meters cost twice as much), one per zone of the size.
        Assert.Equal(3, prices.Count(p => p.InstanceType == "Standard_D2s_v3"));
        Assert.All(prices.Where(p => p.InstanceType == "Standard_D2s_v3"), p => Assert.Equal(0.0183m, p.PricePerHour));
    }

    [Fact]
    public async Task Health_is_unknown_until_the_VM_runs_then_a_GET_on_its_address_and_port()
    {
        await using var app = await HealthEndpointAsync();
        var adapter = Adapter();
        var launched = await adapter.LaunchAsync(Spot(), CancellationToken.None);
        Assert.Equal(InstanceHealth.Unknown, await adapter.CheckHealthAsync(launched.InstanceId, app.Port, "/healthz", CancellationToken.None));

        _fake.Boot(launched.InstanceId);
        Assert.Equal(InstanceHealth.Healthy, await adapter.CheckHealthAsync(launched.InstanceId, app.Port, "/healthz", CancellationToken.None));
        Assert.Equal(InstanceHealth.Unhealthy, await adapter.CheckHealthAsync(launched.InstanceId, app.Port, "/broken", CancellationToken.None));
        Assert.Equal("127.0.0.1", (await adapter.DescribeInstanceAsync(launched.InstanceId, CancellationToken.None))!.Address);
    }

    [Fact]
    public async Task A_VM_deleted_by_an_eviction_is_noticed_and_one_the_adapter_terminated_is_not()
    {
        var adapter = Adapter();
        var evicted = await adapter.LaunchAsync(Spot(), CancellationToken.None);
        var terminated = await adapter.LaunchAsync(Spot(), CancellationToken.None);
        using var watching = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var notices = new List<InterruptionNotice>();
        var watcher = Task.Run(async () =>
        {
            await foreach (var notice in adapter.WatchInterruptionsAsync(watching.Token)) lock (notices) notices.Add(notice);
        });

        int Lists() => _fake.Requests.Count(r => r.StartsWith($"GET /subscriptions/{FakeAzure.SubscriptionId}/resourceGroups/{FakeAzure.ResourceGroup}/providers/Microsoft.Compute/virtualMachines?", StringComparison.Ordinal));
        await Eventually.TrueAsync(() => Task.FromResult(Lists() >= 1), TimeSpan.FromSeconds(20));
        await adapter.TerminateAsync(terminated.InstanceId, CancellationToken.None);
        Assert.True(_fake.Remove(evicted.InstanceId)); // gone between two rounds, without a Deleting state seen

        await Eventually.TrueAsync(() => { lock (notices) return Task.FromResult(notices.Any(n => n.InstanceId == evicted.InstanceId)); }, TimeSpan.FromSeconds(20));
        int seen = Lists();
        await Eventually.TrueAsync(() => Task.FromResult(Lists() >= seen + 3), TimeSpan.FromSeconds(20));
        lock (notices)
        {
            Assert.DoesNotContain(notices, n => n.InstanceId == terminated.InstanceId);
            var notice = Assert.Single(notices, n => n.InstanceId == evicted.InstanceId);
            Assert.Equal(("eastus", "eastus-1", "Standard_D2s_v3"), (notice.Region, notice.Zone, notice.InstanceType));
        }

        await watching.CancelAsync();
        await watcher.ContinueWith(_ => { });
    }

    [Fact]
    public async Task A_read_only_provider_watches_prices_and_no_launch_reaches_Azure()
    {
        var provider = new ProviderConfig
        {
            Name = "azure-watch", Type = "azure", Adapter = "real", Mode = ProviderModes.ReadOnly, Regions = [FakeAzure.Region],
            Credentials = new CredentialsConfig { Source = "file", File = _secrets }, Endpoints = _fake.Endpoints,
            Azure = new AzureConfig { SubscriptionId = FakeAzure.SubscriptionId, ResourceGroup = FakeAzure.ResourceGroup },
        };
        var factory = new CloudAdapterFactory(
            new SimulatedCloudFactory(Microsoft.Extensions.Options.Options.Create(new MarketOptions()), TimeProvider.System),
            [new AzureCloudAdapterFactory(AzureTesting.Options(_fake))], new Arbitrage.Orleans.Clouds.CloudCallMeter(), TimeProvider.System);
        var adapter = factory.Create(provider);

        Assert.NotEmpty(await adapter.GetSpotPricesAsync(FakeAzure.Region, CancellationToken.None));
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.LaunchAsync(Spot(), CancellationToken.None));
        Assert.Contains("read-only", refused.Message);
        Assert.Equal(0, _fake.LaunchCalls);
    }

    public static TheoryData<string, Func<RealCloudSettings, RealCloudSettings>, string> BadSettings => new()
    {
        { "unknown region", s => s with { Regions = ["us-nowhere-1"] }, "provider 'azure-test': regions: 'us-nowhere-1' is not an Azure region" },
        { "no subscription", s => s with { Azure = s.Azure with { SubscriptionId = null } }, "provider 'azure-test': azure.subscriptionId is required" },
        { "bad subscription", s => s with { Azure = s.Azure with { SubscriptionId = "my-sub" } }, "provider 'azure-test': azure.subscriptionId 'my-sub' is not a subscription id" },
        { "no resource group", s => s with { Azure = s.Azure with { ResourceGroup = "" } }, "provider 'azure-test': azure.resourceGroup is required" },
        { "no subnet to launch", s => s with { Azure = s.Azure with { SubnetId = null } }, "provider 'azure-test': azure.subnetId is required with mode: launch" },
        { "malformed subnet", s => s with { Azure = s.Azure with { SubnetId = "default" } }, "provider 'azure-test': azure.subnetId 'default' is not a subnet resource id" },
        { "http login", s => s with { Endpoints = new Dictionary<string, string>(s.Endpoints) { ["login"] = "http://127.0.0.1:1/" } }, "provider 'azure-test': endpoints.login 'http://127.0.0.1:1/' must be https" },
        { "malformed endpoint", s => s with { Endpoints = new Dictionary<string, string> { ["management"] = "not a url" } }, "provider 'azure-test': endpoints.management 'not a url' must be an absolute http(s) URL" },
        { "unknown service", s => s with { Endpoints = new Dictionary<string, string> { ["ec2"] = "https://x/" } }, "provider 'azure-test': endpoints.ec2 is not an Azure service" },
        { "missing credentials file", s => s with { Credentials = new CredentialsConfig { Source = "file", File = "/nonexistent/sp.json" } }, "provider 'azure-test': credentials.file '/nonexistent/sp.json' does not exist" },
        { "aws profile", s => s with { Credentials = new CredentialsConfig { Source = "profile" } }, "provider 'azure-test': credentials.source 'profile' is AWS only" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Bad_settings_are_refused_naming_the_provider_and_the_field(string what, Func<RealCloudSettings, RealCloudSettings> spoil, string expected)
    {
        var problems = new AzureCloudAdapterFactory().Validate(spoil(AzureTesting.Settings(_fake, _secrets))).ToList();
        Assert.True(problems.Any(p => p.StartsWith(expected, StringComparison.Ordinal)), $"{what}: expected '{expected}' in [{string.Join(" | ", problems)}]");
    }

    [Fact]
    public void Good_settings_have_no_problems() =>
        Assert.Empty(new AzureCloudAdapterFactory().Validate(AzureTesting.Settings(_fake, _secrets)));

    private sealed class HealthEndpoint(WebApplication app, int port) : IAsyncDisposable
    {
        public int Port => port;

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }

    private static async Task<HealthEndpoint> HealthEndpointAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok());
        app.MapGet("/broken", () => Results.StatusCode(503));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new HealthEndpoint(app, address.Port);
    }
}
