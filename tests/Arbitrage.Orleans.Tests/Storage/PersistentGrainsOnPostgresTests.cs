using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>Grain state and reminders through the runtime, on a real PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PersistentGrainsOnPostgresTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private string _connectionString = "";

    public async Task InitializeAsync() => _connectionString = await postgres.CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private TestClusterBuilder Builder(ManualTimeProvider? clock = null)
    {
        var builder = new TestClusterBuilder().UsePostgres(_connectionString).ConfigureServices(s => s.AddSingleton(_probe));
        return clock is null ? builder : builder.UseTimeProvider(clock);
    }

    [Fact]
    public async Task State_written_by_a_grain_is_read_back_by_its_next_activation_in_a_new_silo()
    {
        await using (var first = await Builder().StartAsync())
        {
            var counter = first.GrainFactory.GetGrain<ICounterGrain>("durable");
            Assert.False(await counter.RecordExists());
            Assert.Null(await counter.GetEtag());
            await counter.Increment();
            await counter.Increment();
        }

        await using var second = await Builder().StartAsync();
        var again = second.GrainFactory.GetGrain<ICounterGrain>("durable");

        Assert.Equal(2, await again.Get());
        Assert.True(await again.RecordExists());
        Assert.Equal("2", await again.GetEtag());
        Assert.Equal(3, await again.Increment());
    }

    [Fact]
    public async Task A_grain_whose_record_was_changed_behind_its_back_gets_a_stale_etag_exception_and_nothing_is_overwritten()
    {
        await using var cluster = await Builder().StartAsync();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>("contested");
        await counter.Increment();
        await using (var other = new NpgsqlConnection(_connectionString))
        {
            await other.OpenAsync();
            await using var write = new NpgsqlCommand(
                "update grain_state set payload = jsonb_set(payload, '{value}', '100'), version = version + 1 where grain_key = 'contested'", other);
            Assert.Equal(1, await write.ExecuteNonQueryAsync());
        }

        await Assert.ThrowsAsync<InconsistentStateException>(() => counter.Increment());

        await using var check = new NpgsqlConnection(_connectionString);
        await check.OpenAsync();
        await using var read = new NpgsqlCommand("select payload->>'value' from grain_state where grain_key = 'contested'", check);
        Assert.Equal("100", await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Clearing_state_deletes_the_row()
    {
        await using var cluster = await Builder().StartAsync();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>("cleared");
        await counter.Increment();

        await counter.Clear();

        Assert.False(await counter.RecordExists());
        Assert.Equal(0, await counter.Get());
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from grain_state where grain_key = 'cleared'", connection);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_reminder_registered_before_a_restart_fires_in_the_new_silo()
    {
        var clock = new ManualTimeProvider();
        await using (var before = await Builder(clock).StartAsync())
        {
            await before.GrainFactory.GetGrain<IReminderGrain>("durable").Register("health-check", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, _probe.CountPrefix("reminder:"));
        await using var after = await Builder(clock).StartAsync();
        clock.Advance(TimeSpan.FromMinutes(1));

        await _probe.WaitForAsync("reminder:durable:health-check:00:01:00");
        Assert.Equal(["health-check"], await after.GrainFactory.GetGrain<IReminderGrain>("durable").List());
    }

    [Fact]
    public async Task A_tick_that_fell_due_while_no_silo_ran_is_delivered_when_a_silo_starts()
    {
        var clock = new ManualTimeProvider();
        await using (var before = await Builder(clock).StartAsync())
        {
            await before.GrainFactory.GetGrain<IReminderGrain>("missed").Register("expire", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));
        }

        clock.Advance(TimeSpan.FromMinutes(3));
        await using var after = await Builder(clock).StartAsync();

        await _probe.WaitForAsync("reminder:missed:expire:00:01:00");
        await after.SettleAsync();
        Assert.Equal(1, _probe.CountPrefix("reminder:missed"));
    }
}
