using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// What a client generated from the Compute Arbitrage API's seed document sees: every answer of the workload and
/// pricing routes, driven on a real silo, validates against the seed's schemas and the silo's own OpenAPI document
/// (the client checks each one on the way in, <see cref="ContractCheckingHandler"/>), and unset fields are left out.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class SeedContractTests(WorkloadSiloFixture fixture)
{
    private const string Minimal = """{"name": "seed-minimal", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-0123456789abcdef0"}}""";

    [Fact]
    public async Task Every_answer_of_the_workload_and_pricing_routes_reads_with_the_seed_schemas()
    {
        var (_, http) = await fixture.NewTenantAsync(50);
        var handler = fixture.HandlerOf(http);

        var (estimated, estimate) = await Api.PostAsync(http, "/v1/pricing/estimate", """{"minCPU": 2, "minMemoryGB": 4}""");
        Assert.Equal(HttpStatusCode.OK, estimated.StatusCode);
        Assert.Contains(estimate.GetProperty("recommended").GetProperty("provider").GetString(), new[] { "aws", "azure", "gcp" });
        var (impossible, none) = await Api.PostAsync(http, "/v1/pricing/estimate", """{"minCPU": 8, "minMemoryGB": 32, "gpuType": "nvidia-a100", "maxPricePerHour": 0.05}""");
        Assert.Equal(HttpStatusCode.OK, impossible.StatusCode);
        Assert.False(none.TryGetProperty("recommended", out _));
        var (current, prices) = await Api.GetAsync(http, "/v1/pricing/current?provider=sim-gcp&limit=5");
        Assert.Equal(HttpStatusCode.OK, current.StatusCode);
        Assert.All(prices.GetProperty("prices").EnumerateArray(), p => Assert.Equal("gcp", p.GetProperty("provider").GetString()));

        var (accepted, created) = await Api.PostAsync(http, "/v1/workloads", Minimal);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string id = created.GetProperty("id").GetString()!;

        var running = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "RUNNING");
        var requirements = running.GetProperty("requirements");
        foreach (var unset in new[] { "gpuType", "preferredRegions", "maxPricePerHour", "maxInterruptionRate", "providers" })
        {
            Assert.False(requirements.TryGetProperty(unset, out _), $"requirements.{unset} is sent though it was never set");
        }

        Assert.False(running.GetProperty("config").TryGetProperty("startupScript", out _));
        Assert.False(running.GetProperty("config").TryGetProperty("environmentVariables", out _));
        Assert.False(running.TryGetProperty("terminatedAt", out _));

        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/v1/workloads?limit=2")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, "/v1/workloads?status=RUNNING")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, $"/v1/workloads/{id}/endpoint")).Response.StatusCode);
        var (_, events) = await Api.GetAsync(http, $"/v1/workloads/{id}/events?limit=2");
        Assert.True(events.TryGetProperty("nextCursor", out _));
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(http, $"/v1/workloads/{id}/placements")).Response.StatusCode);

        var (terminating, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Assert.Equal(HttpStatusCode.Accepted, terminating.StatusCode);
        var ended = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "TERMINATED");
        Assert.False(ended.TryGetProperty("placement", out _));
        var (again, againBody) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Api.AssertError(again, againBody, HttpStatusCode.BadRequest, "WORKLOAD_ALREADY_TERMINATED");
        var (_, allEvents) = await Api.GetAsync(http, $"/v1/workloads/{id}/events?limit=200");
        Assert.False(allEvents.TryGetProperty("nextCursor", out _));

        // Errors answer in the one shape the document gives them.
        var (missing, missingBody) = await Api.GetAsync(http, "/v1/workloads/wk-000000000000");
        Api.AssertError(missing, missingBody, HttpStatusCode.NotFound, "WORKLOAD_NOT_FOUND");
        var (bad, badBody) = await Api.PostAsync(http, "/v1/pricing/estimate", """{"minCPU": "eight", "minMemoryGB": 4}""");
        Api.AssertError(bad, badBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "minCPU");
        Assert.Contains("minCPU must be a whole number", badBody.GetProperty("error").GetProperty("message").GetString());

        Assert.True(handler.Checked >= 15, $"only {handler.Checked} answers were checked");
    }

    [Fact]
    public async Task A_workload_with_every_optional_field_echoes_them_with_the_seed_types()
    {
        var (_, http) = await fixture.NewTenantAsync(50);
        var (accepted, created) = await Api.PostAsync(http, "/v1/workloads", """
            {"name": "seed-full", "metadata": {"team": "risk"},
             "requirements": {"minCPU": 2, "minMemoryGB": 4, "gpuCount": 0, "preferredRegions": ["us-east-1", "eu-west-1"], "maxPricePerHour": 5, "maxInterruptionRate": 0.5},
             "config": {"imageId": "ami-0123456789abcdef0", "healthCheckPort": 8080, "healthCheckPath": "/health", "environmentVariables": {"MODE": "batch"}, "startupScript": "#!/bin/sh\necho hi"}}
            """);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var (_, details) = await Api.GetAsync(http, $"/v1/workloads/{created.GetProperty("id").GetString()}");
        Assert.Equal(["us-east-1", "eu-west-1"], details.GetProperty("requirements").GetProperty("preferredRegions").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(0.5, details.GetProperty("requirements").GetProperty("maxInterruptionRate").GetDouble());
        Assert.Equal("batch", details.GetProperty("config").GetProperty("environmentVariables").GetProperty("MODE").GetString());
        Assert.Equal("#!/bin/sh\necho hi", details.GetProperty("config").GetProperty("startupScript").GetString());
    }

    [Fact]
    public async Task Tokens_answer_with_their_documented_schemas()
    {
        var (_, http) = await fixture.NewTenantAsync(5);
        var (created, token) = await Api.PostAsync(http, "/v1/tokens", """{"name": "reader", "permissions": ["workloads:read"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (listed, list) = await Api.GetAsync(http, "/v1/tokens");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Contains(list.GetProperty("tokens").EnumerateArray(), t => t.GetProperty("id").GetString() == token.GetProperty("id").GetString());
        var (bad, badBody) = await Api.PostAsync(http, "/v1/tokens", """{"name": "x", "permissions": ["workloads:read"], "expiresAt": "next tuesday"}""");
        Api.AssertError(bad, badBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "expiresAt");
        var (revoked, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/tokens/{token.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var (gone, goneBody) = await Api.SendAsync(http, HttpMethod.Delete, "/v1/tokens/tok-missing");
        Api.AssertError(gone, goneBody, HttpStatusCode.NotFound, "TOKEN_NOT_FOUND");
    }

    [Fact]
    public async Task An_answer_with_a_null_optional_field_would_fail_the_seed()
    {
        var (_, http) = await fixture.NewTenantAsync(5);
        var (_, created) = await Api.PostAsync(http, "/v1/workloads", Minimal);
        var id = created.GetProperty("id").GetString()!;
        var (_, details) = await Api.GetAsync(http, $"/v1/workloads/{id}");
        string json = details.GetRawText();
        Assert.Null(fixture.Seed.Check("GET", $"/v1/workloads/{id}", 200, json));

        foreach (var (field, container) in new[] { ("preferredRegions", "requirements"), ("maxInterruptionRate", "requirements"), ("gpuType", "requirements"),
                     ("startupScript", "config"), ("environmentVariables", "config") })
        {
            var broken = JsonNode.Parse(json)!;
            broken[container]![field] = null;
            var problem = fixture.Seed.Check("GET", $"/v1/workloads/{id}", 200, broken.ToJsonString());
            Assert.True(problem is not null, $"{container}.{field}: null passed the seed's schema");
            Assert.Contains(field, problem);
            Assert.NotNull(fixture.Contract.Check("GET", $"/v1/workloads/{id}", 200, broken.ToJsonString()));
        }

        var estimate = JsonNode.Parse("""{"recommended": null, "alternatives": []}""");
        Assert.NotNull(fixture.Seed.Check("POST", "/v1/pricing/estimate", 200, estimate!.ToJsonString()));
        Assert.NotNull(fixture.Seed.Check("POST", "/v1/pricing/estimate", 200, """{"alternatives": [{"provider": "sim-aws"}]}"""));
    }
}
