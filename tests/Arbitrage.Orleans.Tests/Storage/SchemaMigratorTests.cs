using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Arbitrage.Orleans.Silo.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>
/// The schema migrator a silo runs at start-up: Orleans' scripts and the ledger's, each once; refusals that change
/// nothing (a newer schema, a database of the product before Orleans, another cluster's database); waiting for a
/// database that does not answer yet.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaMigratorTests(PostgresServerFixture postgres)
{
    private static SchemaMigrator Migrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator>? logger = null, TimeSpan? timeout = null) =>
        new(dataSource, timeout ?? TimeSpan.FromSeconds(30), logger ?? NullLogger<SchemaMigrator>.Instance);

    private static async Task<object?> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }

    private static async Task<List<string>> TablesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("select table_name from information_schema.tables where table_schema = 'public' order by 1");
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        return tables;
    }

    [Fact]
    public void The_build_brings_orleans_scripts_first_then_the_ledger_tables()
    {
        Assert.Equal("PostgreSQL-Main", SchemaMigrator.Scripts[0].Name);
        Assert.Equal(1, SchemaMigrator.Scripts[0].Version);
        Assert.All(SchemaMigrator.Scripts.Where(s => s.Version < 6), s => Assert.StartsWith("PostgreSQL-", s.Name));
        Assert.Equal(new SchemaScript(6, "ledger_storage", SchemaMigrator.Scripts[^1].Sql), SchemaMigrator.Scripts[^1]);
        Assert.Equal(6, SchemaMigrator.LatestVersion);
    }

    [Fact]
    public async Task All_scripts_are_applied_once_and_running_again_applies_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var logger = new ListLogger<SchemaMigrator>();

        await Migrator(dataSource, logger).RunAsync(default);
        var firstRun = await ScalarAsync(dataSource, "select string_agg(version || '@' || applied_at, ',' order by version) from arbitrage_schema_migrations");
        await Migrator(dataSource, logger).RunAsync(default);

        Assert.Equal(firstRun, await ScalarAsync(dataSource, "select string_agg(version || '@' || applied_at, ',' order by version) from arbitrage_schema_migrations"));
        Assert.Equal((long)SchemaMigrator.Scripts.Count, await ScalarAsync(dataSource, "select count(*) from arbitrage_schema_migrations"));
        Assert.Equal(SchemaMigrator.LatestVersion, await ScalarAsync(dataSource, "select max(version) from arbitrage_schema_migrations"));
        Assert.Contains($"({SchemaMigrator.Scripts.Count} migrations applied now)", logger.Messages);
        Assert.Contains("(0 migrations applied now)", logger.Messages);

        var tables = await TablesAsync(dataSource);
        foreach (var table in new[] { "orleansquery", "orleansmembershiptable", "orleansmembershipversiontable", "orleansreminderstable", "orleansstorage", "ledger_state", "ledger_journal", "arbitrage_cluster" })
        {
            Assert.Contains(table, tables);
        }

        await using var keys = dataSource.CreateCommand("select querykey from orleansquery");
        await using var reader = await keys.ExecuteReaderAsync();
        var queryKeys = new HashSet<string>();
        while (await reader.ReadAsync()) queryKeys.Add(reader.GetString(0));
        string[] expected =
        [
            // clustering
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
            // grain storage
            "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey",
            // reminders
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        Assert.All(expected, key => Assert.Contains(key, queryKeys));
    }

    [Fact]
    public async Task Silos_starting_together_apply_the_schema_exactly_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator(dataSource).RunAsync(default)));

        Assert.Equal((long)SchemaMigrator.Scripts.Count, await ScalarAsync(dataSource, "select count(*) from arbitrage_schema_migrations"));
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_both_versions_named()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await Migrator(dataSource).RunAsync(default);
        await ScalarAsync(dataSource, "insert into arbitrage_schema_migrations (version, name) values (9999, 'from_the_future')");

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => Migrator(dataSource).RunAsync(default));

        Assert.Equal((9999, SchemaMigrator.LatestVersion), (error.DatabaseVersion, error.BuildVersion));
        Assert.Contains("9999", error.Message);
        Assert.Contains($"version {SchemaMigrator.LatestVersion}", error.Message);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task A_database_of_the_product_before_orleans_is_refused_and_left_untouched(bool schemaMigrations, bool grainState)
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        if (schemaMigrations)
        {
            await ScalarAsync(dataSource, "create table schema_migrations (version integer primary key, name text not null, applied_at timestamptz not null default now())");
            await ScalarAsync(dataSource, "insert into schema_migrations (version, name) values (1, 'grain_state_and_reminders'), (2, 'cluster_membership_and_partitions'), (3, 'journals_and_state_listing')");
        }

        if (grainState)
        {
            await ScalarAsync(dataSource, "create table grain_state (grain_type text, grain_key text, state_name text, payload jsonb not null, version bigint not null, primary key (grain_type, grain_key, state_name))");
            await ScalarAsync(dataSource, """insert into grain_state values ('WalletGrain', 'w-1', 'wallet', '{"balance": 12.5}', 3)""");
        }

        var tablesBefore = await TablesAsync(dataSource);

        var error = await Assert.ThrowsAsync<LegacyDatabaseException>(() => Migrator(dataSource).RunAsync(default));

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        Assert.Contains($"The database at {settings.Host}:{settings.Port}/{settings.Database} holds data of Arbitrage.Orleans before Orleans (commit 09d38f7", error.Message);
        Assert.Contains("It is left untouched.", error.Message);
        Assert.Contains("mv .data .data-09d38f7", error.Message);
        Assert.Contains("point ConnectionStrings:Arbitrage at an empty database", error.Message);
        Assert.Contains("To read the old data, run commit 09d38f7 on it.", error.Message);
        Assert.DoesNotContain(settings.Password!, error.Message);
        Assert.Equal(tablesBefore, await TablesAsync(dataSource));
        if (schemaMigrations) Assert.Equal("1,2,3", await ScalarAsync(dataSource, "select string_agg(version::text, ',' order by version) from schema_migrations"));
        if (grainState) Assert.Equal("12.5", await ScalarAsync(dataSource, "select payload->>'balance' from grain_state where version = 3"));
    }

    [Fact]
    public async Task The_cluster_identity_is_recorded_once_and_another_clusters_silo_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = Migrator(dataSource);
        await migrator.RunAsync(default);

        await migrator.EnsureClusterIdentityAsync("arbitrage", "arbitrage-service", default);
        await Migrator(dataSource).EnsureClusterIdentityAsync("arbitrage", "arbitrage-service", default); // the same cluster again
        var wrongCluster = await Assert.ThrowsAsync<ClusterIdentityException>(() => migrator.EnsureClusterIdentityAsync("other", "arbitrage-service", default));
        var wrongService = await Assert.ThrowsAsync<ClusterIdentityException>(() => migrator.EnsureClusterIdentityAsync("arbitrage", "other-service", default));

        Assert.Equal(("Orleans:ClusterId", "arbitrage", "other"), (wrongCluster.Setting, wrongCluster.DatabaseValue, wrongCluster.ConfiguredValue));
        Assert.Contains("Orleans:ClusterId is 'other'", wrongCluster.Message);
        Assert.Contains("belongs to 'arbitrage'", wrongCluster.Message);
        Assert.Equal(("Orleans:ServiceId", "arbitrage-service", "other-service"), (wrongService.Setting, wrongService.DatabaseValue, wrongService.ConfiguredValue));
        Assert.Contains("Orleans:ServiceId", wrongService.Message);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(connectionString).Password!, wrongService.Message);
        Assert.Equal(1L, await ScalarAsync(dataSource, "select count(*) from arbitrage_cluster"));
        Assert.Equal("arbitrage", await ScalarAsync(dataSource, "select cluster_id from arbitrage_cluster"));
    }

    [Fact]
    public async Task An_unreachable_database_is_retried_every_second_then_refused_after_the_timeout()
    {
        int port = ClosedLoopbackPort();
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=arbitrage;Password=s3cret-value;Database=arbitrage;Timeout=2");
        var logger = new ListLogger<SchemaMigrator>();
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => Migrator(dataSource, logger, TimeSpan.FromSeconds(2.5)).RunAsync(default));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.4), TimeSpan.FromSeconds(10));
        Assert.StartsWith($"PostgreSQL at 127.0.0.1:{port} did not answer within 2.5 s: Failed to connect to 127.0.0.1:{port}", error.Message);
        Assert.IsAssignableFrom<NpgsqlException>(error.InnerException);
        var retries = logger.Entries.Where(e => e.Id.Id == 1501).ToList();
        Assert.InRange(retries.Count, 1, 2); // attempts at 0 s, 1 s and 2 s; each but the last says it tries again
        Assert.Contains("(attempt 1): Failed to connect to", retries[0].Message);
        Assert.EndsWith("trying again in 1 s", retries[0].Message);
        Assert.All(retries, r => Assert.Equal(LogLevel.Warning, r.Level));
        Assert.DoesNotContain("s3cret-value", error.Message + string.Join("\n", logger.Messages));
    }

    [Fact]
    public async Task A_database_that_answers_within_the_timeout_is_waited_for()
    {
        var server = new NpgsqlConnectionStringBuilder(postgres.ServerConnectionString);
        int port = ClosedLoopbackPort();
        var database = await postgres.CreateDatabaseAsync();
        var throughProxy = new NpgsqlConnectionStringBuilder(database) { Port = port, Pooling = false };
        await using var dataSource = NpgsqlDataSource.Create(throughProxy.ConnectionString);
        var logger = new ListLogger<SchemaMigrator>();
        using var stop = new CancellationTokenSource();

        var run = Migrator(dataSource, logger, TimeSpan.FromSeconds(30)).RunAsync(default);
        // The database "comes up" once the migrator has been refused and said it will try again.
        await Eventually.TrueAsync(() => logger.Entries.Any(e => e.Id.Id == 1501), TimeSpan.FromSeconds(20), "the migrator logs a retry");
        var proxy = ForwardAsync(port, server.Port, stop.Token);
        await run;
        await stop.CancelAsync();
        await proxy;

        Assert.Contains(logger.Entries, e => e.Id.Id == 1501);
        await using var direct = NpgsqlDataSource.Create(database);
        Assert.Equal((long)SchemaMigrator.Scripts.Count, await ScalarAsync(direct, "select count(*) from arbitrage_schema_migrations"));
    }

    /// <summary>A loopback port nothing listens on (taken, then released).</summary>
    private static int ClosedLoopbackPort() => Infrastructure.SiloProcess.FreePort();

    /// <summary>Forwards loopback connections on <paramref name="port"/> to the test server until stopped.</summary>
    private static async Task ForwardAsync(int port, int serverPort, CancellationToken stop)
    {
        using var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(stop);
                var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, serverPort, stop);
                _ = PumpAsync(client, upstream); // ends when either side closes
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        static async Task PumpAsync(TcpClient client, TcpClient upstream)
        {
            using (client)
            using (upstream)
            {
                var a = client.GetStream();
                var b = upstream.GetStream();
                await Task.WhenAny(a.CopyToAsync(b), b.CopyToAsync(a));
            }
        }
    }
}

/// <summary>Keeps what was logged, for assertions.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, EventId Id, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries
    {
        get
        {
            lock (_entries) return [.. _entries];
        }
    }

    public string Messages => string.Join("\n", Entries.Select(e => e.Message));

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries) _entries.Add((logLevel, eventId, formatter(state, exception) + (exception is null ? "" : $" {exception}")));
    }
}
