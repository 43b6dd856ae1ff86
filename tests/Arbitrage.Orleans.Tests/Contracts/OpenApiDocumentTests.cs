using System.Net;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>The OpenAPI document against the endpoint data source: every route is in it, and the typed faces are in it in full.</summary>
public sealed class OpenApiDocumentTests(OpenApiDocumentTests.Silo silo) : IClassFixture<OpenApiDocumentTests.Silo>
{
    public sealed class Silo() : InProcessSiloFixture(new Dictionary<string, string?>());

    /// <summary>The routes of the typed faces (workloads, pricing, tokens, tenants, wallets and reservations, the host-factory providers, templates and requests): full schemas, examples and error responses.</summary>
    public static readonly string[] TypedOperations =
    [
        "POST /v1/workloads", "GET /v1/workloads", "GET /v1/workloads/{workloadId}", "DELETE /v1/workloads/{workloadId}", "GET /v1/workloads/{workloadId}/endpoint",
        "GET /v1/workloads/{workloadId}/events", "GET /v1/workloads/{workloadId}/placements", "POST /v1/pricing/estimate", "GET /v1/pricing/current",
        "GET /v1/pricing/history",
        "POST /v1/tokens", "GET /v1/tokens", "DELETE /v1/tokens/{tokenId}",
        "POST /v1/tenants", "POST /v1/tenants/{tenantId}/credit",
        "POST /api/v1/wallets", "GET /api/v1/wallets/{projectId}", "POST /api/v1/wallets/{projectId}/topup", "POST /api/v1/wallets/{projectId}/transfer",
        "GET /api/v1/wallets/{projectId}/transactions", "GET /api/v1/wallets/{projectId}/reservations",
        "POST /api/v1/reservations", "GET /api/v1/reservations/{reservationId}", "POST /api/v1/reservations/{reservationId}/commit",
        "POST /api/v1/reservations/{reservationId}/release",
        "GET /v1/spot/{account}/elastigroups", "POST /v1/spot/{account}/elastigroups", "GET /v1/spot/{account}/elastigroups/{id}", "PUT /v1/spot/{account}/elastigroups/{id}",
        "DELETE /v1/spot/{account}/elastigroups/{id}", "GET /v1/spot/{account}/instances", "POST /v1/spot/{account}/instances", "GET /v1/spot/{account}/instances/{id}",
        "PUT /v1/spot/{account}/instances/{id}", "DELETE /v1/spot/{account}/instances/{id}",
        "GET /discover", "POST /provision", "POST /deprovision",
        "POST /v1/simulation/workloads/{workloadId}/interrupt", "POST /v1/simulation/workloads/{workloadId}/health",
        "GET /api/v1/providers", "POST /api/v1/providers/validate", "POST /api/v1/providers/select", "GET /api/v1/providers/{name}",
        "GET /api/v1/providers/{name}/capabilities",
        "GET /api/v1/templates", "POST /api/v1/templates", "POST /api/v1/templates/refresh", "POST /api/v1/templates/migrate", "GET /api/v1/templates/{id}",
        "PUT /api/v1/templates/{id}", "DELETE /api/v1/templates/{id}", "POST /api/v1/templates/{id}/validate", "POST /api/v1/templates/{id}/validate-multi",
        "POST /api/v1/requests", "GET /api/v1/requests", "GET /api/v1/requests/{requestId}", "DELETE /api/v1/requests/{requestId}",
    ];

    /// <summary>Typed operations that take no body.</summary>
    private static readonly string[] WithoutBody = ["POST /v1/simulation/workloads/{workloadId}/interrupt", "POST /api/v1/templates/refresh"];

    private async Task<JsonObject> DocumentAsync()
    {
        using var anonymous = silo.Host.ClientWith(null);
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Every method of every route of the endpoint data source, as the document spells its path.</summary>
    private IReadOnlyList<string> Routes() => silo.Host.Endpoints
        .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
        .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {OpenApiPath(e.RoutePattern.RawText!)}"))
        .Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary><c>/v1/x/{id:int}</c> → <c>/v1/x/{id}</c>; a catch-all <c>{**rest}</c> → <c>{rest}</c>.</summary>
    private static string OpenApiPath(string pattern)
    {
        return "/" + System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*{0,2}([^}:=?]+)[^}]*\}", "{$1}").Trim('/');
    }

    [Fact]
    public async Task Every_route_of_the_endpoint_data_source_is_an_operation_of_the_document()
    {
        var document = await DocumentAsync();
        var paths = document["paths"]!.AsObject();
        var routes = Routes();
        Assert.True(routes.Count > 40, $"the endpoint data source has only {routes.Count} routes");

        var missing = routes.Where(r =>
        {
            var (method, path) = (r[..r.IndexOf(' ')], r[(r.IndexOf(' ') + 1)..]);
            return paths[path]?[method.ToLowerInvariant()] is null;
        }).ToList();

        Assert.True(missing.Count == 0, "Routes missing from /openapi/v1.json:\n" + string.Join("\n", missing));
        // The product's own routes say what they do (the Orleans dashboard's routes are its own).
        Assert.All(routes.Where(r => !r.Contains(" /dashboard", StringComparison.Ordinal)), r => Assert.False(string.IsNullOrWhiteSpace((string?)paths[r[(r.IndexOf(' ') + 1)..]]![r[..r.IndexOf(' ')].ToLowerInvariant()]!["summary"]), $"{r} has no summary"));
    }

    [Fact]
    public async Task The_typed_routes_document_their_bodies_answers_and_errors_with_schemas_and_examples()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var route in TypedOperations)
        {
            var (method, path) = (route[..route.IndexOf(' ')].ToLowerInvariant(), route[(route.IndexOf(' ') + 1)..]);
            var operation = document["paths"]![path]![method]!.AsObject();
            var responses = operation["responses"]!.AsObject();

            // One success answer, or two where the route answers with the same record as 200 or 201 (PUT), or 200 or 204 (DELETE).
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            Assert.True(success.Count == 1 || (success.Count == 2 && method is "put" or "delete"), $"{route} documents {success.Count} success responses");
            foreach (var answer in success.Where(r => r.Key != "204"))
            {
                var reference = (string?)answer.Value!["content"]?["application/json"]?["schema"]?["$ref"];
                Assert.True(reference is not null, $"{route} {answer.Key} has no schema of its own");
                var schema = schemas[reference!.Split('/')[^1]]!;
                Assert.True(schema["properties"] is JsonObject { Count: > 0 }, $"{route}: {reference} has no properties");
                Assert.True(schema["examples"] is JsonArray { Count: > 0 }, $"{route}: {reference} has no example");
            }

            var expected = new List<string> { "401", "403", "414", "429", "431", "500", "503" };
            bool hasBody = (method is "post" or "put") && !WithoutBody.Contains(route);
            if (hasBody || path.EndsWith("/events", StringComparison.Ordinal) || path.EndsWith("/placements", StringComparison.Ordinal) || route is "GET /v1/workloads" or "GET /v1/pricing/current" or "GET /v1/pricing/history")
            {
                expected.Add("400");
            }

            if (path.Contains('{') && method != "put") expected.Add("404"); // a PUT creates what is not there
            if (route == "POST /v1/workloads") expected.Add("409");
            foreach (var status in expected)
            {
                Assert.True(responses[status]?["content"]?["application/json"]?["schema"]?["$ref"]?.GetValue<string>() == "#/components/schemas/ApiErrorResponse",
                    $"{route} does not document {status} with the ApiErrorResponse schema");
            }

            if (hasBody)
            {
                var body = (string?)operation["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"];
                Assert.True(body is not null, $"{route} has no request body schema");
                Assert.True(schemas[body!.Split('/')[^1]]!["examples"] is JsonArray { Count: > 0 }, $"{route}: {body} has no example");
            }
        }

        var error = schemas["ApiErrorResponse"]!;
        Assert.Equal("#/components/schemas/ApiError", (string?)error["properties"]!["error"]!["$ref"]);
        Assert.Equal(["code", "details", "message", "requestId"], schemas["ApiError"]!["properties"]!.AsObject().Select(p => p.Key).Order());
    }

    [Fact]
    public async Task The_anonymous_routes_document_their_answers_with_examples_and_the_errors_they_can_give()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var path in new[] { "/health", "/ready", "/v1/spot/ping", "/v1/spot/version" })
        {
            var responses = document["paths"]![path]!["get"]!["responses"]!.AsObject();
            var reference = (string?)responses["200"]?["content"]?["application/json"]?["schema"]?["$ref"];
            Assert.True(reference is not null, $"GET {path} 200 has no schema of its own");
            Assert.True(schemas[reference!.Split('/')[^1]]!["examples"] is JsonArray { Count: > 0 }, $"GET {path}: {reference} has no example");
            // No token and no rate limit: no 401, 403 or 429; the pipeline's request limits and anything unexpected still can answer.
            Assert.Equal(["200", "414", "431", "500"], responses.Select(r => r.Key).Where(k => k != "503").Order(StringComparer.Ordinal));
            Assert.Equal("#/components/schemas/ApiErrorResponse", (string?)responses["500"]!["content"]!["application/json"]!["schema"]!["$ref"]);
        }

        Assert.Equal("#/components/schemas/HealthAnswer", (string?)document["paths"]!["/ready"]!["get"]!["responses"]!["503"]!["content"]!["application/json"]!["schema"]!["$ref"]);

        // The dashboard's routes are the Orleans dashboard's own (no schemas), but the gateway guards them: 401 and 403 in the one error shape.
        var dashboard = document["paths"]!.AsObject().Where(p => p.Key.StartsWith("/dashboard", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(dashboard);
        Assert.All(dashboard, p => Assert.All(p.Value!.AsObject(), operation =>
        {
            foreach (var status in new[] { "401", "403" })
            {
                Assert.True((string?)operation.Value!["responses"]![status]?["content"]?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/ApiErrorResponse",
                    $"{operation.Key} {p.Key} does not document {status}");
            }
        }));
    }

    [Fact]
    public async Task The_seed_fields_have_the_seed_types_in_the_document()
    {
        var contract = new JsonContract("openapi/v1.json", await DocumentAsync());
        var seed = SeedContract.Load();
        // Each example the document gives is a valid instance of the seed's schema of the same name.
        foreach (var name in new[] { "CreateWorkloadRequest", "WorkloadRequirements", "WorkloadConfig", "WorkloadResponse", "PriceEstimate", "PlacementOption" })
        {
            var example = contract.Document["components"]!["schemas"]![name]!["examples"]![0];
            Assert.True(seed.CheckComponent(name, example) is null, $"the example of {name} breaks the seed: {seed.CheckComponent(name, example)}");
            Assert.True(contract.CheckComponent(name, example) is null, $"the example of {name} breaks its own schema: {contract.CheckComponent(name, example)}");
        }
    }

    [Fact]
    public async Task The_credit_face_is_documented_in_snake_case_and_the_tenant_routes_in_camel_case()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        JsonObject Schema(string route, string status = "200")
        {
            var (method, path) = (route[..route.IndexOf(' ')].ToLowerInvariant(), route[(route.IndexOf(' ') + 1)..]);
            string reference = (string)document["paths"]![path]![method]!["responses"]![status]!["content"]!["application/json"]!["schema"]!["$ref"]!;
            return schemas[reference.Split('/')[^1]]!.AsObject();
        }

        JsonObject Properties(JsonNode schema) => (schema["$ref"] is { } r ? schemas[((string)r!).Split('/')[^1]]! : schema)["properties"]!.AsObject();

        var envelope = Schema("GET /api/v1/wallets/{projectId}");
        Assert.Equal(["data", "meta"], Properties(envelope).Select(p => p.Key).Order());
        Assert.Contains("request_id", Properties(Properties(envelope)["meta"]!).Select(p => p.Key));
        Assert.Equal(["available", "balance", "created_at", "currency", "org_id", "project_id", "reserved", "status"], Properties(Properties(envelope)["data"]!).Select(p => p.Key).Order());
        var reservation = Properties(Properties(Schema("GET /api/v1/reservations/{reservationId}"))["data"]!);
        Assert.Contains("overdraft_exceeded", reservation.Select(p => p.Key));
        Assert.Contains("next_cursor", Properties(Properties(Schema("GET /api/v1/wallets/{projectId}/transactions"))["data"]!).Select(p => p.Key));
        Assert.Equal(["createdAt", "id", "name", "token", "tokenId"], Properties(Schema("POST /v1/tenants", "201")).Select(p => p.Key).Order());

        // Request bodies: the credit face's snake_case (GrantCredit's too), the amounts a request needs are required.
        var commit = document["paths"]!["/api/v1/reservations/{reservationId}/commit"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        var commitSchema = schemas[((string)commit["$ref"]!).Split('/')[^1]]!;
        Assert.Equal(["actual_amount", "resource_id"], commitSchema["properties"]!.AsObject().Select(p => p.Key).Order());
        Assert.Contains("actual_amount", commitSchema["required"]!.AsArray().Select(n => (string?)n));
        var grant = document["paths"]!["/v1/tenants/{tenantId}/credit"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Contains("project_id", schemas[((string)grant["$ref"]!).Split('/')[^1]]!["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task The_group_faces_document_open_spot_bodies_snake_case_platform_records_and_prometheus_text()
    {
        var document = await DocumentAsync();
        var schemas = document["components"]!["schemas"]!.AsObject();
        JsonObject BodyOf(string path, string method = "post") =>
            schemas[((string)document["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!).Split('/')[^1]]!.AsObject();

        // A SpotInst body is taken verbatim: fields the product does not act on are allowed (stored, echoed, warned about).
        foreach (var (path, method) in new[] { ("/v1/spot/{account}/elastigroups", "post"), ("/v1/spot/{account}/instances/{id}", "put") })
        {
            var body = BodyOf(path, method);
            Assert.True(body["additionalProperties"] is JsonObject { Count: 0 }, $"{method} {path} does not document its unknown fields as allowed");
            Assert.Contains("name", body["properties"]!.AsObject().Select(p => p.Key));
        }

        // The platform face is snake_case as its API reference.
        var provision = BodyOf("/provision");
        Assert.Equal(["cluster", "provision"], provision["properties"]!.AsObject().Select(p => p.Key).Order());
        Assert.Contains("desired_count", schemas["NodeGroup"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Contains("node_group_id", schemas["ProvisionTarget"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["cluster_id", "node_id"], BodyOf("/deprovision")["properties"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(["agent_address", "node_id"], schemas["ClusterDiscoveryNode"]!["properties"]!.AsObject().Select(p => p.Key).Order());
        Assert.Equal(["count", "node_ids"], schemas["NodeProvisionResponse"]!["properties"]!.AsObject().Select(p => p.Key).Order());

        // The metrics are Prometheus text, not JSON.
        var metrics = document["paths"]!["/v1/spot/metrics"]!["get"]!["responses"]!["200"]!["content"]!.AsObject();
        Assert.Equal(["text/plain"], metrics.Select(c => c.Key));
    }

    /// <summary>The routes that are in the document without typed schemas yet (the faces still to be typed), for the record.</summary>
    [Fact]
    public void The_untyped_routes_are_the_other_faces()
    {
        var untyped = Routes().Where(r => !TypedOperations.Contains(r)).ToList();
        Assert.All(untyped, r => Assert.DoesNotMatch(@"^(GET|POST|PUT|DELETE) (/v1/(workloads|tokens|tenants|simulation)|/api/v1/(wallets|reservations|providers|templates|requests)|/v1/spot/\{account\}|/discover|/provision|/deprovision)(/|$)", r));
    }
}
