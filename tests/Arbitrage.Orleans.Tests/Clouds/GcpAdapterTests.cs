using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Clouds;

using Market = Arbitrage.Orleans.Clouds.Market;

/// <summary>The GCP adapter against its fake: request shapes, prices, each error, throttling, authentication, settings, read-only mode.</summary>
public sealed class GcpAdapterTests : IAsyncLifetime
{
    private FakeGcp _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeGcp.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private ICloudAdapter Adapter(Func<GcpConfig, GcpConfig>? gcp = null, string? keyFile = null) =>
        new GcpCloudAdapterFactory().Create(GcpTestSettings.For(_fake, keyFile: keyFile, gcp: gcp));

    private static LaunchRequest Spot(string type = "n2-standard-2", IReadOnlyDictionary<string, string>? tags = null, string? token = null) =>
        new("us-central1", "us-central1-b", type, Market.Spot, null, "", token ?? "token-" + Guid.NewGuid().ToString("N")[..8], tags);

    [Fact]
    public async Task A_launch_inserts_a_spot_VM_deleted_on_preemption_labelled_with_the_tags()
    {
        var tags = new Dictionary<string, string> { ["arbitrage:workload"] = "wk-1a2b", ["arbitrage:cluster"] = "prod", ["arbitrage:intent"] = "wk-1a2b-0-ff00aa11" };
        var instance = await Adapter().LaunchAsync(Spot(tags: tags), CancellationToken.None);

        var body = _fake.LastInsertBody!;
        Assert.Equal("SPOT", (string?)body["scheduling"]!["provisioningModel"]);
        Assert.Equal("DELETE", (string?)body["scheduling"]!["instanceTerminationAction"]);
        Assert.Equal("wk-1a2b", (string?)body["labels"]!["arbitrage-workload"]);
        Assert.Equal("zones/us-central1-b/machineTypes/n2-standard-2", (string?)body["machineType"]);
        Assert.Equal("projects/debian-cloud/global/images/family/debian-12", (string?)body["disks"]![0]!["initializeParams"]!["sourceImage"]);
        Assert.Equal(InstanceState.Pending, instance.State);
        Assert.Equal("us-central1-b", instance.Zone);
        Assert.Equal(FakeGcp.SpotPriceInUsCentral1("n2-standard-2"), instance.PricePerHour);
        Assert.Equal(tags, instance.Tags);
    }

    [Fact]
    public async Task A_launch_retried_with_the_same_client_token_meets_the_same_VM()
    {
        var adapter = Adapter();
        var first = await adapter.LaunchAsync(Spot(token: "intent-7-0"), CancellationToken.None);
        var again = await adapter.LaunchAsync(Spot(token: "intent-7-0"), CancellationToken.None);

        Assert.Equal(first.InstanceId, again.InstanceId);
        Assert.Single(_fake.InstanceNames);
    }

    [Fact]
    public async Task Prices_are_computed_from_the_billing_catalogs_core_and_ram_skus_read_across_pages()
    {
        var adapter = Adapter();
        var prices = await adapter.GetSpotPricesAsync("us-central1", CancellationToken.None);
        foreach (var type in new[] { "n2-standard-2", "n2-standard-8", "e2-standard-4", "n1-standard-4" })
        {
            Assert.Equal(3, prices.Count(p => p.InstanceType == type && p.PricePerHour == FakeGcp.SpotPriceInUsCentral1(type)));
        }

        Assert.DoesNotContain(prices, p => p.InstanceType is "a2-highgpu-1g" or "e2-micro");
        var offers = await adapter.DescribeInstanceTypesAsync("us-central1", CancellationToken.None);
        var n2 = Assert.Single(offers, o => o.InstanceType == "n2-standard-8" && o.Zone == "us-central1-c");
        Assert.Equal((8, 32.0, Math.Round(8 * 0.031611m + 32 * 0.004237m, 6), true), (n2.VCpus, n2.MemoryGiB, n2.OnDemandPricePerHour, n2.SpotAvailable));
    }

    [Fact]
    public async Task A_quota_refusal_is_InsufficientCapacity_and_names_the_quota()
    {
        _fake.RefuseNextInsert("QUOTA_EXCEEDED");
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(), CancellationToken.None));
        Assert.Equal(CloudErrorCode.InsufficientCapacity, refused.Code);
        Assert.Contains("PREEMPTIBLE_CPUS", refused.Message);
    }

    [Fact]
    public async Task A_request_the_cloud_finds_invalid_is_InvalidRequest()
    {
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().LaunchAsync(Spot(type: "n9-imaginary-2"), CancellationToken.None));
        Assert.Equal(CloudErrorCode.InvalidRequest, refused.Code);
        Assert.Contains("machineType", refused.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Throttled_calls_are_retried_with_backoff_and_then_succeed(bool asForbidden)
    {
        var adapter = Adapter();
        _fake.ThrottleNext(2, asForbidden);
        var regions = await adapter.ListRegionsAsync(CancellationToken.None);

        Assert.Equal(["us-central1-a", "us-central1-b", "us-central1-c"], Assert.Single(regions).Zones);
        Assert.Equal(2, _fake.ThrottledCalls);
    }

    [Fact]
    public async Task Throttling_that_outlasts_the_retries_is_Throttled()
    {
        _fake.ThrottleNext(10);
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter(g => g with { RetryAttempts = 3 }).ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Throttled, refused.Code);
        Assert.Equal(3, _fake.ThrottledCalls);
    }

    [Fact]
    public async Task Server_errors_are_retried_then_reported_Unavailable()
    {
        _fake.FailNext(10, 503, "backendError");
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter(g => g with { RetryAttempts = 2 }).ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, refused.Code);
    }

    [Fact]
    public async Task A_garbage_answer_is_Unavailable()
    {
        _fake.FailNext(1, 200, "garbage");
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter().ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unavailable, refused.Code);
    }

    [Fact]
    public async Task A_key_the_token_endpoint_does_not_trust_is_Unauthorized_naming_the_provider()
    {
        var foreign = await _fake.WriteForeignKeyFileAsync();
        var refused = await Assert.ThrowsAsync<CloudException>(() => Adapter(keyFile: foreign).ListRegionsAsync(CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unauthorized, refused.Code);
        Assert.Contains("provider 'gcp-test'", refused.Message);
        Assert.Contains("Invalid JWT Signature", refused.Message);
        Assert.Equal(0, _fake.TokensIssued);
    }

    [Fact]
    public async Task The_token_endpoint_override_replaces_the_key_files_token_uri()
    {
        var key = await _fake.WriteKeyFileAsync("http://127.0.0.1:1/unreachable-token");
        var settings = GcpTestSettings.For(_fake, keyFile: key, endpoints: new Dictionary<string, string>
        {
            ["compute"] = _fake.BaseUrl, ["billing"] = _fake.BaseUrl, ["token"] = _fake.TokenUrl,
        });

        Assert.NotEmpty(await new GcpCloudAdapterFactory().Create(settings).ListRegionsAsync(CancellationToken.None));
        Assert.Equal(1, _fake.TokensIssued);
    }

    [Fact]
    public async Task A_token_the_cloud_no_longer_accepts_is_Unauthorized()
    {
        var adapter = Adapter();
        await adapter.ListRegionsAsync(CancellationToken.None);
        _fake.RevokeTokens();
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.DescribeInstanceTypesAsync("us-central1", CancellationToken.None));
        Assert.Equal(CloudErrorCode.Unauthorized, refused.Code);
        Assert.Contains("credentials", refused.Message);
    }

    [Fact]
    public async Task Health_is_unknown_until_the_VM_runs_then_an_HTTP_GET_on_its_address()
    {
        var adapter = Adapter();
        var instance = await adapter.LaunchAsync(Spot(), CancellationToken.None);
        int port = new Uri(_fake.BaseUrl).Port; // the fake's VMs have the loopback address; its port serves /healthz as their workload
        Assert.Equal(InstanceHealth.Unknown, await adapter.CheckHealthAsync(instance.InstanceId, port, "/healthz", CancellationToken.None));

        _fake.Boot(instance.InstanceId);
        Assert.Equal(InstanceHealth.Healthy, await adapter.CheckHealthAsync(instance.InstanceId, port, "/healthz", CancellationToken.None));
        Assert.Equal(InstanceHealth.Unhealthy, await adapter.CheckHealthAsync(instance.InstanceId, port, "/no-such-check", CancellationToken.None));
    }

    [Fact]
    public async Task A_terminated_VM_is_not_listed_and_describes_as_gone()
    {
        var adapter = Adapter();
        var tags = new Dictionary<string, string> { ["arbitrage:cluster"] = "c-gone" };
        var instance = await adapter.LaunchAsync(Spot(tags: tags), CancellationToken.None);
        Assert.Single(await adapter.ListTaggedInstancesAsync(tags, CancellationToken.None));

        await adapter.TerminateAsync(instance.InstanceId, CancellationToken.None);
        Assert.Empty(await adapter.ListTaggedInstancesAsync(tags, CancellationToken.None));
        Assert.Null(await adapter.DescribeInstanceAsync(instance.InstanceId, CancellationToken.None));
    }

    [Fact]
    public async Task A_read_only_provider_reads_prices_and_never_calls_insert()
    {
        var config = new ProviderConfig
        {
            Name = "gcp-watch", Type = "gcp", Adapter = "real", Mode = ProviderModes.ReadOnly, Regions = ["us-central1"],
            Credentials = new CredentialsConfig { Source = "file", File = _fake.KeyFile },
            Endpoints = new Dictionary<string, string> { ["compute"] = _fake.BaseUrl, ["billing"] = _fake.BaseUrl },
            Gcp = new GcpConfig { Project = FakeGcp.Project },
        };
        var factory = new CloudAdapterFactory(
            new SimulatedCloudFactory(Microsoft.Extensions.Options.Options.Create(new MarketOptions { DataDirectory = SharedData.Directory }), TimeProvider.System),
            [new GcpCloudAdapterFactory()], new Arbitrage.Orleans.Clouds.CloudCallMeter(), TimeProvider.System);
        var adapter = factory.Create(config);

        Assert.NotEmpty(await adapter.GetSpotPricesAsync("us-central1", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.LaunchAsync(Spot(), CancellationToken.None));
        Assert.Contains("read-only", refused.Message);
        Assert.Equal(0, _fake.InsertCalls);
    }

    [Theory]
    [InlineData("project", "provider 'gcp-test': gcp.project is required")]
    [InlineData("project-format", "provider 'gcp-test': gcp.project 'My Project' is not a GCP project id")]
    [InlineData("region", "provider 'gcp-test': regions: 'us-nowhere1' is not a GCP region")]
    [InlineData("endpoint", "provider 'gcp-test': endpoints.compute 'compute.local' must be an absolute http(s) URL")]
    [InlineData("service", "provider 'gcp-test': endpoints.storage is not a GCP service")]
    [InlineData("file", "provider 'gcp-test': credentials.file '/nonexistent/key.json' does not exist")]
    [InlineData("source", "provider 'gcp-test': credentials.source 'profile' is not available for GCP")]
    [InlineData("retries", "provider 'gcp-test': gcp.retryAttempts must be between 1 and 10")]
    public void Bad_settings_are_refused_naming_the_provider_and_field(string problem, string expected)
    {
        var settings = GcpTestSettings.For(_fake);
        settings = problem switch
        {
            "project" => settings with { Gcp = settings.Gcp with { Project = null } },
            "project-format" => settings with { Gcp = settings.Gcp with { Project = "My Project" } },
            "region" => settings with { Regions = ["us-central1", "us-nowhere1"] },
            "endpoint" => settings with { Endpoints = new Dictionary<string, string> { ["compute"] = "compute.local" } },
            "service" => settings with { Endpoints = new Dictionary<string, string> { ["storage"] = _fake.BaseUrl } },
            "file" => settings with { Credentials = new CredentialsConfig { Source = "file", File = "/nonexistent/key.json" } },
            "source" => settings with { Credentials = new CredentialsConfig { Source = "profile" } },
            _ => settings with { Gcp = settings.Gcp with { RetryAttempts = 0 } },
        };

        var problems = new GcpCloudAdapterFactory().Validate(settings).ToList();
        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
        Assert.Empty(new GcpCloudAdapterFactory().Validate(GcpTestSettings.For(_fake)));
    }
}
