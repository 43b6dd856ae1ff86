using System.Net;
using System.Text.Json;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>The workload lifecycle over real HTTP against the silo process on PostgreSQL and the simulated clouds.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class WorkloadApiTests(WorkloadSiloFixture fixture)
{
    private const string Small = """{"minCPU": 2, "minMemoryGB": 4}""";

    private static string Workload(string name, string requirements = Small, string extra = "") =>
        $$"""{"name": "{{name}}", "requirements": {{requirements}}, "config": {"imageId": "ami-0123456789abcdef0", "healthCheckPath": "/health"}{{extra}}}""";

    private static async Task<string> CreateAsync(HttpClient http, string body)
    {
        var (response, created) = await Api.PostAsync(http, "/v1/workloads", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("PENDING", created.Status());
        return created.GetProperty("id").GetString()!;
    }

    private static Task<JsonElement> WaitForStatusAsync(HttpClient http, string id, string status) =>
        Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == status);

    private static async Task<JsonElement> WalletAsync(HttpClient http, string projectId)
    {
        var (response, body) = await Api.GetAsync(http, $"/api/v1/wallets/{projectId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("data");
    }

    private static async Task<decimal> SumOfTransactionsAsync(HttpClient http, string projectId)
    {
        decimal sum = 0;
        string? cursor = null;
        do
        {
            var (response, body) = await Api.GetAsync(http, $"/api/v1/wallets/{projectId}/transactions?limit=7{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            sum += body.GetProperty("data").GetProperty("transactions").EnumerateArray().Sum(t => t.GetProperty("amount").GetDecimal());
            cursor = body.GetProperty("data").GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        return sum;
    }

    [Fact]
    public async Task A_workload_lands_on_the_cheapest_offer_runs_is_charged_and_terminates()
    {
        var (tenant, http) = await fixture.NewTenantAsync(50);
        var (_, estimate) = await Api.PostAsync(http, "/v1/pricing/estimate", Small);
        var best = estimate.GetProperty("recommended");

        var id = await CreateAsync(http, Workload("batch-1"));
        var running = await WaitForStatusAsync(http, id, "RUNNING");

        var placement = running.GetProperty("placement");
        Assert.Equal(best.GetProperty("providerName").GetString(), placement.GetProperty("providerName").GetString());
        Assert.Equal(best.GetProperty("zone").GetString(), placement.GetProperty("zone").GetString());
        Assert.Equal(best.GetProperty("instanceType").GetString(), placement.GetProperty("instanceType").GetString());
        Assert.Equal(best.GetProperty("market").GetString(), placement.GetProperty("market").GetString());
        Assert.Equal($"{id}.workloads.arbitrage.local", running.GetProperty("endpoint").GetString());
        Assert.NotEqual(JsonValueKind.Null, running.GetProperty("startedAt").ValueKind);
        var (_, endpoint) = await Api.GetAsync(http, $"/v1/workloads/{id}/endpoint");
        Assert.Equal("HEALTHY", endpoint.GetProperty("status").GetString());
        Assert.Equal($"tcp-{id}.workloads.arbitrage.local", endpoint.GetProperty("tcp").GetString());

        // Credit is held while it runs, and cost is committed every (test) billing period of 2 s.
        Assert.True((await WalletAsync(http, tenant)).GetProperty("reserved").GetDecimal() > 0);
        var charged = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.GetProperty("committedCost").GetDecimal() > 0);
        Assert.True(charged.GetProperty("costToDate").GetDecimal() >= charged.GetProperty("committedCost").GetDecimal());

        var (deleted, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var terminated = await WaitForStatusAsync(http, id, "TERMINATED");
        Assert.Equal("USER_REQUESTED", terminated.OptionalString("statusReason"));
        Assert.False(terminated.TryGetProperty("placement", out _));
        Assert.Equal("USER_REQUESTED", terminated.GetProperty("placements")[0].GetProperty("endReason").GetString());

        // Everything reserved came back; what was charged is exactly the workload's cost, and the balance is the sum of transactions.
        var wallet = await WalletAsync(http, tenant);
        Assert.Equal(0m, wallet.GetProperty("reserved").GetDecimal());
        decimal cost = terminated.GetProperty("costToDate").GetDecimal();
        Assert.True(cost > 0);
        Assert.Equal(50m - cost, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(wallet.GetProperty("balance").GetDecimal(), await SumOfTransactionsAsync(http, tenant));

        var (again, againBody) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Api.AssertError(again, againBody, HttpStatusCode.BadRequest, "WORKLOAD_ALREADY_TERMINATED");
        var (_, events) = await Api.GetAsync(http, $"/v1/workloads/{id}/events");
        var transitions = events.GetProperty("events").EnumerateArray().Where(e => e.OptionalString("to") is not null)
            .Select(e => e.OptionalString("to")).ToList();
        Assert.Equal(["PENDING", "PROVISIONING", "RUNNING", "STOPPING", "TERMINATED"], transitions);
        Assert.All(events.GetProperty("events").EnumerateArray(), e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));
    }

    [Fact]
    public async Task An_interrupted_workload_moves_to_the_next_offer_within_the_notice_and_keeps_its_id_and_endpoint()
    {
        var http = fixture.Silo.Http;
        var id = await CreateAsync(http, Workload("interruptible"));
        var before = (await WaitForStatusAsync(http, id, "RUNNING")).GetProperty("placement");

        var (interrupted, _) = await Api.PostAsync(http, $"/v1/simulation/workloads/{id}/interrupt", "{}");
        Assert.Equal(HttpStatusCode.Accepted, interrupted.StatusCode);

        var moved = await Api.WaitForAsync(http, $"/v1/workloads/{id}",
            w => w.GetProperty("placements").GetArrayLength() == 2 && w.Status() == "RUNNING" && w.TryGetProperty("placement", out _));
        var first = moved.GetProperty("placements")[0];
        Assert.Equal(before.GetProperty("instanceId").GetString(), first.GetProperty("instanceId").GetString());
        Assert.Equal("SPOT_INTERRUPTION", first.GetProperty("endReason").GetString());
        var after = moved.GetProperty("placement");
        Assert.NotEqual(before.GetProperty("instanceId").GetString(), after.GetProperty("instanceId").GetString());
        Assert.False(before.GetProperty("zone").GetString() == after.GetProperty("zone").GetString()
                     && before.GetProperty("instanceType").GetString() == after.GetProperty("instanceType").GetString(), "the replacement is on another market");
        Assert.Equal(id, moved.GetProperty("id").GetString());
        Assert.Equal($"{id}.workloads.arbitrage.local", moved.GetProperty("endpoint").GetString());

        // Make before break: the replacement was launched right after the notice, long before the termination it announced.
        var (_, events) = await Api.GetAsync(http, $"/v1/workloads/{id}/events");
        var all = events.GetProperty("events").EnumerateArray().ToList();
        var notice = all.Single(e => e.GetProperty("type").GetString() == "INTERRUPTION_NOTICE");
        var launch = all.Single(e => e.GetProperty("type").GetString() == "REPLACEMENT_LAUNCHED");
        var gap = launch.GetProperty("at").GetDateTimeOffset() - notice.GetProperty("at").GetDateTimeOffset();
        Assert.InRange(gap, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_workload_restricted_to_a_zone_runs_and_moves_only_in_it()
    {
        var http = fixture.Silo.Http;
        // A zone other than the cheapest offer's, so the restriction is what puts the workload there.
        var (_, anywhere) = await Api.PostAsync(http, "/v1/pricing/estimate", """{"minCPU": 2, "minMemoryGB": 4, "providers": ["sim-aws"], "preferredRegions": ["us-east-1"]}""");
        var (_, current) = await Api.GetAsync(http, "/v1/pricing/current?provider=sim-aws&region=us-east-1&limit=500");
        string zone = current.GetProperty("prices").EnumerateArray().Select(p => p.GetProperty("zone").GetString()!).Distinct().Order(StringComparer.Ordinal)
            .First(z => z != anywhere.GetProperty("recommended").GetProperty("zone").GetString());

        var id = await CreateAsync(http, Workload("zoned", $$"""{"minCPU": 2, "minMemoryGB": 4, "providers": ["sim-aws"], "zones": ["{{zone}}"]}"""));
        var running = await WaitForStatusAsync(http, id, "RUNNING");
        Assert.Equal(zone, running.GetProperty("placement").GetProperty("zone").GetString());
        Assert.Equal([zone], running.GetProperty("requirements").GetProperty("zones").EnumerateArray().Select(z => z.GetString()));

        // Interrupted, it moves to another market of the same zone.
        await Api.PostAsync(http, $"/v1/simulation/workloads/{id}/interrupt", "{}");
        var moved = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.GetProperty("placements").GetArrayLength() == 2 && w.Status() == "RUNNING" && w.TryGetProperty("placement", out _));
        Assert.All(moved.GetProperty("placements").EnumerateArray(), p => Assert.Equal(zone, p.GetProperty("zone").GetString()));
        await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
    }

    [Fact]
    public async Task A_workload_failing_its_health_check_is_replaced_and_says_why()
    {
        var http = fixture.Silo.Http;
        var id = await CreateAsync(http, Workload("flaky"));
        var before = (await WaitForStatusAsync(http, id, "RUNNING")).GetProperty("placement").GetProperty("instanceId").GetString();

        var (response, _) = await Api.PostAsync(http, $"/v1/simulation/workloads/{id}/health", """{"healthy": false}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The UNHEALTHY endpoint lasts only until the replacement (a few health-check intervals), too short to poll
        // for reliably on a busy machine; the ended placement and the events below say what happened.

        var replaced = await Api.WaitForAsync(http, $"/v1/workloads/{id}",
            w => w.Status() == "RUNNING" && w.GetProperty("placement").GetProperty("instanceId").GetString() != before);
        var ended = replaced.GetProperty("placements").EnumerateArray().Single(p => p.GetProperty("instanceId").GetString() == before);
        Assert.Equal("HEALTH_CHECK_FAILED", ended.GetProperty("endReason").GetString());
        var (_, events) = await Api.GetAsync(http, $"/v1/workloads/{id}/events");
        Assert.Contains(events.GetProperty("events").EnumerateArray(),
            e => e.OptionalString("to") == "PROVISIONING" && e.GetProperty("reason").GetString()!.Contains("HEALTH_CHECK_FAILED"));
    }

    [Fact]
    public async Task Without_credit_a_workload_waits_saying_so_and_starts_after_a_top_up()
    {
        var (tenant, http) = await fixture.NewTenantAsync(0);
        var id = await CreateAsync(http, Workload("unfunded"));

        var waiting = await Api.WaitForAsync(http, $"/v1/workloads/{id}",
            w => w.OptionalString("statusReason")?.StartsWith("INSUFFICIENT_CREDIT", StringComparison.Ordinal) == true);
        Assert.Equal("PENDING", waiting.Status());

        var (granted, _) = await Api.PostAsync(fixture.Silo.Http, $"/v1/tenants/{tenant}/credit", """{"amount": 5, "description": "first credit"}""");
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        await WaitForStatusAsync(http, id, "RUNNING");
    }

    [Fact]
    public async Task A_workload_whose_credit_runs_out_is_stopped_and_terminated_with_that_reason()
    {
        var (tenant, http) = await fixture.NewTenantAsync(0.00002m);
        var id = await CreateAsync(http, Workload("short-lived"));

        var ended = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "TERMINATED", TimeSpan.FromSeconds(60));
        Assert.StartsWith("INSUFFICIENT_CREDIT", ended.OptionalString("statusReason"));
        Assert.NotEqual(JsonValueKind.Null, ended.GetProperty("startedAt").ValueKind);
        var wallet = await WalletAsync(http, tenant);
        Assert.True(wallet.GetProperty("available").GetDecimal() >= 0);
        Assert.Equal(0m, wallet.GetProperty("reserved").GetDecimal());
        Assert.Equal(wallet.GetProperty("balance").GetDecimal(), await SumOfTransactionsAsync(http, tenant));
        Assert.Equal(0.00002m - ended.GetProperty("committedCost").GetDecimal(), wallet.GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task A_workload_charges_the_wallet_named_by_its_project_id()
    {
        var (tenant, http) = await fixture.NewTenantAsync(0);
        var (created, _) = await Api.PostAsync(http, "/api/v1/wallets", """{"project_id": "research", "initial_balance": 0}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (granted, _) = await Api.PostAsync(fixture.Silo.Http, $"/v1/tenants/{tenant}/credit", """{"project_id": "research", "amount": 3}""");
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);

        var id = await CreateAsync(http, Workload("research-job", extra: """, "metadata": {"project_id": "research", "team": "ml"}"""));
        var running = await WaitForStatusAsync(http, id, "RUNNING");
        Assert.Equal("research", running.GetProperty("projectId").GetString());
        Assert.Equal("ml", running.GetProperty("metadata").GetProperty("team").GetString());
        Assert.True((await WalletAsync(http, "research")).GetProperty("reserved").GetDecimal() > 0);
    }

    [Fact]
    public async Task An_idempotency_key_returns_the_first_workload_and_refuses_a_different_body()
    {
        var http = fixture.Silo.Http;
        var key = new Dictionary<string, string> { ["Idempotency-Key"] = Guid.NewGuid().ToString() };
        var (first, firstBody) = await Api.SendAsync(http, HttpMethod.Post, "/v1/workloads", Workload("once"), key);
        var (second, secondBody) = await Api.SendAsync(http, HttpMethod.Post, "/v1/workloads", Workload("once"), key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal(firstBody.GetProperty("id").GetString(), secondBody.GetProperty("id").GetString());
        Assert.Equal(firstBody.GetProperty("createdAt").GetString(), secondBody.GetProperty("createdAt").GetString());

        var (conflict, conflictBody) = await Api.SendAsync(http, HttpMethod.Post, "/v1/workloads", Workload("different"), key);
        Api.AssertError(conflict, conflictBody, HttpStatusCode.Conflict, "IDEMPOTENCY_CONFLICT");
        var (other, otherBody) = await Api.PostAsync(http, "/v1/workloads", Workload("once"));
        Assert.NotEqual(firstBody.GetProperty("id").GetString(), otherBody.GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
    }

    [Fact]
    public async Task The_list_pages_newest_first_with_a_cursor_and_filters_by_status()
    {
        var (_, http) = await fixture.NewTenantAsync(0);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++) ids.Add(await CreateAsync(http, Workload($"listed-{i}")));

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var (response, page) = await Api.GetAsync(http, $"/v1/workloads?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.InRange(page.GetProperty("workloads").GetArrayLength(), 1, 2);
            seen.AddRange(page.GetProperty("workloads").EnumerateArray().Select(w => w.GetProperty("id").GetString()!));
            cursor = page.OptionalString("nextCursor");
        }
        while (cursor is not null);

        Assert.Equal(Enumerable.Reverse(ids), seen);
        var (_, pending) = await Api.GetAsync(http, "/v1/workloads?status=pending&limit=200");
        Assert.Equal(5, pending.GetProperty("workloads").GetArrayLength()); // no credit: all wait in PENDING
        var (_, running) = await Api.GetAsync(http, "/v1/workloads?status=RUNNING");
        Assert.Equal(0, running.GetProperty("workloads").GetArrayLength());
    }

    [Theory]
    [InlineData("{\"name\": \"x\", ", HttpStatusCode.BadRequest, "INVALID_JSON", null)]
    [InlineData("{\"requirements\": {\"minCPU\": 2, \"minMemoryGB\": 4}, \"config\": {\"imageId\": \"ami-1\"}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "name")]
    [InlineData("{\"name\": \"x\", \"requirements\": {\"minCPU\": \"two\", \"minMemoryGB\": 4}, \"config\": {\"imageId\": \"ami-1\"}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "requirements.minCPU")]
    [InlineData("{\"name\": \"x\", \"requirements\": {\"minCPU\": 2, \"minMemoryGB\": 4, \"gpuType\": \"nvidia-h900\"}, \"config\": {\"imageId\": \"ami-1\"}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "requirements.gpuType")]
    [InlineData("{\"name\": \"x\", \"requirements\": {\"minCPU\": 2, \"minMemoryGB\": 4}, \"config\": {\"imageId\": \"ami-1\", \"healthCheckPort\": 70000}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "config.healthCheckPort")]
    [InlineData("{\"name\": \"x\", \"requirements\": {\"minCPU\": 2, \"minMemoryGB\": 4}, \"config\": {}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "config.imageId")]
    [InlineData("{\"name\": \"x\", \"requirements\": {\"minCPU\": 2, \"minMemoryGB\": 4}, \"config\": {\"imageId\": \"ami-1\"}, \"metadata\": {\"team\": 7}}", HttpStatusCode.BadRequest, "VALIDATION_ERROR", "metadata.team")]
    public async Task Bad_workload_requests_get_400_naming_the_field(string body, HttpStatusCode status, string code, string? field)
    {
        var (response, error) = await Api.PostAsync(fixture.Silo.Http, "/v1/workloads", body);
        Api.AssertError(response, error, status, code, field);
    }

    [Theory]
    [InlineData("/v1/workloads?status=SLEEPING", "status")]
    [InlineData("/v1/workloads?limit=500", "limit")]
    [InlineData("/v1/workloads?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/v1/wallets/default/transactions?cursor=abc", "cursor")]
    public async Task Bad_query_parameters_get_400_naming_them(string path, string field)
    {
        var (response, error) = await Api.GetAsync(fixture.Silo.Http, path);
        Api.AssertError(response, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_an_unknown_workload_404()
    {
        var (large, largeBody) = await Api.PostAsync(fixture.Silo.Http, "/v1/workloads", $$"""{"name": "{{new string('x', 300_000)}}"}""");
        Api.AssertError(large, largeBody, HttpStatusCode.RequestEntityTooLarge, "PAYLOAD_TOO_LARGE");
        var (missing, missingBody) = await Api.GetAsync(fixture.Silo.Http, "/v1/workloads/wk-000000000000");
        Api.AssertError(missing, missingBody, HttpStatusCode.NotFound, "WORKLOAD_NOT_FOUND");
    }

    [Fact]
    public async Task The_openapi_document_lists_every_route()
    {
        using var anonymous = fixture.Silo.ClientWith(null);
        var (response, document) = await Api.GetAsync(anonymous, "/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
                 {
                     ("/v1/workloads", "post"), ("/v1/workloads", "get"), ("/v1/workloads/{workloadId}", "get"), ("/v1/workloads/{workloadId}", "delete"),
                     ("/v1/workloads/{workloadId}/endpoint", "get"), ("/v1/workloads/{workloadId}/events", "get"), ("/v1/pricing/estimate", "post"),
                     ("/v1/pricing/current", "get"), ("/v1/tokens", "post"), ("/v1/tokens", "get"), ("/v1/tokens/{tokenId}", "delete"), ("/v1/tenants", "post"), ("/v1/tenants/{tenantId}/credit", "post"),
                     ("/api/v1/wallets", "post"), ("/api/v1/wallets/{projectId}", "get"), ("/api/v1/wallets/{projectId}/topup", "post"),
                     ("/api/v1/wallets/{projectId}/transactions", "get"), ("/api/v1/reservations", "post"), ("/api/v1/reservations/{reservationId}/commit", "post"),
                     ("/api/v1/reservations/{reservationId}/release", "post"), ("/api/v1/providers", "get"),
                 })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not documented");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method.ToUpperInvariant()} {path} is not documented");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
        }
    }
}
