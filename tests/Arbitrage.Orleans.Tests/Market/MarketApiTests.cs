using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>One real silo (memory storage) on the three simulated clouds, shared by the market API tests.</summary>
public sealed class MarketSiloFixture : IAsyncLifetime
{
    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = SiloProcess.Start(["--storage", "memory"]);
        await Silo.WaitUntilServingAsync(TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>The pricing and provider routes over real HTTP against the silo executable on the simulated clouds.</summary>
public sealed class MarketApiTests(MarketSiloFixture fixture) : IClassFixture<MarketSiloFixture>
{
    private HttpClient Http => fixture.Silo.Http;

    private Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(string path, string json) => Api.PostAsync(Http, path, json);

    private Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path) => Api.GetAsync(Http, path);

    private static void AssertError(HttpResponseMessage response, JsonElement body, HttpStatusCode status, string code, string? field = null) =>
        Api.AssertError(response, body, status, code, field);

    [Fact]
    public async Task An_estimate_recommends_the_cheapest_acceptable_sim_offer_at_its_current_price()
    {
        var (response, body) = await PostAsync("/v1/pricing/estimate", """{"minCPU": 4, "minMemoryGB": 16, "preferredRegions": ["us-east-1"], "maxInterruptionRate": 0.1}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var best = body.GetProperty("recommended");
        Assert.Equal(("aws", "sim-aws"), (best.GetProperty("provider").GetString(), best.GetProperty("providerName").GetString()));
        Assert.Equal("us-east-1", best.GetProperty("region").GetString());
        Assert.True(best.GetProperty("vCpus").GetInt32() >= 4 && best.GetProperty("memoryGb").GetDouble() >= 16);
        Assert.True(best.GetProperty("interruptionRate").GetDouble() <= 0.1);
        Assert.False(string.IsNullOrWhiteSpace(best.GetProperty("reason").GetString()));
        var alternatives = body.GetProperty("alternatives").EnumerateArray().ToList();
        Assert.Equal(5, alternatives.Count);
        Assert.All(alternatives, a => Assert.True(a.GetProperty("expectedCostPerHour").GetDecimal() >= best.GetProperty("expectedCostPerHour").GetDecimal()));

        // The price is the market's current price.
        var (_, current) = await GetAsync($"/v1/pricing/current?provider=sim-aws&region=us-east-1&instanceType={best.GetProperty("instanceType").GetString()}&limit=50");
        var market = current.GetProperty("prices").EnumerateArray().Single(p => p.GetProperty("zone").GetString() == best.GetProperty("zone").GetString());
        var priceField = best.GetProperty("market").GetString() == "spot" ? "spotPricePerHour" : "onDemandPricePerHour";
        Assert.Equal(market.GetProperty(priceField).GetDecimal(), best.GetProperty("pricePerHour").GetDecimal());
    }

    [Fact]
    public async Task An_estimate_restricted_to_zones_offers_only_markets_in_them_by_zone_id_or_aws_zone_name()
    {
        // The cheapest offer anywhere in us-east-1, then only in one other zone, named by its ID.
        var (_, anywhere) = await PostAsync("/v1/pricing/estimate?alternatives=10", """{"minCPU": 2, "minMemoryGB": 4, "preferredRegions": ["us-east-1"], "providers": ["sim-aws"]}""");
        string cheapestZone = anywhere.GetProperty("recommended").GetProperty("zone").GetString()!;
        var (_, current) = await GetAsync("/v1/pricing/current?provider=sim-aws&region=us-east-1&limit=500");
        string otherZone = current.GetProperty("prices").EnumerateArray().Select(p => p.GetProperty("zone").GetString()!).Distinct().Order(StringComparer.Ordinal).First(z => z != cheapestZone);

        var (response, body) = await PostAsync("/v1/pricing/estimate?alternatives=10",
            $$"""{"minCPU": 2, "minMemoryGB": 4, "preferredRegions": ["us-east-1"], "providers": ["sim-aws"], "zones": ["{{otherZone}}"]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var offers = body.GetProperty("alternatives").EnumerateArray().Prepend(body.GetProperty("recommended")).ToList();
        Assert.All(offers, o => Assert.Equal(otherZone, o.GetProperty("zone").GetString()));
        Assert.Contains(body.GetProperty("rejections").EnumerateArray(), r => r.GetProperty("constraint").GetString() == "zones" && r.GetProperty("removed").GetInt32() > 0);

        // An AWS zone name is the zone ID the account maps it to.
        var (named, byName) = await PostAsync("/v1/pricing/estimate", """{"minCPU": 2, "minMemoryGB": 4, "providers": ["sim-aws"], "zones": ["us-east-1a"]}""");
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal("us-east-1", byName.GetProperty("recommended").GetProperty("region").GetString());
    }

    [Fact]
    public async Task An_impossible_estimate_says_what_each_constraint_removed()
    {
        var (response, body) = await PostAsync("/v1/pricing/estimate", """{"minCPU": 8, "minMemoryGB": 32, "gpuType": "nvidia-a100", "maxPricePerHour": 0.05}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.TryGetProperty("recommended", out _));
        Assert.Empty(body.GetProperty("alternatives").EnumerateArray());
        var rejections = body.GetProperty("rejections").EnumerateArray().ToList();
        Assert.Contains(rejections, r => r.GetProperty("constraint").GetString() == "maxPricePerHour" && r.GetProperty("removed").GetInt32() > 0);
        Assert.Equal(body.GetProperty("offersConsidered").GetInt32(), rejections.Sum(r => r.GetProperty("removed").GetInt32()));
        Assert.True(body.GetProperty("offersConsidered").GetInt32() > 100_000);
    }

    [Theory]
    [InlineData("""{"minCPU": 0, "minMemoryGB": 4}""", "minCPU")]
    [InlineData("""{"minCPU": -2, "minMemoryGB": 4}""", "minCPU")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 0}""", "minMemoryGB")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 0.5}""", "minMemoryGB")]
    [InlineData("""{"minCPU": 2}""", "minMemoryGB")]
    [InlineData("""{"minCPU": "two", "minMemoryGB": 4}""", "minCPU")]
    [InlineData("""{"minCPU": 2.5, "minMemoryGB": 4}""", "minCPU")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "gpuType": "nvidia-voodoo"}""", "gpuType")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "maxInterruptionRate": 1.5}""", "maxInterruptionRate")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "providers": ["oracle"]}""", "providers")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "preferredRegions": ["mars-north-1"]}""", "preferredRegions")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "preferredRegions": "us-east-1"}""", "preferredRegions")]
    [InlineData("""{"minCPU": 99999999999, "minMemoryGB": 4}""", "minCPU")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "zones": ["use1-az1", "us-east-1z"]}""", "zones[1]")]
    [InlineData("""{"minCPU": 2, "minMemoryGB": 4, "zones": "use1-az1"}""", "zones")]
    public async Task Bad_requirements_get_400_naming_the_field(string json, string field)
    {
        var (response, body) = await PostAsync("/v1/pricing/estimate", json);

        AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Theory]
    [InlineData("{\"minCPU\": 2,")]
    [InlineData("[1, 2]")]
    [InlineData("")]
    public async Task Malformed_bodies_get_400_not_500(string json)
    {
        var (response, body) = await PostAsync("/v1/pricing/estimate", json);

        AssertError(response, body, HttpStatusCode.BadRequest, "INVALID_JSON");
    }

    [Fact]
    public async Task An_oversized_body_gets_413()
    {
        var json = "{\"minCPU\": 2, \"minMemoryGB\": 4, \"pad\": \"" + new string('x', 300_000) + "\"}";

        var (response, body) = await PostAsync("/v1/pricing/estimate", json);

        AssertError(response, body, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
    }

    [Fact]
    public async Task Current_prices_page_with_a_cursor_and_filter_by_provider_and_region()
    {
        var (first, page1) = await GetAsync("/v1/pricing/current?provider=gcp&region=us-central1&limit=200");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var cursor = page1.OptionalString("nextCursor");
        Assert.NotNull(cursor);
        var (_, page2) = await GetAsync($"/v1/pricing/current?provider=gcp&region=us-central1&limit=200&cursor={cursor}");

        var prices = page1.GetProperty("prices").EnumerateArray().Concat(page2.GetProperty("prices").EnumerateArray()).ToList();
        Assert.Equal(400, prices.Count);
        Assert.All(prices, p => Assert.Equal(("gcp", "sim-gcp", "us-central1"), (p.GetProperty("provider").GetString(), p.GetProperty("providerName").GetString(), p.GetProperty("region").GetString())));
        Assert.Equal(400, prices.Select(p => p.GetProperty("zone").GetString() + "/" + p.GetProperty("instanceType").GetString()).Distinct().Count());
        Assert.True(page1.GetProperty("total").GetInt32() > 400);
    }

    [Theory]
    [InlineData("/v1/pricing/current?provider=oracle", "provider")]
    [InlineData("/v1/pricing/current?region=atlantis", "region")]
    [InlineData("/v1/pricing/current?limit=0", "limit")]
    [InlineData("/v1/pricing/current?limit=many", "limit")]
    [InlineData("/v1/pricing/current?cursor=zzz", "cursor")]
    public async Task Bad_price_queries_get_400_naming_the_parameter(string path, string field)
    {
        var (response, body) = await GetAsync(path);

        AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task Providers_are_listed_with_health_details_and_capabilities()
    {
        var (list, providers) = await GetAsync("/api/v1/providers");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(["sim-aws", "sim-azure", "sim-gcp"], providers.GetProperty("providers").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(3, providers.GetProperty("total").GetInt32());
        Assert.Equal(3, providers.GetProperty("enabled").GetInt32());
        Assert.All(providers.GetProperty("providers").EnumerateArray(), p => Assert.Equal("healthy", p.GetProperty("status").GetString()));

        var (_, aws) = await GetAsync("/api/v1/providers/sim-aws");
        Assert.Equal("aws", aws.GetProperty("type").GetString());
        Assert.Equal(10, aws.GetProperty("weight").GetInt32());
        Assert.True(aws.GetProperty("limits").GetProperty("max_instances_per_request").GetInt32() > 0);
        // The calls each silo made to the cloud reach the provider's statistics in batches (Market:StatisticsInterval).
        await Eventually.TrueAsync(async () => (await GetAsync("/api/v1/providers/sim-aws")).Body.GetProperty("statistics").GetProperty("total_requests").GetInt64() >= 1,
            TimeSpan.FromSeconds(30), "the price polls and probes are counted");

        var (_, capabilities) = await GetAsync("/api/v1/providers/sim-aws/capabilities");
        Assert.Equal("sim-aws", capabilities.GetProperty("provider_instance").GetString());
        Assert.Contains("spot", capabilities.GetProperty("pricing_models").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("us-east-1", capabilities.GetProperty("regions").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("use1-az4", capabilities.GetProperty("availability_zones").EnumerateArray().Select(m => m.GetString()));
        Assert.NotEmpty(capabilities.GetProperty("supported_apis").EnumerateArray());
    }

    [Fact]
    public async Task An_unknown_provider_is_404_with_the_available_ones()
    {
        var (response, body) = await GetAsync("/api/v1/providers/aws-invalid");

        AssertError(response, body, HttpStatusCode.NotFound, "PROVIDER_NOT_FOUND");
        Assert.Contains("sim-aws", body.GetProperty("error").GetProperty("details").GetProperty("available_providers").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task An_unknown_route_is_404_in_the_error_shape_and_a_given_request_id_is_echoed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/nothing-here");
        request.Headers.Add("X-Request-Id", "trace-42");

        var response = await Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        AssertError(response, body, HttpStatusCode.NotFound, "NOT_FOUND");
        Assert.Equal("trace-42", body.GetProperty("error").GetProperty("requestId").GetString());
    }
}
