using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Runtime.Postgres;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Hosting;

/// <summary>The silo executable as an operator runs it: settings, health, readiness, its own local database.</summary>
[Collection(PostgresCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SiloHostTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task The_silo_serves_liveness_and_readiness_against_its_database_and_readiness_fails_when_the_database_goes()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var silo = SiloProcess.Start([], new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = connectionString });
        await silo.WaitUntilServingAsync();

        using (var ready = await silo.Http.GetAsync("/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        }

        await DropDatabaseAsync(connectionString);

        using var notReady = await silo.Http.GetAsync("/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        using var alive = await silo.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(connectionString).Password!, silo.Output);
    }

    [Fact]
    public async Task With_storage_memory_the_silo_needs_no_database()
    {
        await using var silo = SiloProcess.Start(["--storage", "memory"]);
        await silo.WaitUntilServingAsync();

        using var ready = await silo.Http.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Theory]
    [InlineData("--storage floppy", "Storage must be 'postgres' or 'memory' (was 'floppy')")]
    [InlineData("--storage memory --Runtime:ResponseTimeout -00:00:01", "Runtime:ResponseTimeout must be a positive time span")]
    [InlineData("--storage memory --Reminders:MinimumPeriod soon", "Reminders:MinimumPeriod")]
    [InlineData("--storage memory --Gateway:Enabled perhaps", "Gateway:Enabled must be true or false (was 'perhaps')")]
    [InlineData("--ConnectionStrings:Arbitrage Host=127.0.0.1;Port=abc;Password=hunter2-secret", "ConnectionStrings:Arbitrage is not a valid PostgreSQL connection string")]
    [InlineData("--role gateway", "Role 'gateway' routes calls to a cluster: it needs Storage 'postgres' and ConnectionStrings:Arbitrage")]
    [InlineData("--storage memory --Cluster:AdvertisedAddress tcp://x", "Cluster:AdvertisedAddress must be an http://host:port address (was 'tcp://x')")]
    [InlineData("--storage memory --Market:ProvidersFile /nonexistent/providers.json", "The providers file /nonexistent/providers.json does not exist (setting Market:ProvidersFile)")]
    [InlineData("--storage memory --Market:DataDirectory /nonexistent/data", "Market:DataDirectory /nonexistent/data does not exist")]
    public async Task A_bad_setting_stops_the_silo_at_start_up_with_a_message_naming_it(string arguments, string expected)
    {
        await using var silo = SiloProcess.Start(arguments.Split(' '));

        int exitCode = await silo.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains(expected, silo.Output);
        Assert.DoesNotContain("hunter2-secret", silo.Output);
        Assert.DoesNotContain("Unhandled exception", silo.Output);
    }

    [Fact]
    public async Task The_silo_runs_its_own_database_under_the_data_directory_stops_it_on_ctrl_c_and_keeps_it_across_restarts()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"arbitrage-silo-{Guid.NewGuid():N}");
        try
        {
            await using (var first = SiloProcess.Start(["--DataDirectory", dataDirectory]))
            {
                await first.WaitUntilServingAsync();
                using var ready = await first.Http.GetAsync("/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                await first.InterruptAsync();
                Assert.Equal(0, await first.WaitForExitAsync());
                Assert.Contains($"({PostgresMigrator.Scripts.Count} migrations applied now)", first.Output);
            }

            Assert.False(File.Exists(Path.Combine(dataDirectory, "postgres", "cluster", "postmaster.pid")), "PostgreSQL was stopped with the silo");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDirectory, "postgres", "postgres-password")));

            await using var second = SiloProcess.Start(["--DataDirectory", dataDirectory]);
            await second.WaitUntilServingAsync();
            await second.InterruptAsync();
            Assert.Equal(0, await second.WaitForExitAsync());
            Assert.Contains("0 migrations applied now", second.Output);
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Silos_started_on_one_database_form_a_cluster_with_only_their_advertised_address_and_a_duplicate_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = connectionString };
        int[] ports = [FreePort(), FreePort()];
        await using var first = SiloProcess.Start(["--Cluster:AdvertisedAddress", $"http://127.0.0.1:{ports[0]}"], database);
        await using var second = SiloProcess.Start(["--Cluster:AdvertisedAddress", $"http://127.0.0.1:{ports[1]}"], database);
        await using var gateway = SiloProcess.Start(["--role", "gateway"], database);
        await Task.WhenAll(first.WaitUntilServingAsync(), second.WaitUntilServingAsync(), gateway.WaitUntilServingAsync());

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var silos = new NpgsqlCommand("select address from silos where status = 'active' order by address", connection);
            var addresses = new List<string>();
            await using (var reader = await silos.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) addresses.Add(reader.GetString(0));
            }

            Assert.Equal(ports.Order().Select(p => $"http://127.0.0.1:{p}"), addresses);
        }

        await using var duplicate = SiloProcess.Start(["--Cluster:AdvertisedAddress", $"http://127.0.0.1:{ports[0]}"], database);
        Assert.Equal(2, await duplicate.WaitForExitAsync());
        Assert.Contains($"Cluster:AdvertisedAddress http://127.0.0.1:{ports[0]} is already used by live silo", duplicate.Output);
    }

    [Fact]
    public async Task A_token_revoked_through_one_silo_is_refused_at_once_by_every_silo_and_gateway()
    {
        var database = new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = await postgres.CreateDatabaseAsync() };
        await using var first = SiloProcess.Start(["--Cluster:AdvertisedAddress", $"http://127.0.0.1:{FreePort()}"], database);
        await using var second = SiloProcess.Start(["--Cluster:AdvertisedAddress", $"http://127.0.0.1:{FreePort()}"], database);
        await using var gateway = SiloProcess.Start(["--role", "gateway"], database);
        await Task.WhenAll(first.WaitUntilServingAsync(), second.WaitUntilServingAsync(), gateway.WaitUntilServingAsync());

        using var create = await first.Http.PostAsync("/v1/tokens",
            new StringContent("{\"name\": \"shared\", \"permissions\": [\"workloads:read\"]}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var token = System.Text.Json.JsonDocument.Parse(await create.Content.ReadAsStringAsync()).RootElement;
        var clients = new[] { first, second, gateway }.Select(s => s.ClientWith(token.GetProperty("token").GetString())).ToList();
        foreach (var client in clients) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/workloads")).StatusCode);

        using var revoke = await second.Http.DeleteAsync($"/v1/tokens/{token.GetProperty("id").GetString()}");
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        foreach (var client in clients)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/workloads")).StatusCode);
            client.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(postgres.ServerConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop database {name} with (force)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
