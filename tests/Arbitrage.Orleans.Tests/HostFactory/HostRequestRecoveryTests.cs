using System.Net;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>
/// A request is durable once answered: no reminder is written for it, yet when the silo that took it stops before its
/// machines are created, the next silo on the same database finds it (the sweep of unfinished requests at its start)
/// and creates them.
/// </summary>
public sealed class HostRequestRecoveryTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private readonly string _templates = Path.Combine(Path.GetTempPath(), $"request-recovery-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_templates);
        await File.WriteAllTextAsync(Path.Combine(_templates, "templates.json"), """
            {"templates": [{"template_id": "web", "image_id": "ami-web", "max_instances": 5, "min_cpu": 2, "min_memory_gb": 4}]}
            """);
        await _postgres.InitializeAsync();
    }

    [Fact]
    public async Task A_request_whose_silo_stopped_before_creating_its_machines_gets_them_from_the_next_silo()
    {
        string database = await _postgres.CreateDatabaseAsync();
        var settings = SiloProcess.FastWorkloads.ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);
        settings["Market:TemplatesDirectory"] = _templates;
        settings["Orleans:ClusterId"] = $"recovery-{Guid.NewGuid():N}";
        settings["Bootstrap:InitialCredit"] = "1000";
        string id;
        await using (var first = await InProcessSilo.StartAsync(database, new Dictionary<string, string?>(settings) { ["HostRequests:CreationDelay"] = "01:00:00" }))
        {
            using var http = first.ClientWith(first.AdminToken);
            var (response, body) = await Api.SendAsync(http, HttpMethod.Post, "/api/v1/requests", """{"templateId": "web", "maxNumber": 5}""",
                new Dictionary<string, string> { ["Idempotency-Key"] = "recovery-1" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            id = body.GetProperty("request_id").GetString()!;
            Assert.Equal(0, await WorkloadCountAsync(http)); // the silo stops with none of the machines created
        }

        await using var second = await InProcessSilo.StartAsync(database, settings);
        using var client = second.ClientWith(second.AdminToken);
        await Eventually.TrueAsync(async () => await WorkloadCountAsync(client) == 5, TimeSpan.FromSeconds(60));
        var request = await Api.WaitForAsync(client, $"/api/v1/requests/{id}",
            r => r.GetProperty("machines").EnumerateArray().All(m => !m.TryGetProperty("reason", out var reason)
                || reason.ValueKind != System.Text.Json.JsonValueKind.String || !reason.GetString()!.StartsWith("being created", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60));
        Assert.Equal(5, request.GetProperty("machines").GetArrayLength());
    }

    private static async Task<int> WorkloadCountAsync(HttpClient http)
    {
        var (response, body) = await Api.GetAsync(http, "/v1/workloads?limit=200");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("workloads").GetArrayLength();
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(_templates, recursive: true);
    }
}
