using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Silo.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>
/// The ledger store's statement queue is bounded: while the database does not keep up, statements past
/// Postgres:MaxQueuedCommands are refused at once with a clear error and nothing of them is sent; the queued ones are
/// still written, and reads (their own lane) are not refused because writes are.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BoundedQueueTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const int MaxQueued = 5;
    private const long LockKey = 4242;

    private NpgsqlDataSource _dataSource = null!;
    private PostgresCommandBatcher _batcher = null!;

    public async Task InitializeAsync()
    {
        _dataSource = PostgresOptions.CreateDataSource(await postgres.CreateDatabaseAsync());
        await using var create = _dataSource.CreateCommand("create table items (id int primary key, name text not null)");
        await create.ExecuteNonQueryAsync();
        _batcher = new PostgresCommandBatcher(_dataSource, new PostgresOptions { BatchConnections = 1, MaxBatchCommands = 64, MaxQueuedCommands = MaxQueued },
            NullLogger<PostgresCommandBatcher>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _batcher.DisposeAsync();
        await _dataSource.DisposeAsync();
    }

    private Task<List<int>> Insert(int id) =>
        _batcher.QueryAsync("insert into items (id, name) values ($1, 'item') returning id", [new() { Value = id }], reader => reader.GetInt32(0), CancellationToken.None);

    [Fact]
    public async Task A_full_write_queue_refuses_the_next_write_clearly_and_writes_the_queued_ones()
    {
        // The database "does not keep up": the one write connection waits for a lock this test holds.
        await using var holder = await _dataSource.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand($"select pg_advisory_lock({LockKey})", holder)) await take.ExecuteNonQueryAsync();
        var stuck = _batcher.QueryAsync($"select 1 from (select pg_advisory_xact_lock({LockKey})) l", [], reader => reader.GetInt32(0), CancellationToken.None);
        await Eventually.TrueAsync(async () =>
        {
            await using var waiting = _dataSource.CreateCommand("select count(*) from pg_locks where locktype = 'advisory' and not granted");
            return (long)(await waiting.ExecuteScalarAsync())! > 0;
        }, TimeSpan.FromSeconds(30), "the write connection waits for the lock");

        var queued = Enumerable.Range(1, MaxQueued).Select(Insert).ToList();
        var refused = Assert.Throws<StorageOverloadedException>(() => { _ = Insert(MaxQueued + 1); });
        Assert.Contains("Postgres:MaxQueuedCommands", refused.Message);
        Assert.Contains("retry", refused.Message);

        // Reads have their own lane: a full write queue does not refuse them.
        var read = await _batcher.ReadAsync("select count(*) from items", [], reader => reader.GetInt64(0), CancellationToken.None);
        Assert.Equal([0L], read);

        await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({LockKey})", holder)) await release.ExecuteNonQueryAsync();
        await stuck;
        Assert.Equal(Enumerable.Range(1, MaxQueued).Select(i => new List<int> { i }), await Task.WhenAll(queued));
        await using var count = _dataSource.CreateCommand("select array_agg(id order by id) from items");
        Assert.Equal(Enumerable.Range(1, MaxQueued).ToArray(), (int[])(await count.ExecuteScalarAsync())!);

        // Once the queue drains, writes are taken again.
        Assert.Equal([100], await Insert(100));
    }

    [Fact]
    public void The_queue_limit_is_validated_naming_the_setting()
    {
        var result = new PostgresOptionsValidator().Validate(null, new PostgresOptions { ConnectionString = "Host=localhost", MaxQueuedCommands = 0 });
        Assert.Contains(result.Failures!, f => f.Contains("Postgres:MaxQueuedCommands"));
    }
}

/// <summary>A simulated cloud's notice stream is bounded per watcher: a watcher that does not read loses the oldest notices, counted.</summary>
[Collection(Clouds.MarketDataCollection.Name)]
public sealed class NoticeBufferTests(Clouds.MarketDataFixture fixture)
{
    [Fact]
    public async Task A_watcher_that_falls_behind_keeps_the_latest_notices_and_the_drops_are_counted()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(Arbitrage.Orleans.Clouds.CloudKind.Aws, clock, o => { o.InterruptionsEnabled = false; o.NoticeBuffer = 2; });
        var offer = cloud.Catalog.Offers.First(o => o.SpotAvailable);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var watcher = cloud.WatchInterruptionsAsync(stop.Token).GetAsyncEnumerator(stop.Token);
        var instances = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var launched = await cloud.LaunchAsync(new Arbitrage.Orleans.Clouds.LaunchRequest(offer.Region, offer.Zone, offer.InstanceType,
                Arbitrage.Orleans.Clouds.Market.Spot, null, "ami-test", $"token-{i}"), CancellationToken.None);
            instances.Add(launched.InstanceId);
        }

        foreach (var instance in instances) Assert.True(cloud.Interrupt(instance));

        Assert.Equal(1, cloud.DroppedNotices);
        foreach (var expected in instances.Skip(1))
        {
            Assert.True(await watcher.MoveNextAsync());
            Assert.Equal(expected, watcher.Current.InstanceId);
        }
    }

    [Fact]
    public void The_buffer_size_is_validated_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new Arbitrage.Orleans.Clouds.Simulated.SimulatedCloudOptions { NoticeBuffer = 0 }.Validate());
        Assert.Equal("NoticeBuffer", error.ParamName);
    }
}
