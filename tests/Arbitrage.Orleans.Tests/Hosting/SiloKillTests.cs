using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Hosting;

/// <summary>
/// Two silo processes on one PostgreSQL, one of them SIGKILLed: every wallet and workload, wherever it was active,
/// answers from the survivor with what was last acknowledged to the client.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloKillTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Wallets_and_workloads_of_a_killed_silo_come_back_with_their_last_acknowledged_state()
    {
        var database = new Dictionary<string, string>
        {
            ["ConnectionStrings__Arbitrage"] = await postgres.CreateDatabaseAsync(),
            ["Workloads__ProvisioningPollInterval"] = "00:00:00.200",
            ["Workloads__HealthCheckInterval"] = "00:00:00.500",
        };
        await using var survivor = SiloProcess.Start([], database);
        await survivor.WaitUntilServingAsync();
        await using var victim = SiloProcess.Start([], database);
        await victim.WaitUntilServingAsync();

        // Acknowledged writes, made through both silos so that grains live on both.
        var wallets = new Dictionary<string, (decimal Balance, decimal Reserved)>();
        var workloads = new Dictionary<string, string>();
        for (int i = 0; i < 12; i++)
        {
            var http = i % 2 == 0 ? survivor.Http : victim.Http;
            string project = $"kill-{i}";
            var (created, _) = await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": {{i + 1}}}""");
            Assert.True(created.IsSuccessStatusCode, $"wallet {project}: {created.StatusCode}");
            var (reserved, _) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 0.5, "ttl_seconds": 3600}""");
            Assert.True(reserved.IsSuccessStatusCode, $"reservation in {project}: {reserved.StatusCode}");
            var (_, wallet) = await Api.GetAsync(http, $"/api/v1/wallets/{project}");
            wallets[project] = (wallet.GetProperty("data").GetProperty("balance").GetDecimal(), wallet.GetProperty("data").GetProperty("reserved").GetDecimal());

            var (accepted, workload) = await Api.PostAsync(http, "/v1/workloads",
                $$$"""{"name": "kill-{{{i}}}", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-0123456789abcdef0"}}""");
            Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
            workloads[workload.GetProperty("id").GetString()!] = $"kill-{i}";
        }

        await victim.KillAsync();

        foreach (var (project, expected) in wallets)
        {
            JsonElement data = default;
            await Eventually.TrueAsync(async () =>
            {
                var (response, body) = await Api.GetAsync(survivor.Http, $"/api/v1/wallets/{project}");
                if (!response.IsSuccessStatusCode) return false;
                data = body.GetProperty("data");
                return true;
            }, Generous, $"wallet {project} answers after the kill");
            Assert.Equal(expected.Balance, data.GetProperty("balance").GetDecimal());
            Assert.Equal(expected.Reserved, data.GetProperty("reserved").GetDecimal());
        }

        foreach (var (id, name) in workloads)
        {
            await Eventually.TrueAsync(async () =>
            {
                var (response, body) = await Api.GetAsync(survivor.Http, $"/v1/workloads/{id}");
                return response.IsSuccessStatusCode && body.GetProperty("name").GetString() == name && body.GetProperty("status").GetString() == "RUNNING";
            }, Generous, $"workload {id} is served and running again after the kill");
        }
    }
}
