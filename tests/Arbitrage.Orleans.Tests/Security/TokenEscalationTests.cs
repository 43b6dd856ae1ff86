using System.Net;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// Tokens never outgrow the token that made them (permissions, expiry), only an operator revokes an operator's token,
/// and a malformed token is refused before any lookup. Over real HTTP against the silo on PostgreSQL.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class TokenEscalationTests(WorkloadSiloFixture fixture)
{
    private static string Body(string permissions, string expiry = "") =>
        $$"""{"name": "t", "permissions": [{{permissions}}]{{expiry}}}""";

    [Fact]
    public async Task A_token_about_to_expire_cannot_mint_one_that_never_expires_or_expires_later()
    {
        var (_, owner) = await fixture.NewTenantAsync(1);
        var soon = DateTimeOffset.UtcNow.AddHours(1);
        var (created, body) = await Api.PostAsync(owner, "/v1/tokens", Body("\"tokens:manage\", \"workloads:read\"", $", \"expiresAt\": \"{soon:O}\""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var expiring = fixture.Silo.ClientWith(body.GetProperty("token").GetString());

        var (forever, foreverBody) = await Api.PostAsync(expiring, "/v1/tokens", Body("\"workloads:read\""));
        Api.AssertError(forever, foreverBody, HttpStatusCode.Forbidden, "TOKEN_SCOPE_EXCEEDED", "expiresAt");
        var (later, laterBody) = await Api.PostAsync(expiring, "/v1/tokens", Body("\"workloads:read\"", ", \"expiresInDays\": 1"));
        Api.AssertError(later, laterBody, HttpStatusCode.Forbidden, "TOKEN_SCOPE_EXCEEDED", "expiresAt");
        var (wider, widerBody) = await Api.PostAsync(expiring, "/v1/tokens", Body("\"workloads:create\"", $", \"expiresAt\": \"{soon.AddMinutes(-5):O}\""));
        Api.AssertError(wider, widerBody, HttpStatusCode.Forbidden, "TOKEN_SCOPE_EXCEEDED", "permissions");

        var (earlier, earlierBody) = await Api.PostAsync(expiring, "/v1/tokens", Body("\"workloads:read\"", $", \"expiresAt\": \"{soon.AddMinutes(-5):O}\""));
        Assert.Equal(HttpStatusCode.Created, earlier.StatusCode);
        Assert.True(earlierBody.GetProperty("expiresAt").GetDateTimeOffset() <= soon);
    }

    [Fact]
    public async Task A_token_with_tokens_manage_cannot_revoke_the_admin_token_but_an_operator_can_revoke_an_operator_token()
    {
        // A token of the bootstrap tenant (the admin's own) holding tokens:manage but not tenants:manage.
        var (_, manager) = await Api.PostAsync(fixture.Silo.Http, "/v1/tokens", Body("\"tokens:manage\""));
        using var managerHttp = fixture.Silo.ClientWith(manager.GetProperty("token").GetString());
        var (_, listing) = await Api.GetAsync(managerHttp, "/v1/tokens");
        var operatorTokens = listing.GetProperty("tokens").EnumerateArray()
            .Where(t => t.GetProperty("permissions").EnumerateArray().Any(p => p.GetString() == Permissions.TenantsManage))
            .Select(t => t.GetProperty("id").GetString()!).ToList();
        Assert.NotEmpty(operatorTokens); // the admin token

        foreach (var id in operatorTokens)
        {
            var (refused, refusedBody) = await Api.SendAsync(managerHttp, HttpMethod.Delete, $"/v1/tokens/{id}");
            Api.AssertError(refused, refusedBody, HttpStatusCode.Forbidden, "FORBIDDEN");
        }

        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(fixture.Silo.Http, "/v1/tokens")).Response.StatusCode); // the admin token still works

        var (_, second) = await Api.PostAsync(fixture.Silo.Http, "/v1/tokens", Body("\"tenants:manage\""));
        var (revoked, _) = await Api.SendAsync(fixture.Silo.Http, HttpMethod.Delete, $"/v1/tokens/{second.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
    }

    [Fact]
    public async Task A_token_with_a_broken_checksum_is_refused_and_a_dead_token_stays_refused()
    {
        var (_, created) = await Api.PostAsync(fixture.Silo.Http, "/v1/tokens", Body("\"workloads:read\""));
        string token = created.GetProperty("token").GetString()!;
        string mistyped = token[..^1] + (token[^1] == 'a' ? 'b' : 'a');

        using (var http = fixture.Silo.ClientWith(mistyped))
        {
            var (response, body) = await Api.GetAsync(http, "/v1/workloads");
            Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
            Assert.Contains("checksum", body.GetProperty("error").GetProperty("message").GetString());
        }

        using var holder = fixture.Silo.ClientWith(token);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(holder, "/v1/workloads")).Response.StatusCode);
        var (revoked, _) = await Api.SendAsync(fixture.Silo.Http, HttpMethod.Delete, $"/v1/tokens/{created.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        for (int i = 0; i < 3; i++) // the first refusal asks the token's grain; the next ones are answered from the unknown-token cache
        {
            var (response, body) = await Api.GetAsync(holder, "/v1/workloads");
            Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
        }
    }
}
