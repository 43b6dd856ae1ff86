using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Cli;
using Arbitrage.Orleans.Tests.Cli;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>
/// Host-factory requests over real HTTP on a real silo and PostgreSQL: the seed's two POST examples sent verbatim, the
/// machines launched as workloads until the request completes, idempotency, refusals that create nothing, returning
/// the machines, a replaced interrupted machine, paging, and the <c>arb requests</c> verbs.
/// The test's providers are the product's simulated clouds, named as the seed's (<c>aws-us-east-1</c>, <c>aws-us-west-2</c>),
/// so the seed's examples are sent unchanged; the template <c>web-server</c> is written into the test's templates folder.
/// </summary>
public sealed class HostFactoryRequestsTests(HostFactoryRequestsTests.Silo silo) : IClassFixture<HostFactoryRequestsTests.Silo>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private async Task<HttpClient> NewTenantAsync()
    {
        var (_, token) = await silo.NewTenantAsync(1000);
        return silo.CheckedClient(token);
    }

    private static Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(HttpClient http, string json, string? key = null) =>
        Api.SendAsync(http, HttpMethod.Post, "/api/v1/requests", json, key is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = key });

    private static string Ask(int count, string preference = """{"type": "explicit", "provider_instance": "aws-us-east-1"}""") =>
        $$"""{"templateId": "web-server", "maxNumber": {{count}}, "providerPreference": {{preference}}}""";

    private static Task<JsonElement> WaitForStatusAsync(HttpClient http, string id, string status) =>
        Api.WaitForAsync(http, $"/api/v1/requests/{id}", r => r.GetProperty("status").GetString() == status, Limit);

    private static List<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    private static async Task<int> WorkloadCountAsync(HttpClient http)
    {
        var (response, body) = await Api.GetAsync(http, "/v1/workloads?limit=200");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("workloads").GetArrayLength();
    }

    [Fact]
    public async Task The_seed_explicit_example_is_answered_in_the_seed_shape_and_completes_when_all_five_machines_run()
    {
        var http = await NewTenantAsync();
        const string request = """
            {
              "templateId": "web-server",
              "maxNumber": 5,
              "providerPreference": {
                "type": "explicit",
                "provider_instance": "aws-us-east-1"
              }
            }
            """;

        var (response, body) = await PostAsync(http, request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(["request_id", "template_id", "requested_count", "provider_selection", "status", "created_at"], Names(body));
        string id = body.GetProperty("request_id").GetString()!;
        Assert.StartsWith("req-", id);
        Assert.Equal("web-server", body.GetProperty("template_id").GetString());
        Assert.Equal(5, body.GetProperty("requested_count").GetInt32());
        Assert.Equal("pending", body.GetProperty("status").GetString());
        Assert.True(DateTimeOffset.TryParse(body.GetProperty("created_at").GetString(), out _));
        var selection = body.GetProperty("provider_selection");
        Assert.Equal(["provider_type", "provider_instance", "selection_reason", "confidence", "alternatives"], Names(selection));
        Assert.Equal("aws", selection.GetProperty("provider_type").GetString());
        Assert.Equal("aws-us-east-1", selection.GetProperty("provider_instance").GetString());
        Assert.StartsWith("Explicitly specified in request", selection.GetProperty("selection_reason").GetString());
        Assert.Equal(1.0, selection.GetProperty("confidence").GetDouble());
        Assert.Equal(0, selection.GetProperty("alternatives").GetArrayLength());

        var done = await WaitForStatusAsync(http, id, "completed");
        Assert.Equal(id, done.GetProperty("request_id").GetString());
        Assert.Equal("aws", done.GetProperty("provider_type").GetString());
        Assert.Equal("aws-us-east-1", done.GetProperty("provider_instance").GetString());
        Assert.True(DateTimeOffset.TryParse(done.GetProperty("completed_at").GetString(), out _));
        var got = done.GetProperty("provider_selection");
        Assert.StartsWith("Explicitly specified in request", got.GetProperty("selection_reason").GetString());
        Assert.Equal(1.0, got.GetProperty("confidence").GetDouble());
        Assert.True(got.GetProperty("selection_time_ms").GetDouble() >= 0);
        var machines = done.GetProperty("machines").EnumerateArray().ToList();
        Assert.Equal(5, machines.Count);
        Assert.All(machines, m =>
        {
            Assert.Equal("running", m.GetProperty("status").GetString());
            Assert.Equal("aws-us-east-1", m.GetProperty("provider_instance").GetString());
            Assert.NotEqual(m.GetProperty("workload_id").GetString(), m.GetProperty("machine_id").GetString()); // the instance, once placed
            Assert.True(DateTimeOffset.TryParse(m.GetProperty("created_at").GetString(), out _));
        });
        Assert.Equal(5, machines.Select(m => m.GetProperty("machine_id").GetString()).Distinct().Count());

        // The machines are the tenant's workloads, placed on the chosen provider, tagged with the request.
        Assert.Equal(5, await WorkloadCountAsync(http));
        var (_, workload) = await Api.GetAsync(http, $"/v1/workloads/{machines[0].GetProperty("workload_id").GetString()}");
        Assert.Equal("RUNNING", workload.GetProperty("status").GetString());
        Assert.Equal(id, workload.GetProperty("metadata").GetProperty("request_id").GetString());
        Assert.Equal("web-server", workload.GetProperty("metadata").GetProperty("template_id").GetString());
        Assert.Equal("subnet-123", workload.GetProperty("metadata").GetProperty("subnet_ids").GetString());
        Assert.Equal(["aws-us-east-1"], workload.GetProperty("requirements").GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("ami-optimized", workload.GetProperty("config").GetProperty("imageId").GetString());

        // The list shows the status the request observed.
        var (_, list) = await Api.GetAsync(http, "/api/v1/requests");
        var listed = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("completed", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_seed_load_balanced_example_balances_across_the_aws_providers_that_can_take_five_machines()
    {
        var http = await NewTenantAsync();
        const string request = """
            {
              "templateId": "web-server",
              "maxNumber": 5,
              "providerPreference": {
                "type": "load_balanced",
                "provider_type": "aws"
              }
            }
            """;

        var (response, body) = await PostAsync(http, request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var selection = body.GetProperty("provider_selection");
        Assert.Equal("aws", selection.GetProperty("provider_type").GetString());
        string chosen = selection.GetProperty("provider_instance").GetString()!;
        Assert.Contains(chosen, new[] { "aws-us-east-1", "aws-us-west-2" }); // aws-small takes at most 2 machines a request
        int weight = chosen == "aws-us-east-1" ? 10 : 5;
        Assert.StartsWith($"Load balanced across 2 AWS providers (weight: {weight}/15)", selection.GetProperty("selection_reason").GetString());
        Assert.Equal(0.9, selection.GetProperty("confidence").GetDouble());
        Assert.Equal([chosen == "aws-us-east-1" ? "aws-us-west-2" : "aws-us-east-1"], selection.GetProperty("alternatives").EnumerateArray().Select(a => a.GetString()));

        var done = await WaitForStatusAsync(http, body.GetProperty("request_id").GetString()!, "completed");
        Assert.All(done.GetProperty("machines").EnumerateArray(), m => Assert.Equal(chosen, m.GetProperty("provider_instance").GetString()));
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_first_request_without_new_machines_and_another_body_is_a_conflict()
    {
        var http = await NewTenantAsync();
        string key = Guid.NewGuid().ToString("N");

        var (first, body) = await PostAsync(http, Ask(2), key);
        var (again, repeat) = await PostAsync(http, Ask(2), key);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        string id = body.GetProperty("request_id").GetString()!;
        Assert.Equal(id, repeat.GetProperty("request_id").GetString());
        Assert.Equal(body.GetProperty("created_at").GetString(), repeat.GetProperty("created_at").GetString());
        await WaitForStatusAsync(http, id, "completed");
        Assert.Equal(2, await WorkloadCountAsync(http));
        var (_, list) = await Api.GetAsync(http, "/api/v1/requests");
        Assert.Equal(1, list.GetProperty("pagination").GetProperty("total_items").GetInt32());

        var (conflict, error) = await PostAsync(http, Ask(3), key);
        Api.AssertError(conflict, error, HttpStatusCode.Conflict, "IDEMPOTENCY_CONFLICT");
        Assert.Equal(2, await WorkloadCountAsync(http));
    }

    [Fact]
    public async Task A_retry_with_its_key_is_answered_even_after_the_template_is_gone()
    {
        // A retry answers the first request as it was: it does not depend on the template or the providers now.
        using var admin = silo.CheckedClient(silo.Host.AdminToken);
        string template = $"retry-{Guid.NewGuid():N}"[..20];
        var (put, _) = await Api.SendAsync(admin, HttpMethod.Put, $"/api/v1/templates/{template}", """{"image_id": "ami-retry", "max_instances": 2}""");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var http = await NewTenantAsync();
        string key = Guid.NewGuid().ToString("N"), ask = $$"""{"templateId": "{{template}}", "maxNumber": 1}""";
        var (first, body) = await PostAsync(http, ask, key);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        var (deleted, _) = await Api.SendAsync(admin, HttpMethod.Delete, $"/api/v1/templates/{template}", null);
        Assert.True(deleted.IsSuccessStatusCode, deleted.StatusCode.ToString());
        var (again, repeat) = await PostAsync(http, ask, key);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(body.GetProperty("request_id").GetString(), repeat.GetProperty("request_id").GetString());
        var (fresh, freshBody) = await PostAsync(http, ask, Guid.NewGuid().ToString("N"));
        Api.AssertError(fresh, freshBody, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
    }

    [Fact]
    public async Task A_request_in_the_records_spelling_is_refused_naming_the_fields_as_it_spells_them()
    {
        var http = await NewTenantAsync();

        var (zero, zeroBody) = await PostAsync(http, """{"template_id": "web-server", "max_number": 0}""");
        Api.AssertError(zero, zeroBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "max_number");
        var (strategy, strategyBody) = await PostAsync(http, """{"template_id": "web-server", "max_number": 1, "provider_preference": {"type": "cheapest"}}""");
        Api.AssertError(strategy, strategyBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "provider_preference.type");
        var (seed, seedBody) = await PostAsync(http, """{"templateId": "web-server", "maxNumber": 1, "providerPreference": {"type": "cheapest"}}""");
        Api.AssertError(seed, seedBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "providerPreference.type");
        var (wrongType, wrongTypeBody) = await PostAsync(http, """{"template_id": "web-server", "max_number": "two"}""");
        Api.AssertError(wrongType, wrongTypeBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "max_number");
    }

    [Fact]
    public async Task Refused_requests_create_nothing()
    {
        var http = await NewTenantAsync();

        var (missing, body) = await PostAsync(http, """{"templateId": "no-such-template", "maxNumber": 1}""");
        Api.AssertError(missing, body, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
        Assert.Contains("web-server", body.GetProperty("error").GetProperty("details").GetProperty("available_templates").EnumerateArray().Select(t => t.GetString()));

        var (zero, zeroBody) = await PostAsync(http, """{"templateId": "web-server", "maxNumber": 0}""");
        Api.AssertError(zero, zeroBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "maxNumber");
        var (absent, absentBody) = await PostAsync(http, """{"template_id": "web-server"}""");
        Api.AssertError(absent, absentBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "maxNumber");

        // Over the template's max_instances (10).
        var (overTemplate, overTemplateBody) = await PostAsync(http, Ask(11));
        Api.AssertError(overTemplate, overTemplateBody, HttpStatusCode.UnprocessableEntity, "INSTANCE_LIMIT_EXCEEDED");
        var details = overTemplateBody.GetProperty("error").GetProperty("details");
        Assert.Equal(11, details.GetProperty("requested_instances").GetInt32());
        Assert.Equal(10, details.GetProperty("limit").GetInt32());

        // Over the provider's limit (aws-small takes 2 machines a request).
        var (overProvider, overProviderBody) = await PostAsync(http, Ask(3, """{"type": "explicit", "provider_instance": "aws-small"}"""));
        Api.AssertError(overProvider, overProviderBody, HttpStatusCode.UnprocessableEntity, "INSTANCE_LIMIT_EXCEEDED");
        var limits = overProviderBody.GetProperty("error").GetProperty("details");
        Assert.Equal(3, limits.GetProperty("requested_instances").GetInt32());
        Assert.Equal(2, limits.GetProperty("provider_limits").GetProperty("aws-small").GetInt32());

        // No eligible provider: a disabled one, a type nobody has.
        var (disabled, disabledBody) = await PostAsync(http, Ask(1, """{"type": "explicit", "provider_instance": "aws-off"}"""));
        Api.AssertError(disabled, disabledBody, HttpStatusCode.UnprocessableEntity, "PROVIDER_DISABLED");
        var (noType, noTypeBody) = await PostAsync(http, """{"templateId": "web-server", "maxNumber": 1, "providerPreference": {"type": "load_balanced", "provider_type": "oracle"}}""");
        Api.AssertError(noType, noTypeBody, HttpStatusCode.UnprocessableEntity, "PROVIDER_TYPE_MISMATCH");
        var (badStrategy, badStrategyBody) = await PostAsync(http, Ask(1, """{"type": "cheapest"}"""));
        Api.AssertError(badStrategy, badStrategyBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "providerPreference.type");

        Assert.Equal(0, await WorkloadCountAsync(http));
        var (_, list) = await Api.GetAsync(http, "/api/v1/requests");
        Assert.Equal(0, list.GetProperty("pagination").GetProperty("total_items").GetInt32());
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Delete_returns_the_machines_and_a_repeat_is_harmless()
    {
        var http = await NewTenantAsync();
        var (_, body) = await PostAsync(http, Ask(2));
        string id = body.GetProperty("request_id").GetString()!;
        var running = await WaitForStatusAsync(http, id, "completed");

        var (deleted, answer) = await Api.SendAsync(http, HttpMethod.Delete, $"/api/v1/requests/{id}");

        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        Assert.Equal("cancelled", answer.GetProperty("status").GetString());
        Assert.Equal(2, answer.GetProperty("machines").GetArrayLength());
        Assert.All(answer.GetProperty("machines").EnumerateArray(), m => Assert.Contains(m.GetProperty("status").GetString(), new[] { "terminating", "terminated" }));
        var ended = await Api.WaitForAsync(http, $"/api/v1/requests/{id}",
            r => r.GetProperty("machines").EnumerateArray().All(m => m.GetProperty("status").GetString() == "terminated"), Limit);
        Assert.Equal("cancelled", ended.GetProperty("status").GetString());
        foreach (var machine in running.GetProperty("machines").EnumerateArray())
        {
            var (_, workload) = await Api.GetAsync(http, $"/v1/workloads/{machine.GetProperty("workload_id").GetString()}");
            Assert.Equal("TERMINATED", workload.GetProperty("status").GetString());
        }

        var (repeat, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/api/v1/requests/{id}");
        Assert.Equal(HttpStatusCode.Accepted, repeat.StatusCode);
    }

    [Fact]
    public async Task An_interrupted_machine_is_replaced_and_the_request_stays_complete_with_the_new_instance()
    {
        // The simulation's interruption hook needs an operator token: the bootstrap tenant's.
        using var http = silo.CheckedClient(silo.Host.AdminToken);
        var (_, body) = await PostAsync(http, Ask(1));
        string id = body.GetProperty("request_id").GetString()!;
        var before = (await WaitForStatusAsync(http, id, "completed")).GetProperty("machines")[0];
        string workloadId = before.GetProperty("workload_id").GetString()!;
        string oldInstance = before.GetProperty("machine_id").GetString()!;

        var (interrupted, _) = await Api.PostAsync(http, $"/v1/simulation/workloads/{workloadId}/interrupt", "{}");
        Assert.Equal(HttpStatusCode.Accepted, interrupted.StatusCode);

        var after = await Api.WaitForAsync(http, $"/api/v1/requests/{id}", r =>
            r.GetProperty("machines")[0] is var m && m.GetProperty("status").GetString() == "running" && m.GetProperty("machine_id").GetString() != oldInstance, Limit);
        Assert.Equal("completed", after.GetProperty("status").GetString());
        Assert.Equal(workloadId, after.GetProperty("machines")[0].GetProperty("workload_id").GetString());
    }

    [Fact]
    public async Task The_list_pages_and_another_tenants_request_is_missing()
    {
        var http = await NewTenantAsync();
        var ids = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var (response, body) = await PostAsync(http, Ask(1));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add(body.GetProperty("request_id").GetString()!);
        }

        var (_, first) = await Api.GetAsync(http, "/api/v1/requests?page_size=2");
        Assert.Equal(2, first.GetProperty("data").GetArrayLength());
        var pagination = first.GetProperty("pagination");
        Assert.Equal(3, pagination.GetProperty("total_items").GetInt32());
        Assert.Equal(2, pagination.GetProperty("total_pages").GetInt32());
        Assert.True(pagination.GetProperty("has_next").GetBoolean());
        Assert.False(pagination.GetProperty("has_previous").GetBoolean());
        var (_, second) = await Api.GetAsync(http, "/api/v1/requests?page=2&page_size=2");
        Assert.Equal(1, second.GetProperty("data").GetArrayLength());
        var all = first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(r => r.GetProperty("request_id").GetString()).ToList();
        Assert.Equal(ids.AsEnumerable().Reverse(), all); // newest first
        var (badSort, badSortBody) = await Api.GetAsync(http, "/api/v1/requests?sort=colour:asc");
        Api.AssertError(badSort, badSortBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "sort");

        var stranger = await NewTenantAsync();
        var (hidden, hiddenBody) = await Api.GetAsync(stranger, $"/api/v1/requests/{ids[0]}");
        Api.AssertError(hidden, hiddenBody, HttpStatusCode.NotFound, "REQUEST_NOT_FOUND");
        var (notDeleted, notDeletedBody) = await Api.SendAsync(stranger, HttpMethod.Delete, $"/api/v1/requests/{ids[0]}");
        Api.AssertError(notDeleted, notDeletedBody, HttpStatusCode.NotFound, "REQUEST_NOT_FOUND");
        var (_, strangerList) = await Api.GetAsync(stranger, "/api/v1/requests");
        Assert.Equal(0, strangerList.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task The_cli_creates_and_waits_shows_lists_and_cancels_requests_with_its_exit_codes()
    {
        var (_, token) = await silo.NewTenantAsync(1000);
        using var cli = new CliRunner(silo.Host.BaseAddress, token);

        var created = await cli.RunAsync("requests", "create", "--template", "web-server", "--count", "2", "--provider", "aws-us-east-1", "--wait", "--timeout", "60s");
        Assert.True(created.ExitCode == ArbCli.Success, created.ToString());
        Assert.Contains("-> running", created.Out);
        Assert.Contains("completed", created.Out);
        Assert.Contains("Explicitly specified in request", created.Out);
        string id = System.Text.RegularExpressions.Regex.Match(created.Out, "req-[0-9a-f]+").Value;

        var show = await cli.RunAsync("requests", "show", id);
        Assert.True(show.ExitCode == ArbCli.Success, show.ToString());
        Assert.Contains("MACHINE", show.Out);
        Assert.Contains("aws-us-east-1", show.Out);
        var json = JsonDocument.Parse((await cli.RunAsync("requests", "show", id, "--output", "json")).Out).RootElement;
        Assert.Equal("completed", json.GetProperty("status").GetString());
        // The API's fields in the API's order, the ones without a value (status_reason) as null.
        Assert.Equal(["request_id", "template_id", "requested_count", "provider_type", "provider_instance", "status", "status_reason", "machines", "provider_selection", "created_at", "completed_at"],
            json.EnumerateObject().Select(p => p.Name));

        var list = await cli.RunAsync("requests", "list");
        Assert.True(list.ExitCode == ArbCli.Success, list.ToString());
        Assert.Contains(id, list.Out);
        Assert.Contains("STATUS", list.Out);

        var balanced = await cli.RunAsync("requests", "create", "--template", "web-server", "--count", "1", "--provider-type", "aws", "-o", "json");
        Assert.True(balanced.ExitCode == ArbCli.Success, balanced.ToString());
        Assert.StartsWith("Load balanced", JsonDocument.Parse(balanced.Out).RootElement.GetProperty("provider_selection").GetProperty("selection_reason").GetString());

        var cancelled = await cli.RunAsync("requests", "cancel", id);
        Assert.True(cancelled.ExitCode == ArbCli.Success, cancelled.ToString());
        Assert.Contains("cancelled", cancelled.Out);

        var missing = await cli.RunAsync("requests", "create", "--template", "nope", "--count", "1");
        Assert.Equal(ArbCli.Failure, missing.ExitCode);
        Assert.Contains("TEMPLATE_NOT_FOUND", missing.Error);
        var usage = await cli.RunAsync("requests", "create", "--template", "web-server");
        Assert.Equal(ArbCli.UsageError, usage.ExitCode);
        var unknown = await cli.RunAsync("requests", "show", "req-0000000000000000");
        Assert.Equal(ArbCli.Failure, unknown.ExitCode);
        Assert.Contains("REQUEST_NOT_FOUND", unknown.Error);
    }

    /// <summary>
    /// A silo with the simulated clouds named as the seed's providers (plus <c>aws-small</c>, 2 machines a request, and the
    /// disabled <c>aws-off</c>), fast workload timings, the template <c>web-server</c>, and the request rate limit lifted.
    /// </summary>
    public sealed class Silo() : InProcessSiloFixture(Settings())
    {
        private static Dictionary<string, string?> Settings()
        {
            var settings = SiloProcess.FastWorkloads.ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);
            settings["Market:ProvidersFile"] = WriteProvidersFile();
            settings["Market:TemplatesDirectory"] = WriteTemplates();
            settings["RateLimits:Classes:Requests:PermitLimit"] = "100000";
            return settings;
        }

        private static string WriteProvidersFile()
        {
            string path = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
            File.WriteAllText(path, """
                {"providers": [
                  {"name": "aws-us-east-1", "type": "aws", "priority": 1, "weight": 10, "capabilities": ["EC2Fleet", "SpotFleet", "RunInstances"], "regions": ["us-east-1"], "simulation": {"seed": 1, "speed": 1, "bootDelay": "00:00:00.300"}},
                  {"name": "aws-us-west-2", "type": "aws", "priority": 2, "weight": 5, "capabilities": ["EC2Fleet", "RunInstances"], "regions": ["us-west-2"], "simulation": {"seed": 4, "speed": 1, "bootDelay": "00:00:00.300"}},
                  {"name": "aws-small", "type": "aws", "priority": 3, "weight": 1, "capabilities": ["EC2Fleet"], "regions": ["us-east-1"], "limits": {"maxInstancesPerRequest": 2}, "simulation": {"seed": 5, "speed": 1, "bootDelay": "00:00:00.300"}},
                  {"name": "aws-off", "type": "aws", "enabled": false, "simulation": {"seed": 6, "speed": 1}},
                  {"name": "azure-east-us", "type": "azure", "priority": 2, "weight": 5, "simulation": {"seed": 2, "speed": 1, "bootDelay": "00:00:00.300"}}
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
                  {"template_id": "web-server", "provider_type": "aws", "provider_api": "EC2Fleet", "image_id": "ami-optimized", "subnet_ids": ["subnet-123"],
                   "max_instances": 10, "min_cpu": 2, "min_memory_gb": 4}
                ]}
                """);
            return directory;
        }
    }
}
