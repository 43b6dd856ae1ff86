using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>
/// Provider selection for stored templates (<c>template_id</c>, looked up in the template catalog) over real HTTP on a
/// real silo and PostgreSQL, and the silo's provider health view: a provider turning unhealthy is passed by once the
/// view refreshes, and chosen again when it recovers.
/// </summary>
[Collection(HostFactorySelectionCollection.Name)]
public sealed class HostFactorySelectionTests(HostFactorySelectionSilo silo)
{
    private Task<(HttpResponseMessage Response, JsonElement Body)> SelectAsync(string json) => Api.PostAsync(silo.Client, "/api/v1/providers/select", json);

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static List<string> Skipped(JsonElement selection) => selection.GetProperty("skipped").EnumerateArray().Select(s => s.GetProperty("provider").GetString()!).ToList();

    [Fact]
    public async Task A_stored_template_is_load_balanced_across_its_type_with_its_api_and_machine_count()
    {
        var (response, body) = await SelectAsync("""{"template_id": "web-server", "selection_strategy": "load_balanced"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("aws", body.GetProperty("provider_type").GetString());
        string chosen = body.GetProperty("provider_instance").GetString()!;
        Assert.Contains(chosen, new[] { "aws-us-east-1", "aws-us-west-2" });
        Assert.StartsWith($"Load balanced across 2 AWS providers (weight: {(chosen == "aws-us-east-1" ? 10 : 5)}/15)", body.GetProperty("selection_reason").GetString());
        var features = Strings(body.GetProperty("validation_result").GetProperty("supported_features"));
        Assert.Contains("API: EC2Fleet", features);
        Assert.Contains(features, f => f.StartsWith("Instance count: 5 ", StringComparison.Ordinal));
        // The template asks for 2 vCPU and 4 GiB: the offer found fits it.
        var offer = body.GetProperty("cheapest_offer");
        Assert.True(offer.GetProperty("v_cpus").GetInt32() >= 2, offer.ToString());
        Assert.True(offer.GetProperty("memory_gb").GetDouble() >= 4, offer.ToString());
        Assert.Empty(body.GetProperty("validation_result").GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public async Task Each_strategy_works_on_a_stored_template_and_the_body_overrides_its_filters()
    {
        // Default: the template's type keeps it to AWS; the market decides between the two.
        var (_, cheapest) = await SelectAsync("""{"template_id": "web-server"}""");
        Assert.Equal("default", cheapest.GetProperty("strategy").GetString());
        Assert.StartsWith("Lowest expected cost among 2 eligible providers", cheapest.GetProperty("selection_reason").GetString());

        // A template naming its instance is explicit without a strategy.
        var (_, pinned) = await SelectAsync("""{"template_id": "pinned"}""");
        Assert.Equal("explicit", pinned.GetProperty("strategy").GetString());
        Assert.Equal("aws-us-west-2", pinned.GetProperty("provider_instance").GetString());
        Assert.StartsWith("Explicitly specified in request", pinned.GetProperty("selection_reason").GetString());

        // The body's provider_instance overrides the template's.
        var (_, overridden) = await SelectAsync("""{"template_id": "pinned", "provider_instance": "aws-us-east-1"}""");
        Assert.Equal("aws-us-east-1", overridden.GetProperty("provider_instance").GetString());

        // api_based with the template's API: only the providers declaring EC2Fleet.
        var (_, api) = await SelectAsync("""{"template_id": "web-server", "selection_strategy": "api_based"}""");
        Assert.StartsWith("Lowest expected cost among 2 providers supporting API 'EC2Fleet'", api.GetProperty("selection_reason").GetString());

        // A template without type or API: every enabled provider is a candidate.
        var (_, any) = await SelectAsync("""{"template_id": "any-cloud"}""");
        var considered = Strings(any.GetProperty("alternatives")).Append(any.GetProperty("provider_instance").GetString()!).Concat(Skipped(any)).ToHashSet();
        Assert.Superset(new HashSet<string> { "aws-us-east-1", "aws-us-west-2", "gcp-central" }, considered);
        Assert.DoesNotContain("azure-east-us", considered); // disabled

        // The body's provider_type overrides the template's: AWS's API is then asked of Azure and GCP, which lack it.
        var (response, refused) = await SelectAsync("""{"template_id": "web-server", "provider_type": "gcp"}""");
        Api.AssertError(response, refused, HttpStatusCode.UnprocessableEntity, "API_NOT_SUPPORTED");
    }

    [Fact]
    public async Task An_unknown_template_id_is_template_not_found_listing_the_catalog_with_a_suggestion()
    {
        var (response, body) = await SelectAsync("""{"template_id": "no-such-template", "selection_strategy": "default"}""");

        Api.AssertError(response, body, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
        var details = body.GetProperty("error").GetProperty("details");
        Assert.Equal("no-such-template", details.GetProperty("requested_template").GetString());
        Assert.Equal(["any-cloud", "gcp-batch", "pinned", "web-server"], Strings(details.GetProperty("available_templates")));
        Assert.Contains("GET /api/v1/templates", details.GetProperty("suggestion").GetString());
    }

    [Fact]
    public async Task A_stored_template_still_needs_what_its_strategy_needs()
    {
        var (response, body) = await SelectAsync("""{"template_id": "any-cloud", "selection_strategy": "load_balanced"}""");

        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "provider_type");
    }

    [Fact]
    public async Task A_provider_turning_unhealthy_is_skipped_once_the_health_view_refreshes_and_chosen_again_when_it_recovers()
    {
        const string request = """{"template_id": "gcp-batch"}""";
        await Eventually.TrueAsync(async () => (await SelectAsync(request)).Body is var b && !Skipped(b).Contains(HostFactorySelectionSilo.Flaky),
            TimeSpan.FromSeconds(30), "both GCP providers are healthy at first");

        silo.FlakyProbe.Failing = true;
        try
        {
            JsonElement skippedAnswer = default;
            await Eventually.TrueAsync(async () =>
            {
                var (response, body) = await SelectAsync(request);
                skippedAnswer = body;
                return response.StatusCode == HttpStatusCode.OK && Skipped(body).Contains(HostFactorySelectionSilo.Flaky);
            }, TimeSpan.FromSeconds(30), "selection passes the unhealthy provider by once its probe fails and the view refreshes");

            Assert.Equal("gcp-central", skippedAnswer.GetProperty("provider_instance").GetString());
            Assert.DoesNotContain(HostFactorySelectionSilo.Flaky, Strings(skippedAnswer.GetProperty("alternatives")));
            var reason = skippedAnswer.GetProperty("skipped").EnumerateArray().Single(s => s.GetProperty("provider").GetString() == HostFactorySelectionSilo.Flaky)
                .GetProperty("reason").GetString();
            Assert.Equal("unhealthy: the cloud does not answer (test)", reason);

            // Named explicitly, the unhealthy provider is refused with the reason.
            var (refusal, refused) = await SelectAsync($$"""{"template_id": "gcp-batch", "provider_instance": "{{HostFactorySelectionSilo.Flaky}}"}""");
            Api.AssertError(refusal, refused, HttpStatusCode.UnprocessableEntity, "NO_ENABLED_PROVIDERS");
        }
        finally
        {
            silo.FlakyProbe.Failing = false;
        }

        await Eventually.TrueAsync(async () =>
        {
            var (response, body) = await SelectAsync(request);
            return response.StatusCode == HttpStatusCode.OK && !Skipped(body).Contains(HostFactorySelectionSilo.Flaky)
                && Strings(body.GetProperty("alternatives")).Append(body.GetProperty("provider_instance").GetString()!).Contains(HostFactorySelectionSilo.Flaky);
        }, TimeSpan.FromSeconds(30), "the recovered provider is a candidate again");
    }
}

[CollectionDefinition(Name)]
public sealed class HostFactorySelectionCollection : ICollectionFixture<HostFactorySelectionSilo>
{
    public const string Name = "Host-factory selection silo";
}

/// <summary>Whether a provider's health probe fails (flipped by a test).</summary>
public sealed class ProbeSwitch
{
    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }
}

/// <summary>
/// A silo on the seed's providers (aws-us-east-1 weight 10, aws-us-west-2 weight 5, azure-east-us disabled) plus two GCP
/// ones, one of which (gcp-flaky) has a probe a test can make fail, with a templates folder of its own; probes every
/// 200 ms and a health view refreshed every 300 ms.
/// </summary>
public sealed class HostFactorySelectionSilo() : InProcessSiloFixture(new Dictionary<string, string?>
{
    ["Market:ProvidersFile"] = WriteProvidersFile(),
    ["Market:TemplatesDirectory"] = WriteTemplates(),
    ["Market:ProbeInterval"] = "00:00:00.200",
    ["Market:HealthViewInterval"] = "00:00:00.300",
    ["RateLimits:Classes:Providers:PermitLimit"] = "100000",
})
{
    public const string Flaky = "gcp-flaky";

    private HttpClient? _client;

    public HttpClient Client => _client ??= Host.ClientWith(Host.AdminToken);

    public ProbeSwitch FlakyProbe { get; } = new();

    private static string WriteProvidersFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {"providers": [
              {"name": "aws-us-east-1", "type": "aws", "priority": 1, "weight": 10, "capabilities": ["EC2Fleet", "SpotFleet", "RunInstances", "ASG"], "regions": ["us-east-1"], "simulation": {"seed": 1, "speed": 0.001}},
              {"name": "aws-us-west-2", "type": "aws", "priority": 2, "weight": 5, "capabilities": ["EC2Fleet", "RunInstances"], "regions": ["us-west-2"], "simulation": {"seed": 4, "speed": 0.001}},
              {"name": "azure-east-us", "type": "azure", "enabled": false, "priority": 3, "weight": 3, "simulation": {"seed": 2, "speed": 0.001}},
              {"name": "gcp-central", "type": "gcp", "priority": 4, "weight": 3, "simulation": {"seed": 3, "speed": 0.001}},
              {"name": "gcp-flaky", "type": "gcp", "priority": 5, "weight": 3, "simulation": {"seed": 6, "speed": 0.001}}
            ]}
            """);
        return path;
    }

    private static string WriteTemplates()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"templates-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "templates.json"), """
            {"templates": [
              {"template_id": "web-server", "provider_type": "aws", "provider_api": "EC2Fleet", "image_id": "ami-12345", "subnet_ids": ["subnet-123"], "max_instances": 5, "min_cpu": 2, "min_memory_gb": 4},
              {"template_id": "pinned", "provider_name": "aws-us-west-2", "image_id": "ami-12345", "max_instances": 1},
              {"template_id": "any-cloud", "image_id": "ami-12345", "max_instances": 2},
              {"template_id": "gcp-batch", "provider_type": "gcp", "image_id": "ami-12345", "max_instances": 3}
            ]}
            """);
        return directory;
    }

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<ICloudAdapterFactory>(sp => new SwitchableProbeAdapterFactory(ActivatorUtilities.CreateInstance<CloudAdapterFactory>(sp),
            sp.GetRequiredService<SimulatedCloudFactory>(), Flaky, FlakyProbe));

    public override async Task DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
    }
}

/// <summary>The product's adapters, but the named provider's probe fails while its switch is on (no circuit breaker: only its grain's health changes).</summary>
public sealed class SwitchableProbeAdapterFactory(CloudAdapterFactory product, SimulatedCloudFactory simulated, string name, ProbeSwitch probe) : ICloudAdapterFactory
{
    public ICloudAdapter Create(ProviderConfig provider) => provider.Name != name ? product.Create(provider) : new SwitchableProbe(simulated.Create(provider), probe);

    private sealed class SwitchableProbe(ICloudAdapter inner, ProbeSwitch probe) : ICloudAdapter, ICloudAdapterDecorator
    {
        public ICloudAdapter Inner => inner;
        public CloudKind Cloud => inner.Cloud;
        public IReadOnlyList<LaunchApi> LaunchApis => inner.LaunchApis;
        public Task ProbeAsync(CancellationToken cancellationToken) =>
            probe.Failing ? throw new CloudException(CloudErrorCode.Unavailable, "the cloud does not answer (test)") : inner.ProbeAsync(cancellationToken);
        public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) => inner.ListRegionsAsync(cancellationToken);
        public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) => inner.DescribeInstanceTypesAsync(region, cancellationToken);
        public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) => inner.GetSpotPricesAsync(region, cancellationToken);

        public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) => inner.GetSpotPriceHistoryAsync(query, cancellationToken);
        public Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken) => inner.LaunchAsync(request, cancellationToken);
        public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) => inner.DescribeInstanceAsync(instanceId, cancellationToken);
        public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => inner.ListTaggedInstancesAsync(tags, cancellationToken);
        public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => inner.TerminateAsync(instanceId, cancellationToken);
        public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken) => inner.CheckHealthAsync(instanceId, port, path, cancellationToken);
        public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken) => inner.WatchInterruptionsAsync(cancellationToken);
    }
}
