using Arbitrage.Orleans.Silo.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>
/// The batcher that groups the ledger store's statements: each caller gets its own rows, one statement's error is only its
/// own (the rest of its batch is still written), a statement cancelled while queued never runs, and the store's
/// data source plans its statements once.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CommandBatcherTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private string _connectionString = "";
    private NpgsqlDataSource _dataSource = null!;
    private PostgresCommandBatcher _batcher = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await postgres.CreateDatabaseAsync();
        _dataSource = PostgresOptions.CreateDataSource(_connectionString);
        await using var create = _dataSource.CreateCommand("create table items (id int primary key, name text not null)");
        await create.ExecuteNonQueryAsync();
        // One connection per lane: while it is busy everything else queues, so the statements below share batches.
        _batcher = new PostgresCommandBatcher(_dataSource, new PostgresOptions { BatchConnections = 1, MaxBatchCommands = 64 }, NullLogger<PostgresCommandBatcher>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _batcher.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private Task<List<int>> Insert(int id, string? name) =>
        _batcher.QueryAsync("insert into items (id, name) values ($1, $2) on conflict do nothing returning id",
            [new() { Value = id }, new() { Value = (object?)name ?? DBNull.Value }], reader => reader.GetInt32(0), CancellationToken.None);

    private async Task<long> CountAsync()
    {
        await using var count = _dataSource.CreateCommand("select count(*) from items");
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Concurrent_statements_each_get_their_own_rows_including_none()
    {
        var inserts = Enumerable.Range(1, 200).Select(i => Insert(i, $"item-{i}")).ToList();
        var again = Insert(7, "duplicate"); // conflicts: returns no row
        var rows = await Task.WhenAll(inserts);

        Assert.Equal(Enumerable.Range(1, 200).Select(i => new List<int> { i }), rows);
        Assert.Empty(await again);
        var names = await _batcher.ReadAsync("select name from items where id = any($1) order by id", [new() { Value = new[] { 7, 150 } }],
            reader => reader.GetString(0), CancellationToken.None);
        Assert.Equal(["item-7", "item-150"], names);
    }

    [Fact]
    public async Task A_failing_statement_fails_only_its_caller_and_the_rest_of_its_batch_is_written()
    {
        var good = Enumerable.Range(1, 50).Select(i => Insert(i, $"item-{i}")).ToList();
        var bad = Insert(1000, null); // violates "not null"
        var later = Enumerable.Range(51, 50).Select(i => Insert(i, $"item-{i}")).ToList();

        var error = await Assert.ThrowsAsync<PostgresException>(() => bad);

        Assert.Equal(PostgresErrorCodes.NotNullViolation, error.SqlState);
        await Task.WhenAll(good.Concat(later));
        Assert.Equal(100L, await CountAsync());
    }

    [Fact]
    public async Task A_statement_cancelled_while_queued_is_never_run()
    {
        // The single connection is busy for a moment, so the insert waits in the queue when it is cancelled.
        var busy = _batcher.QueryAsync("select 1 from pg_sleep(1)", [], reader => reader.GetInt32(0), CancellationToken.None);
        await using (var running = _dataSource.CreateCommand(
            "select count(*) from pg_stat_activity where state = 'active' and query like 'select 1 from pg_sleep%' and pid <> pg_backend_pid()"))
        {
            while ((long)(await running.ExecuteScalarAsync())! == 0) await Task.Yield();
        }

        using var cancellation = new CancellationTokenSource();
        var insert = _batcher.QueryAsync("insert into items (id, name) values (1, 'x') returning id", [], reader => reader.GetInt32(0), cancellation.Token);
        cancellation.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => insert);
        await busy;
        await Insert(2, "after"); // sent after the cancelled one would have been
        Assert.Equal(1L, await CountAsync());
    }

    [Fact]
    public async Task A_stopped_batcher_sends_what_was_queued_and_refuses_more()
    {
        var queued = Enumerable.Range(1, 20).Select(i => Insert(i, $"item-{i}")).ToList();

        await _batcher.DisposeAsync();

        await Task.WhenAll(queued);
        Assert.Equal(20L, await CountAsync());
        Assert.Throws<ObjectDisposedException>(() => { _ = Insert(21, "late"); });
    }

    [Fact]
    public async Task The_stores_data_source_plans_each_statement_once_unless_the_connection_string_sets_options()
    {
        await using (var show = _dataSource.CreateCommand("show plan_cache_mode"))
        {
            Assert.Equal("force_generic_plan", await show.ExecuteScalarAsync());
        }

        var own = new NpgsqlConnectionStringBuilder(_connectionString) { Options = "-c plan_cache_mode=auto" };
        await using var custom = PostgresOptions.CreateDataSource(own.ConnectionString);
        await using var showCustom = custom.CreateCommand("show plan_cache_mode");
        Assert.Equal("auto", await showCustom.ExecuteScalarAsync());
    }
}
