using System.Net;
using System.Text;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// Deny by default, checked on every route the silo serves: the test walks the application's endpoint data source, so
/// a route added later is covered without being listed here. Anonymous routes are exactly /health, /ready, the
/// OpenAPI document, the SpotInst face's ping and version and the web console's static files; every other route is 401 without a token, 403 with a token that lacks its permission, and every
/// route naming a tenant's object is 404 for another tenant.
/// </summary>
public sealed class RouteMatrixTests(RouteMatrixTests.Silo silo) : IClassFixture<RouteMatrixTests.Silo>
{
    private static readonly string[] AnonymousRoutes = ["GET /health", "GET /ready", "GET /openapi/{documentName}.json", "GET /v1/spot/ping", "GET /v1/spot/version", "GET /console/{**file}"];

    /// <summary>Route parameters that name an object one tenant owns (the tenant id of the operator's credit route is not one).</summary>
    private static readonly string[] ObjectParameters = ["workloadId", "projectId", "reservationId", "tokenId", "account"];

    [Fact]
    public void The_only_anonymous_routes_are_health_readiness_the_openapi_document_the_spot_ping_and_version_and_the_console_files()
    {
        var anonymous = silo.Routes.Where(r => r.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(r => r.Name).Order().ToList();
        Assert.Equal(AnonymousRoutes.Order(), anonymous);
        Assert.True(silo.Routes.Count > 25, $"the endpoint data source should hold every route; it held {silo.Routes.Count}");
    }

    [Fact]
    public async Task Anonymous_routes_answer_without_a_token_and_ready_carries_no_error_text()
    {
        using var anonymous = silo.Host.ClientWith(null);
        foreach (var path in new[] { "/health", "/ready", "/openapi/v1.json" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
        }

        var ready = await anonymous.GetStringAsync("/ready");
        Assert.DoesNotContain("description", ready);
        Assert.DoesNotContain("exception", ready, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Every_protected_route_is_401_without_a_token_and_with_a_malformed_one()
    {
        using var anonymous = silo.Host.ClientWith(null);
        using var malformed = silo.Host.ClientWith("arb_" + new string('x', 46));
        var failures = new List<string>();
        foreach (var route in silo.Routes.Where(r => !AnonymousRoutes.Contains(r.Name)))
        {
            foreach (var (client, what) in new[] { (anonymous, "no token"), (malformed, "a malformed token") })
            {
                var (status, code) = await silo.SendAsync(client, route, silo.Values);
                if (status != HttpStatusCode.Unauthorized || code != ErrorCodes.Unauthorized) failures.Add($"{route.Name} with {what}: {(int)status} {code}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Every_route_is_403_naming_its_permission_for_a_token_that_lacks_it()
    {
        var failures = new List<string>();
        foreach (var route in silo.Routes.Where(r => !AnonymousRoutes.Contains(r.Name)))
        {
            // The dashboard has no single permission: it wants an operator (tenants:manage).
            string permission = route.Permission ?? Permissions.TenantsManage;
            using var lacking = silo.Host.ClientWith(await silo.OperatorTokenWithoutAsync(permission));
            var (status, code) = await silo.SendAsync(lacking, route, silo.Values);
            if (status != HttpStatusCode.Forbidden || code != ErrorCodes.Forbidden) failures.Add($"{route.Name} without {permission}: {(int)status} {code}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Every_object_route_is_404_for_another_tenants_object()
    {
        var objectRoutes = silo.Routes.Where(r => r.Parameters.Any(ObjectParameters.Contains)).ToList();
        Assert.True(objectRoutes.Count >= 10, $"expected the workload, wallet, reservation and token routes; found {objectRoutes.Count}");
        var failures = new List<string>();
        foreach (var route in objectRoutes)
        {
            // Another tenant's caller holding the route's permission: tenant B's owner, or for operator routes the operator (whose tenant is not A).
            var client = route.Permission == Permissions.TenantsManage ? silo.Operator : silo.OtherTenant;
            var (status, code) = await silo.SendAsync(client, route, silo.Values);
            if (status != HttpStatusCode.NotFound) failures.Add($"{route.Name} on tenant A's object: {(int)status} {code}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The objects are still there for their owner: nothing was changed by the other tenant's calls.
        var (_, workload) = await Api.GetAsync(silo.Owner, $"/v1/workloads/{silo.Values["workloadId"]}");
        Assert.NotEqual("TERMINATED", workload.Status());
        var (_, reservation) = await Api.GetAsync(silo.Owner, $"/api/v1/reservations/{silo.Values["reservationId"]}");
        Assert.Equal("active", reservation.GetProperty("data").GetProperty("status").GetString());
    }

    /// <summary>One route and method of the endpoint data source.</summary>
    public sealed record Route(RouteEndpoint Endpoint, string Method)
    {
        public string Pattern => "/" + Endpoint.RoutePattern.RawText!.TrimStart('/');
        public string Name => $"{Method} {Pattern}";
        public string? Permission => Endpoint.Metadata.GetMetadata<RequiresPermission>()?.Permission;
        public IEnumerable<string> Parameters => Endpoint.RoutePattern.Parameters.Select(p => p.Name);
    }

    /// <summary>
    /// A silo (in this process, on a real PostgreSQL) with tenant A owning a workload, a project wallet, a reservation
    /// and a token, and tenant B owning nothing of A's.
    /// </summary>
    public sealed class Silo() : InProcessSiloFixture(new Dictionary<string, string?>
    {
        ["RateLimits:PerAddress:PermitLimit"] = "100000",
        ["RateLimits:PerToken:PermitLimit"] = "100000",
    })
    {
        private readonly Dictionary<string, string> _lacking = new(StringComparer.Ordinal); // permission → a token without it

        public HttpClient Operator { get; private set; } = null!;
        public HttpClient Owner { get; private set; } = null!;
        public HttpClient OtherTenant { get; private set; } = null!;
        public IReadOnlyList<Route> Routes { get; private set; } = [];
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Operator = Host.ClientWith(Host.AdminToken);
            Routes = Host.Endpoints
                .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Route(e, m)))
                .Where(r => r.Method != "OPTIONS" && r.Method != "HEAD")
                .ToList();

            var (tenantA, ownerToken) = await NewTenantAsync();
            Owner = Host.ClientWith(ownerToken);
            OtherTenant = Host.ClientWith((await NewTenantAsync()).Token);
            Values["tenantId"] = tenantA;
            Values["name"] = "sim-aws";
            Values["documentName"] = "v1";
            Values["projectId"] = "team-a";
            Values["account"] = "team-a"; // the SpotInst face's account is a project wallet
            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(Owner, "/api/v1/wallets", """{"project_id": "team-a", "initial_balance": 0}""")).Response.StatusCode);
            var (_, reservation) = await Api.PostAsync(Owner, "/api/v1/reservations", $$"""{"project_id": "{{tenantA}}", "amount": 1, "ttl_seconds": 3600}""");
            Values["reservationId"] = reservation.GetProperty("data").GetProperty("id").GetString()!;
            var (_, token) = await Api.PostAsync(Owner, "/v1/tokens", """{"name": "reader", "permissions": ["workloads:read"]}""");
            Values["tokenId"] = token.GetProperty("id").GetString()!;
            var (_, workload) = await Api.PostAsync(Owner, "/v1/workloads", """{"name": "w", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-1"}}""");
            Values["workloadId"] = workload.GetProperty("id").GetString()!;
        }

        /// <summary>An operator-tenant token holding every permission but <paramref name="permission"/>.</summary>
        public async Task<string> OperatorTokenWithoutAsync(string permission)
        {
            if (_lacking.TryGetValue(permission, out var known)) return known;
            var others = Permissions.All.Where(p => p != permission).Select(p => $"\"{p}\"");
            var (response, body) = await Api.PostAsync(Operator, "/v1/tokens", $$"""{"name": "without-{{permission}}", "permissions": [{{string.Join(", ", others)}}]}""");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return _lacking[permission] = body.GetProperty("token").GetString()!;
        }

        /// <summary>Calls the route with its parameters filled from <paramref name="values"/> and a plausible body; the status and error code.</summary>
        public async Task<(HttpStatusCode Status, string? Code)> SendAsync(HttpClient client, Route route, IReadOnlyDictionary<string, string> values)
        {
            // {name}, {name:constraint}, {*catchAll}: the object's value when known, else a value any constraint accepts.
            string path = System.Text.RegularExpressions.Regex.Replace(route.Pattern, @"\{\*{0,2}(\w+)[^}]*\}", m => values.GetValueOrDefault(m.Groups[1].Value, "1"));
            using var request = new HttpRequestMessage(new HttpMethod(route.Method), path);
            if (route.Method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(BodyFor(route.Pattern, values), Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            string? code = null;
            if (text.StartsWith('{'))
            {
                using var json = System.Text.Json.JsonDocument.Parse(text);
                if (json.RootElement.TryGetProperty("error", out var error)) code = error.GetProperty("code").GetString();
            }

            return (response.StatusCode, code);
        }

        /// <summary>A body each route accepts, so an object route reaches its lookup rather than stopping at validation.</summary>
        private static string BodyFor(string pattern, IReadOnlyDictionary<string, string> values) => pattern switch
        {
            _ when pattern.EndsWith("/transfer") => $$"""{"to_project_id": "{{values["tenantId"]}}", "amount": 1}""",
            _ when pattern.EndsWith("/topup") || pattern.EndsWith("/credit") => """{"amount": 1}""",
            _ when pattern.EndsWith("/commit") => """{"actual_amount": 0.5}""",
            _ when pattern.EndsWith("/release") => """{"reason": "test"}""",
            _ when pattern.EndsWith("/health") => """{"healthy": false}""",
            _ => "{}",
        };
    }
}
