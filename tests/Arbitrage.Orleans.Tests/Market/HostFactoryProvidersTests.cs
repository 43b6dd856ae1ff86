using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>
/// The host-factory provider face over real HTTP on a real silo and PostgreSQL: the seed's examples sent verbatim,
/// validation of definitions, selection by each strategy weighing the live market, a provider with an open circuit
/// passed by, paging of the list, and every error code with its details.
/// </summary>
public sealed class HostFactoryProvidersTests(HostFactoryProvidersTests.Silo silo) : IClassFixture<HostFactoryProvidersTests.Silo>
{
    private HttpClient Http => silo.Client;

    private Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, string json) => Api.PostAsync(Http, path, json);

    private Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path) => Api.GetAsync(Http, path);

    /// <summary>The product's error shape plus the seed's fields: timestamp and request_id beside requestId.</summary>
    private static JsonElement AssertSeedError(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string code, string? field = null)
    {
        Api.AssertError(response, body, status, code, field);
        var error = body.GetProperty("error");
        Assert.Equal(error.GetProperty("requestId").GetString(), error.GetProperty("request_id").GetString());
        Assert.True(DateTimeOffset.TryParse(error.GetProperty("timestamp").GetString(), out _), "timestamp is an ISO 8601 time");
        return error.GetProperty("details");
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    // ---- The seed's examples, verbatim ----

    [Fact]
    public async Task The_seed_validate_example_is_answered_exactly_as_the_seed_shows()
    {
        const string request = """
            {
              "providers": [
                {
                  "name": "aws-test",
                  "type": "aws",
                  "enabled": true,
                  "priority": 1,
                  "weight": 10,
                  "capabilities": ["EC2Fleet"]
                }
              ]
            }
            """;
        const string expected = """
            {
              "valid": true,
              "providers": [
                {
                  "name": "aws-test",
                  "valid": true,
                  "errors": [],
                  "warnings": []
                }
              ]
            }
            """;

        var (response, body) = await PostAsync("/api/v1/providers/validate", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, body), body.ToString());
    }

    [Fact]
    public async Task The_seed_select_example_is_load_balanced_across_the_aws_providers_in_the_seed_shape()
    {
        const string request = """
            {
              "template": {
                "template_id": "test-template",
                "provider_type": "aws",
                "provider_api": "EC2Fleet",
                "image_id": "ami-12345",
                "subnet_ids": ["subnet-123"],
                "max_instances": 5
              },
              "selection_strategy": "load_balanced"
            }
            """;

        var (response, body) = await PostAsync("/api/v1/providers/select", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("aws", body.GetProperty("provider_type").GetString());
        var chosen = body.GetProperty("provider_instance").GetString()!;
        Assert.Contains(chosen, new[] { "sim-aws", "sim-aws-west" });
        int weight = chosen == "sim-aws" ? 10 : 5;
        Assert.StartsWith($"Load balanced across 2 AWS providers (weight: {weight}/15)", body.GetProperty("selection_reason").GetString());
        Assert.Equal(0.9, body.GetProperty("confidence").GetDouble());
        Assert.Equal([chosen == "sim-aws" ? "sim-aws-west" : "sim-aws"], Strings(body.GetProperty("alternatives")));
        Assert.True(body.GetProperty("selection_time_ms").GetDouble() >= 0);
        var validation = body.GetProperty("validation_result");
        Assert.True(validation.GetProperty("valid").GetBoolean());
        var features = Strings(validation.GetProperty("supported_features"));
        Assert.Contains("API: EC2Fleet", features);
        Assert.Contains(features, f => f.StartsWith("Instance count: 5", StringComparison.Ordinal));

        // The same template lands on the same provider every time.
        var (_, again) = await PostAsync("/api/v1/providers/select", request);
        Assert.Equal(chosen, again.GetProperty("provider_instance").GetString());
    }

    [Fact]
    public async Task The_seed_list_details_and_capabilities_examples_keep_their_shape()
    {
        var (list, body) = await GetAsync("/api/v1/providers");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(Silo.Names, body.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
        Assert.All(body.GetProperty("providers").EnumerateArray(), p =>
            Assert.Equal(["name", "type", "enabled", "priority", "weight", "capabilities", "status"], p.EnumerateObject().Select(f => f.Name)));
        Assert.Equal(Silo.Names.Length, body.GetProperty("total").GetInt32());
        Assert.Equal(Silo.Names.Length - 1, body.GetProperty("enabled").GetInt32());
        Assert.Equal(["EC2Fleet", "SpotFleet", "RunInstances", "ASG"], Strings(body.GetProperty("providers")[0].GetProperty("capabilities")).Skip(1));

        var (_, details) = await GetAsync("/api/v1/providers/sim-aws");
        foreach (var field in new[] { "name", "type", "enabled", "priority", "weight", "capabilities", "status", "configuration", "limits", "statistics" }) Assert.True(details.TryGetProperty(field, out _), field);
        Assert.Equal(100, details.GetProperty("limits").GetProperty("max_instances_per_request").GetInt32());
        Assert.True(details.GetProperty("statistics").TryGetProperty("average_response_time_ms", out _));

        var (_, capabilities) = await GetAsync("/api/v1/providers/sim-aws/capabilities");
        Assert.Equal("sim-aws", capabilities.GetProperty("provider_instance").GetString());
        var fleet = capabilities.GetProperty("supported_apis").EnumerateArray().Single(a => a.GetProperty("name").GetString() == "EC2Fleet");
        Assert.True(fleet.GetProperty("supports_spot").GetBoolean());
        Assert.Equal(JsonValueKind.Array, fleet.GetProperty("supported_fleet_types").ValueKind);
    }

    [Fact]
    public async Task The_seed_error_example_is_answered_with_its_details_timestamp_and_request_id()
    {
        var (response, body) = await PostAsync("/api/v1/providers/select",
            """{"template": {"template_id": "web-server"}, "selection_strategy": "explicit", "provider_instance": "aws-invalid"}""");

        var details = AssertSeedError(response, body, HttpStatusCode.NotFound, "PROVIDER_NOT_FOUND");
        Assert.Equal("aws-invalid", details.GetProperty("requested_provider").GetString());
        Assert.Equal(Silo.Names, Strings(details.GetProperty("available_providers")));
        Assert.Equal("Use 'GET /api/v1/providers' to see available providers", details.GetProperty("suggestion").GetString());

        var (missing, missingBody) = await GetAsync("/api/v1/providers/aws-invalid");
        AssertSeedError(missing, missingBody, HttpStatusCode.NotFound, "PROVIDER_NOT_FOUND");
    }

    // ---- Validation ----

    [Fact]
    public async Task Validation_reports_errors_and_warnings_per_provider_by_the_providers_file_rules()
    {
        var (response, body) = await PostAsync("/api/v1/providers/validate", """
            {"providers": [
              {"name": "Bad Name", "type": "oracle", "weight": -1},
              {"name": "twice", "type": "gcp"},
              {"name": "twice", "type": "gcp", "limits": {"max_instances_per_request": 0}},
              {"name": "quiet", "type": "azure", "enabled": false},
              {"name": "sim-aws", "type": "aws"},
              {"name": "colourful", "type": "aws", "colour": "blue"},
              {"name": "real-aws", "type": "aws", "adapter": "real"}
            ]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("valid").GetBoolean());
        var results = body.GetProperty("providers").EnumerateArray().ToList();
        Assert.Equal(7, results.Count);
        var bad = Strings(results[0].GetProperty("errors"));
        Assert.Contains(bad, e => e.Contains("name must be lower-case"));
        Assert.Contains(bad, e => e.Contains("type 'oracle' must be aws, azure or gcp"));
        Assert.Contains(bad, e => e.Contains("weight must be 0 or more"));
        Assert.True(results[1].GetProperty("valid").GetBoolean());
        var twice = Strings(results[2].GetProperty("errors"));
        Assert.Contains("name is used twice", twice);
        Assert.Contains("limits.maxInstancesPerRequest must be at least 1", twice);
        Assert.True(results[3].GetProperty("valid").GetBoolean());
        Assert.Contains(Strings(results[3].GetProperty("warnings")), w => w.Contains("enabled is false"));
        Assert.Contains(Strings(results[4].GetProperty("warnings")), w => w.Contains("already configured"));
        Assert.False(results[5].GetProperty("valid").GetBoolean());
        Assert.Contains(Strings(results[5].GetProperty("errors")), e => e.Contains("colour"));
        Assert.False(results[6].GetProperty("valid").GetBoolean());
        // A real provider's settings are checked by its cloud's adapter factory, as at start.
        Assert.Contains(Strings(results[6].GetProperty("errors")), e => e.Contains("regions"));
    }

    [Theory]
    [InlineData("""{"providers": "all"}""")]
    [InlineData("""{"providers": []}""")]
    [InlineData("""{"provider": [{"name": "x", "type": "aws"}]}""")]
    public async Task A_validation_body_without_a_providers_list_is_invalid_configuration(string json)
    {
        var (response, body) = await PostAsync("/api/v1/providers/validate", json);

        var details = AssertSeedError(response, body, HttpStatusCode.BadRequest, "INVALID_CONFIGURATION", "providers");
        Assert.False(string.IsNullOrWhiteSpace(details.GetProperty("suggestion").GetString()));
    }

    // ---- Strategies and the market ----

    [Fact]
    public async Task Explicit_selection_answers_the_named_instance_with_its_cheapest_offer()
    {
        var (response, body) = await PostAsync("/api/v1/providers/select",
            """{"template": {"template_id": "t", "min_cpu": 2, "min_memory_gb": 4}, "selection_strategy": "explicit", "provider_instance": "sim-azure"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("sim-azure", "azure"), (body.GetProperty("provider_instance").GetString(), body.GetProperty("provider_type").GetString()));
        Assert.StartsWith("Explicitly specified in request; its cheapest fitting offer is ", body.GetProperty("selection_reason").GetString());
        Assert.Equal(1.0, body.GetProperty("confidence").GetDouble());
        Assert.Empty(body.GetProperty("alternatives").EnumerateArray());
        Assert.Equal("sim-azure", body.GetProperty("cheapest_offer").GetProperty("provider").GetString());
    }

    [Fact]
    public async Task Load_balancing_spreads_templates_by_weight()
    {
        var picks = new Dictionary<string, int>();
        for (int i = 0; i < 60; i++)
        {
            var (response, body) = await PostAsync("/api/v1/providers/select",
                $$"""{"template": {"template_id": "lb-{{i}}", "provider_type": "aws"}, "selection_strategy": "load_balanced"}""");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var chosen = body.GetProperty("provider_instance").GetString()!;
            picks[chosen] = picks.GetValueOrDefault(chosen) + 1;
        }

        // Weights 10 and 5: both are used, the heavier one more (a stable hash, so this split is the same on every run).
        Assert.Equal(["sim-aws", "sim-aws-west"], picks.Keys.Order());
        Assert.True(picks["sim-aws"] > picks["sim-aws-west"], $"sim-aws {picks["sim-aws"]}, sim-aws-west {picks["sim-aws-west"]}");
    }

    [Fact]
    public async Task Api_based_selection_keeps_to_the_providers_supporting_the_api_and_refuses_an_unknown_one()
    {
        var (response, body) = await PostAsync("/api/v1/providers/select",
            """{"template": {"template_id": "t", "provider_api": "SpotFleet"}, "selection_strategy": "api_based"}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("sim-aws", body.GetProperty("provider_instance").GetString());
        Assert.Contains("supporting API 'SpotFleet'", body.GetProperty("selection_reason").GetString());
        Assert.Contains("API: SpotFleet", Strings(body.GetProperty("validation_result").GetProperty("supported_features")));

        var (refused, error) = await PostAsync("/api/v1/providers/select",
            """{"template": {"template_id": "t", "provider_api": "Teleport"}, "selection_strategy": "api_based"}""");
        var details = AssertSeedError(refused, error, HttpStatusCode.UnprocessableEntity, "API_NOT_SUPPORTED");
        Assert.Equal("Teleport", details.GetProperty("required_api").GetString());
        Assert.Contains("SpotFleet", Strings(details.GetProperty("available_apis")));
    }

    [Fact]
    public async Task The_market_decides_the_cheaper_provider_and_the_reason_gives_the_numbers()
    {
        // Prices hardly move in this silo (simulation speed 0.001), so the estimates and the selection see the same book.
        const string requirements = """{"minCPU": 4, "minMemoryGB": 16, "providers": ["%P"]}""";
        decimal east = await CheapestAsync(requirements.Replace("%P", "sim-aws"));
        decimal west = await CheapestAsync(requirements.Replace("%P", "sim-aws-west"));

        var (response, body) = await PostAsync("/api/v1/providers/select",
            """{"template": {"template_id": "big", "provider_type": "aws", "min_cpu": 4, "min_memory_gb": 16}}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("default", body.GetProperty("strategy").GetString());
        string expected = west < east ? "sim-aws-west" : "sim-aws"; // a tie goes to priority: sim-aws has 1
        Assert.Equal(expected, body.GetProperty("provider_instance").GetString());
        Assert.Equal(Math.Min(east, west), body.GetProperty("cheapest_offer").GetProperty("expected_cost_per_hour").GetDecimal());
        string reason = body.GetProperty("selection_reason").GetString()!;
        Assert.StartsWith("Lowest expected cost among 2 eligible providers", reason);
        Assert.Contains($"${Math.Min(east, west):0.####}/h", reason);
        if (east != west) Assert.Contains($"${Math.Max(east, west):0.####}/h on {(expected == "sim-aws" ? "sim-aws-west" : "sim-aws")}", reason);
        Assert.Equal([expected == "sim-aws" ? "sim-aws-west" : "sim-aws"], Strings(body.GetProperty("alternatives")));
    }

    private async Task<decimal> CheapestAsync(string requirements)
    {
        var (response, body) = await PostAsync("/v1/pricing/estimate", requirements);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("recommended").GetProperty("expectedCostPerHour").GetDecimal();
    }

    [Fact]
    public async Task A_provider_whose_circuit_is_open_is_passed_by_and_the_answer_says_so()
    {
        // Its probes fail every 200 ms; after two, its circuit opens for ten minutes.
        JsonElement body = default;
        await Eventually.TrueAsync(async () =>
        {
            var (response, answer) = await PostAsync("/api/v1/providers/select", """{"template": {"template_id": "t", "provider_type": "gcp"}}""");
            body = answer;
            return response.StatusCode == HttpStatusCode.OK
                && answer.GetProperty("skipped").EnumerateArray().Any(s => s.GetProperty("reason").GetString()!.StartsWith("circuit open", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(60), "the broken provider's circuit opens");

        Assert.Equal("sim-gcp", body.GetProperty("provider_instance").GetString());
        Assert.Equal("sim-gcp-broken", body.GetProperty("skipped")[0].GetProperty("provider").GetString());

        var (refused, error) = await PostAsync("/api/v1/providers/select", """{"template": {"template_id": "t"}, "provider_instance": "sim-gcp-broken"}""");
        var details = AssertSeedError(refused, error, HttpStatusCode.UnprocessableEntity, "NO_ENABLED_PROVIDERS");
        Assert.StartsWith("circuit open", details.GetProperty("skipped_providers")[0].GetProperty("reason").GetString());
    }

    // ---- Errors ----

    [Theory]
    [InlineData("""{"template": {"template_id": "t"}, "provider_instance": "sim-aws-off"}""", 422, "PROVIDER_DISABLED", "available_providers")]
    [InlineData("""{"template": {"template_id": "t", "provider_type": "aws"}, "provider_instance": "sim-azure"}""", 422, "PROVIDER_TYPE_MISMATCH", "requested_type")]
    [InlineData("""{"template": {"template_id": "t", "provider_type": "oracle"}, "selection_strategy": "load_balanced"}""", 422, "PROVIDER_TYPE_MISMATCH", "available_types")]
    [InlineData("""{"template_id": "web-server", "selection_strategy": "default"}""", 404, "TEMPLATE_NOT_FOUND", "available_templates")]
    [InlineData("""{"template": {"template_id": "t", "min_cpu": 100000, "min_memory_gb": 4}}""", 422, "TEMPLATE_INVALID", "skipped_providers")]
    [InlineData("""{"template": {"template_id": "t", "max_instances": 5000}}""", 422, "INSTANCE_LIMIT_EXCEEDED", "provider_limits")]
    public async Task Each_selection_refusal_has_its_code_and_details(string json, int status, string code, string detail)
    {
        var (response, body) = await PostAsync("/api/v1/providers/select", json);

        var details = AssertSeedError(response, body, (HttpStatusCode)status, code);
        Assert.True(details.TryGetProperty(detail, out _), details.ToString());
        Assert.False(string.IsNullOrWhiteSpace(details.GetProperty("suggestion").GetString()));
        if (code == "PROVIDER_DISABLED") Assert.DoesNotContain("sim-aws-off", Strings(details.GetProperty("available_providers")));
    }

    [Theory]
    [InlineData("""{}""", "template")]
    [InlineData("""{"template": {"template_id": "t"}, "selection_strategy": "cheapest"}""", "selection_strategy")]
    [InlineData("""{"template": {"template_id": "t"}, "selection_strategy": "explicit"}""", "provider_instance")]
    [InlineData("""{"template": {"template_id": "t"}, "selection_strategy": "load_balanced"}""", "provider_type")]
    [InlineData("""{"template": {"template_id": "t"}, "selection_strategy": "api_based"}""", "provider_api")]
    [InlineData("""{"template": {"template_id": "t", "max_instances": 0}}""", "template.max_instances")]
    [InlineData("""{"template": {"template_id": "t", "min_cpu": 0}}""", "template.min_cpu")]
    [InlineData("""{"template": {"template_id": "t", "gpu_type": "nvidia-voodoo"}}""", "template.gpu_type")]
    [InlineData("""{"template": {"template_id": "t", "subnet_ids": "subnet-1"}}""", "template.subnet_ids")]
    public async Task Bad_selection_input_is_a_validation_error_naming_the_field(string json, string field)
    {
        var (response, body) = await PostAsync("/api/v1/providers/select", json);

        AssertSeedError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    // ---- Pagination ----

    [Fact]
    public async Task The_provider_list_pages_and_sorts()
    {
        var (_, first) = await GetAsync("/api/v1/providers?page_size=2&sort=priority:desc");
        var (_, last) = await GetAsync("/api/v1/providers?page=3&page_size=2&sort=priority:desc");
        var (_, beyond) = await GetAsync("/api/v1/providers?page=9&page_size=2");

        Assert.Equal(2, first.GetProperty("providers").GetArrayLength());
        Assert.Equal(Silo.Names.Length, first.GetProperty("total").GetInt32());
        AssertPagination(first, page: 1, size: 2, total: 6, pages: 3, next: true, previous: false);
        AssertPagination(last, page: 3, size: 2, total: 6, pages: 3, next: false, previous: true);
        var priorities = first.GetProperty("providers").EnumerateArray().Concat(last.GetProperty("providers").EnumerateArray()).Select(p => p.GetProperty("priority").GetInt32()).ToList();
        Assert.Equal(priorities.OrderDescending(), priorities);
        Assert.Empty(beyond.GetProperty("providers").EnumerateArray());
        AssertPagination(beyond, page: 9, size: 2, total: 6, pages: 3, next: false, previous: true);

        var (_, byName) = await GetAsync("/api/v1/providers?sort=name:desc");
        Assert.Equal(Silo.Names.OrderDescending(StringComparer.Ordinal), byName.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
        AssertPagination(byName, page: 1, size: 50, total: 6, pages: 1, next: false, previous: false);

        var (_, enabledAws) = await GetAsync("/api/v1/providers?type=aws&enabled=true");
        Assert.Equal(["sim-aws", "sim-aws-west"], enabledAws.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
        Assert.Equal((2, 2), (enabledAws.GetProperty("total").GetInt32(), enabledAws.GetProperty("enabled").GetInt32()));
    }

    private static void AssertPagination(JsonElement body, int page, int size, int total, int pages, bool next, bool previous)
    {
        var p = body.GetProperty("pagination");
        Assert.Equal((page, size, total, pages, next, previous),
            (p.GetProperty("page").GetInt32(), p.GetProperty("page_size").GetInt32(), p.GetProperty("total_items").GetInt32(), p.GetProperty("total_pages").GetInt32(),
                p.GetProperty("has_next").GetBoolean(), p.GetProperty("has_previous").GetBoolean()));
    }

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=first", "page")]
    [InlineData("page_size=0", "page_size")]
    [InlineData("page_size=201", "page_size")]
    [InlineData("sort=colour:asc", "sort")]
    [InlineData("sort=name:sideways", "sort")]
    [InlineData("enabled=maybe", "enabled")]
    public async Task Bad_paging_is_a_validation_error_naming_the_parameter(string query, string field)
    {
        var (response, body) = await GetAsync("/api/v1/providers?" + query);

        AssertSeedError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task Provider_routes_carry_the_rate_limit_headers_of_their_class()
    {
        var (validate, _) = await PostAsync("/api/v1/providers/validate", """{"providers": [{"name": "x", "type": "aws"}]}""");
        Assert.Equal("500", validate.Headers.GetValues("X-RateLimit-Limit").Single()); // validation: 500 a minute, under the token's 600
        Assert.Equal("60", validate.Headers.GetValues("X-RateLimit-Window").Single());
    }

    /// <summary>
    /// A silo on six simulated providers whose prices hardly move: two enabled AWS ones (weights 10 and 5), a disabled
    /// one, Azure, GCP, and a GCP one whose probes fail (its circuit opens). The providers class budget is raised so the
    /// tests do not meet it.
    /// </summary>
    public sealed class Silo() : InProcessSiloFixture(new Dictionary<string, string?>
    {
        ["Market:ProvidersFile"] = WriteProvidersFile(),
        ["Market:ProbeInterval"] = "00:00:00.200",
        ["RateLimits:Classes:Providers:PermitLimit"] = "100000",
    })
    {
        public const string Broken = "sim-gcp-broken";

        public static readonly string[] Names = ["sim-aws", "sim-aws-west", "sim-aws-off", "sim-azure", "sim-gcp", Broken];

        private HttpClient? _client;

        /// <summary>The operator's client; every answer of the host-factory API is checked against the OpenAPI document.</summary>
        public HttpClient Client => _client ?? throw new InvalidOperationException("The silo has not started.");

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _client = CheckedClient(Host.AdminToken);
        }

        private static string WriteProvidersFile()
        {
            string path = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
            File.WriteAllText(path, """
                {"providers": [
                  {"name": "sim-aws", "type": "aws", "priority": 1, "weight": 10, "capabilities": ["EC2Fleet", "SpotFleet", "RunInstances", "ASG"], "regions": ["us-east-1"], "simulation": {"seed": 1, "speed": 0.001}},
                  {"name": "sim-aws-west", "type": "aws", "priority": 2, "weight": 5, "capabilities": ["EC2Fleet", "RunInstances"], "regions": ["us-west-2"], "simulation": {"seed": 4, "speed": 0.001}},
                  {"name": "sim-aws-off", "type": "aws", "enabled": false, "priority": 3, "weight": 1, "simulation": {"seed": 5, "speed": 0.001}},
                  {"name": "sim-azure", "type": "azure", "priority": 2, "weight": 5, "simulation": {"seed": 2, "speed": 0.001}},
                  {"name": "sim-gcp", "type": "gcp", "priority": 3, "weight": 3, "simulation": {"seed": 3, "speed": 0.001}},
                  {"name": "sim-gcp-broken", "type": "gcp", "priority": 0, "weight": 50, "simulation": {"seed": 6, "speed": 0.001}}
                ]}
                """);
            return path;
        }

        protected override void ConfigureServices(IServiceCollection services) =>
            services.AddSingleton<ICloudAdapterFactory>(sp => new FailingProbeAdapterFactory(ActivatorUtilities.CreateInstance<CloudAdapterFactory>(sp),
                sp.GetRequiredService<SimulatedCloudFactory>(), sp.GetRequiredService<CloudCallMeter>(), sp.GetRequiredService<TimeProvider>(), Broken));

        public override async Task DisposeAsync()
        {
            _client?.Dispose();
            await base.DisposeAsync();
        }
    }
}

/// <summary>The product's adapters, but the named provider's probe always fails, through a circuit that opens after two failures.</summary>
public sealed class FailingProbeAdapterFactory(CloudAdapterFactory product, SimulatedCloudFactory simulated, CloudCallMeter meter, TimeProvider time, string failing) : ICloudAdapterFactory
{
    public ICloudAdapter Create(ProviderConfig provider) => provider.Name != failing
        ? product.Create(provider)
        : new ResilientCloudAdapter(provider.Name, new FailingProbe(simulated.Create(provider)),
            new CloudResilienceOptions { MinimumThroughput = 2, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromMinutes(10) }, meter, time);

    private sealed class FailingProbe(ICloudAdapter inner) : ICloudAdapter, ICloudAdapterDecorator
    {
        public ICloudAdapter Inner => inner;
        public CloudKind Cloud => inner.Cloud;
        public IReadOnlyList<LaunchApi> LaunchApis => inner.LaunchApis;
        public Task ProbeAsync(CancellationToken cancellationToken) => throw new CloudException(CloudErrorCode.Unavailable, "the cloud does not answer (test)");
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
