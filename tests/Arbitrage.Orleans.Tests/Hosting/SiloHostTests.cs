using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Silo.Storage;
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
    [InlineData("--storage memory --Orleans:ResponseTimeout 00:00:00.200", "Orleans:ResponseTimeout must be at least 1 s")]
    [InlineData("--storage memory --Orleans:MinimumReminderPeriod soon", "Orleans")]
    [InlineData("--storage memory --Orleans:SiloPort 30001 --Orleans:GatewayPort 30001", "Orleans:SiloPort and Orleans:GatewayPort are both 30001")]
    [InlineData("--storage memory --Orleans:ClusterId a/b", "Orleans:ClusterId must be 1 to 64 letters")]
    [InlineData("--storage memory --Gateway:Enabled perhaps", "Gateway:Enabled must be true or false (was 'perhaps')")]
    [InlineData("--ConnectionStrings:Arbitrage Host=127.0.0.1;Port=abc;Password=hunter2-secret", "ConnectionStrings:Arbitrage is not a valid PostgreSQL connection string")]
    [InlineData("--role gateway", "Role 'gateway' finds the cluster's silos in its database: it needs Storage 'postgres' and ConnectionStrings:Arbitrage")]
    [InlineData("--storage memory --Orleans:AdvertisedAddress nowhere", "Orleans:AdvertisedAddress must be an IP address (was 'nowhere')")]
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

    [Theory]
    [InlineData("hunter2-secret-admin")]
    [InlineData("arb_hunter2-secret-0123456789012345678901234567890")]
    public async Task An_admin_token_in_the_wrong_format_stops_the_silo_naming_the_variable(string token)
    {
        await using var silo = SiloProcess.Start(["--storage", "memory"], new Dictionary<string, string> { ["ARBITRAGE_ADMIN_TOKEN"] = token });

        Assert.Equal(2, await silo.WaitForExitAsync());
        Assert.Contains("ARBITRAGE_ADMIN_TOKEN is not a valid token", silo.Output);
        Assert.DoesNotContain("hunter2-secret", silo.Output);
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
                Assert.Contains($"({SchemaMigrator.Scripts.Count} migrations applied now)", first.Output);
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
    public async Task Silos_started_on_one_database_form_a_cluster_with_only_their_ports_and_a_second_silo_on_a_port_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        var database = new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = connectionString };
        await using var first = SiloProcess.Start([], database);
        await using var second = SiloProcess.Start([], database);
        await using var gateway = SiloProcess.Start(["--role", "gateway"], database);
        await Task.WhenAll(first.WaitUntilServingAsync(), second.WaitUntilServingAsync(), gateway.WaitUntilServingAsync());

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            // Orleans' membership table: status 3 is Active.
            await using var silos = new NpgsqlCommand("select count(*) from orleansmembershiptable where status = 3", connection);
            Assert.Equal(2L, await silos.ExecuteScalarAsync());
        }

        using var estimate = await gateway.Http.PostAsync("/v1/pricing/estimate", new StringContent("""{"minCPU": 2, "minMemoryGB": 4}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, estimate.StatusCode);
        using var tenants = await gateway.Http.GetAsync("/v1/tokens");
        Assert.Equal(HttpStatusCode.OK, tenants.StatusCode); // answered by the silos' grains through the gateway's Orleans client

        await using var clash = SiloProcess.Start(["--Orleans:SiloPort", first.Argument("--Orleans:SiloPort")], database);
        Assert.Equal(2, await clash.WaitForExitAsync());
        Assert.Contains($"Orleans:SiloPort {first.Argument("--Orleans:SiloPort")} on 127.0.0.1 is already in use", clash.Output);
    }

    [Fact]
    public async Task A_silo_refuses_a_database_of_another_cluster()
    {
        var database = new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = await postgres.CreateDatabaseAsync() };
        await using (var first = SiloProcess.Start([], database))
        {
            await first.WaitUntilServingAsync();
        }

        await using var other = SiloProcess.Start(["--Orleans:ClusterId", "someone-else"], database);
        Assert.Equal(2, await other.WaitForExitAsync());
        Assert.Contains("Orleans:ClusterId is 'someone-else', but the database", other.Output);
        Assert.Contains("belongs to 'arbitrage'", other.Output);
    }

    [Fact]
    public async Task A_silo_refuses_a_database_whose_schema_is_newer_than_it_knows()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await ExecuteAsync(connectionString, """
            create table arbitrage_schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now());
            insert into arbitrage_schema_migrations (version, name) values (9999, 'from_the_future');
            """);

        await using var silo = SiloProcess.Start([], new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = connectionString });

        Assert.Equal(2, await silo.WaitForExitAsync());
        Assert.Contains($"The database schema is at version 9999, newer than this build knows (version {SchemaMigrator.LatestVersion})", silo.Output);
    }

    [Fact]
    public async Task Data_of_the_previous_version_is_refused_with_what_to_do_and_left_untouched()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        // The shape commit 09d38f7 left: its migration table and its grain state.
        await ExecuteAsync(connectionString, """
            create table schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now());
            insert into schema_migrations (version, name) values (1, 'grain_state_and_reminders'), (2, 'cluster_membership_and_partitions'), (3, 'journals_and_state_listing');
            create table grain_state (grain_type text not null, grain_key text not null, state_name text not null, payload jsonb not null, version bigint not null,
                primary key (grain_type, grain_key, state_name));
            insert into grain_state values ('tenant', 'default', 'tenant', '{"name": "default"}', 1);
            """);

        await using var silo = SiloProcess.Start([], new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = connectionString });

        Assert.Equal(2, await silo.WaitForExitAsync());
        Assert.Contains("holds data of Arbitrage.Orleans before Orleans (commit 09d38f7", silo.Output);
        Assert.Contains("mv .data .data-09d38f7", silo.Output);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand("select count(*) from grain_state", connection);
        Assert.Equal(1L, await rows.ExecuteScalarAsync());
        await using var orleans = new NpgsqlCommand("select count(*) from information_schema.tables where table_name = 'orleansquery'", connection);
        Assert.Equal(0L, await orleans.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_retried_and_then_the_silo_exits_saying_so()
    {
        var closed = $"Host=127.0.0.1;Port={SiloProcess.FreePort()};Username=postgres;Password=hunter2-secret;Database=none;Timeout=2";

        await using var silo = SiloProcess.Start(["--Orleans:DatabaseStartupTimeout", "00:00:03"], new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = closed });

        Assert.Equal(2, await silo.WaitForExitAsync());
        Assert.Contains("did not answer (attempt 2)", silo.Output);
        Assert.Contains("did not answer within", silo.Output);
        Assert.DoesNotContain("hunter2-secret", silo.Output);
    }

    [Fact]
    public async Task A_token_revoked_through_one_silo_is_refused_at_once_by_every_silo_and_gateway()
    {
        var database = new Dictionary<string, string> { ["ConnectionStrings__Arbitrage"] = await postgres.CreateDatabaseAsync() };
        await using var first = SiloProcess.Start([], database);
        await using var second = SiloProcess.Start([], database);
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

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
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
