using System.Net;
using System.Text.Json;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>Tokens, tenants and who may see what, over real HTTP on PostgreSQL.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class AccessTests(WorkloadSiloFixture fixture)
{
    private const string SmallWorkload = """{"name": "w", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-1"}}""";

    [Theory]
    [InlineData(null)]
    [InlineData("arb_unknown-token-000000000000000000")]
    [InlineData("arb_0000000000000000000000000000000000000000AAAAAA")]
    [InlineData("not-even-our-format")]
    public async Task A_missing_or_unknown_token_is_401_with_a_bearer_challenge(string? token)
    {
        using var http = fixture.Silo.ClientWith(token);
        var (response, body) = await Api.GetAsync(http, "/v1/workloads");
        Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var (pricing, pricingBody) = await Api.PostAsync(http, "/v1/pricing/estimate", """{"minCPU": 2, "minMemoryGB": 4}""");
        Api.AssertError(pricing, pricingBody, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public async Task A_token_gets_only_its_permissions_is_listed_without_its_secret_and_stops_working_when_revoked()
    {
        var (_, owner) = await fixture.NewTenantAsync(1);
        var (created, token) = await Api.PostAsync(owner, "/v1/tokens", """{"name": "ci-reader", "permissions": ["workloads:read"], "expiresInDays": 30}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string secret = token.GetProperty("token").GetString()!;
        Assert.StartsWith("arb_", secret);
        Assert.True(token.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(29));

        using var reader = fixture.Silo.ClientWith(secret);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(reader, "/v1/workloads")).Response.StatusCode);
        var (denied, deniedBody) = await Api.PostAsync(reader, "/v1/workloads", SmallWorkload);
        Api.AssertError(denied, deniedBody, HttpStatusCode.Forbidden, "FORBIDDEN");

        var (_, list) = await Api.GetAsync(owner, "/v1/tokens");
        var listed = list.GetProperty("tokens").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "ci-reader");
        Assert.Equal(["workloads:read"], listed.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));
        Assert.DoesNotContain(secret, list.GetRawText());
        Assert.DoesNotContain(secret, fixture.Silo.Output);

        var (revoked, _) = await Api.SendAsync(owner, HttpMethod.Delete, $"/v1/tokens/{listed.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        var (after, afterBody) = await Api.GetAsync(reader, "/v1/workloads");
        Api.AssertError(after, afterBody, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        var (again, againBody) = await Api.SendAsync(owner, HttpMethod.Delete, $"/v1/tokens/{listed.GetProperty("id").GetString()}");
        Api.AssertError(again, againBody, HttpStatusCode.NotFound, "TOKEN_NOT_FOUND");
    }

    [Fact]
    public async Task A_token_cannot_grant_what_its_creator_lacks_and_unknown_permissions_are_400()
    {
        var (_, owner) = await fixture.NewTenantAsync(1);
        var (escalate, escalateBody) = await Api.PostAsync(owner, "/v1/tokens", """{"name": "root", "permissions": ["tenants:manage"]}""");
        Api.AssertError(escalate, escalateBody, HttpStatusCode.Forbidden, "TOKEN_SCOPE_EXCEEDED", "permissions");
        var (unknown, unknownBody) = await Api.PostAsync(owner, "/v1/tokens", """{"name": "x", "permissions": ["workloads:launch"]}""");
        Api.AssertError(unknown, unknownBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "permissions");
        var (tenant, tenantBody) = await Api.PostAsync(owner, "/v1/tenants", """{"name": "nested", "initialCredit": 1}""");
        Api.AssertError(tenant, tenantBody, HttpStatusCode.Forbidden, "FORBIDDEN");
    }

    [Fact]
    public async Task A_new_tenant_gets_a_funded_default_wallet_named_by_its_id()
    {
        var (id, http) = await fixture.NewTenantAsync(12.5m);
        var (_, wallet) = await Api.GetAsync(http, $"/api/v1/wallets/{id}");
        Assert.Equal(12.5m, wallet.GetProperty("data").GetProperty("balance").GetDecimal());
        Assert.Equal(12.5m, wallet.GetProperty("data").GetProperty("available").GetDecimal());
    }

    [Fact]
    public async Task Another_tenants_objects_are_404_on_every_route_never_403()
    {
        var (ownerId, owner) = await fixture.NewTenantAsync(5);
        var (_, stranger) = await fixture.NewTenantAsync(5);
        var (_, created) = await Api.PostAsync(owner, "/v1/workloads", SmallWorkload);
        string workload = created.GetProperty("id").GetString()!;
        var (_, reservation) = await Api.PostAsync(owner, "/api/v1/reservations", $$"""{"project_id": "{{ownerId}}", "amount": 1}""");
        string reservationId = reservation.GetProperty("data").GetProperty("id").GetString()!;
        var (_, tokens) = await Api.GetAsync(owner, "/v1/tokens");
        string tokenId = tokens.GetProperty("tokens")[0].GetProperty("id").GetString()!;

        foreach (var (method, path, body) in new (HttpMethod, string, string?)[]
                 {
                     (HttpMethod.Get, $"/v1/workloads/{workload}", null),
                     (HttpMethod.Get, $"/v1/workloads/{workload}/endpoint", null),
                     (HttpMethod.Get, $"/v1/workloads/{workload}/events", null),
                     (HttpMethod.Delete, $"/v1/workloads/{workload}", null),
                     (HttpMethod.Delete, $"/v1/tokens/{tokenId}", null),
                     (HttpMethod.Get, $"/api/v1/wallets/{ownerId}", null),
                     (HttpMethod.Get, $"/api/v1/wallets/{ownerId}/transactions", null),
                     (HttpMethod.Get, $"/api/v1/wallets/{ownerId}/reservations", null),
                     (HttpMethod.Post, "/api/v1/reservations", $$"""{"project_id": "{{ownerId}}", "amount": 1}"""),
                     (HttpMethod.Get, $"/api/v1/reservations/{reservationId}", null),
                     (HttpMethod.Post, $"/api/v1/reservations/{reservationId}/commit", """{"actual_amount": 1}"""),
                     (HttpMethod.Post, $"/api/v1/reservations/{reservationId}/release", "{}"),
                 })
        {
            var (response, error) = await Api.SendAsync(stranger, method, path, body);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {path} answered {(int)response.StatusCode} to another tenant");
            Assert.Equal(JsonValueKind.Object, error.GetProperty("error").ValueKind);
        }

        var (_, list) = await Api.GetAsync(stranger, "/v1/workloads");
        Assert.Equal(0, list.GetProperty("workloads").GetArrayLength());
        var (mine, _) = await Api.GetAsync(owner, $"/v1/workloads/{workload}");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var (stillActive, active) = await Api.GetAsync(owner, $"/api/v1/reservations/{reservationId}");
        Assert.Equal(HttpStatusCode.OK, stillActive.StatusCode);
        Assert.Equal("active", active.GetProperty("data").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_needs_no_token_and_every_response_carries_a_request_id()
    {
        using var anonymous = fixture.Silo.ClientWith(null);
        var (health, _) = await Api.GetAsync(anonymous, "/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Single(health.Headers.GetValues("X-Request-Id"));
        var (unknown, body) = await Api.GetAsync(fixture.Silo.Http, "/v1/nothing-here");
        Api.AssertError(unknown, body, HttpStatusCode.NotFound, "NOT_FOUND");
    }
}
