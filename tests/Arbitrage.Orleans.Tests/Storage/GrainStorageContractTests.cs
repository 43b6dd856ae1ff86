using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Runtime.Postgres;
using Arbitrage.Orleans.Runtime.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>The behaviour every grain storage provider must have; run against memory and against PostgreSQL.</summary>
public abstract class GrainStorageContractTests : IAsyncLifetime
{
    private static readonly GrainId Grain = new("WalletGrain", "w-1");

    protected IGrainStorage Storage { get; set; } = null!;

    protected IGrainStateQuery Query { get; set; } = null!;

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static TestGrainState<WalletState> Empty() => new();

    [Fact]
    public async Task Reading_a_missing_record_gives_a_new_state_without_etag()
    {
        var state = Empty();
        await Storage.ReadStateAsync("wallet", Grain, state, default);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.Equal(0m, state.State.Balance);
    }

    [Fact]
    public async Task A_write_then_read_round_trips_the_state_and_each_write_changes_the_etag()
    {
        var writer = Empty();
        writer.State.Balance = 12.34m;
        writer.State.Tags.Add("gpu");
        await Storage.WriteStateAsync("wallet", Grain, writer, default);
        var firstEtag = writer.ETag;
        writer.State.Balance = 56.78m;
        await Storage.WriteStateAsync("wallet", Grain, writer, default);

        var reader = Empty();
        await Storage.ReadStateAsync("wallet", Grain, reader, default);

        Assert.True(reader.RecordExists);
        Assert.Equal(56.78m, reader.State.Balance);
        Assert.Equal(["gpu"], reader.State.Tags);
        Assert.NotNull(firstEtag);
        Assert.NotEqual(firstEtag, reader.ETag);
        Assert.Equal(writer.ETag, reader.ETag);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var first = Empty();
        first.State.Balance = 10m;
        await Storage.WriteStateAsync("wallet", Grain, first, default);
        var stale = Empty();
        await Storage.ReadStateAsync("wallet", Grain, stale, default);
        first.State.Balance = 20m;
        await Storage.WriteStateAsync("wallet", Grain, first, default);

        stale.State.Balance = 999m;
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Grain, stale, default));

        Assert.Contains("wallet", error.Message);
        Assert.Equal(first.ETag, error.StoredEtag);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Grain, check, default);
        Assert.Equal(20m, check.State.Balance);
    }

    [Fact]
    public async Task Creating_a_record_that_another_writer_created_first_is_refused()
    {
        var a = Empty();
        var b = Empty();
        a.State.Balance = 1m;
        b.State.Balance = 2m;
        await Storage.WriteStateAsync("wallet", Grain, a, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Grain, b, default));

        var check = Empty();
        await Storage.ReadStateAsync("wallet", Grain, check, default);
        Assert.Equal(1m, check.State.Balance);
    }

    [Fact]
    public async Task Clear_removes_the_record_only_with_the_current_etag()
    {
        var writer = Empty();
        writer.State.Balance = 5m;
        await Storage.WriteStateAsync("wallet", Grain, writer, default);
        var stale = Empty();
        await Storage.ReadStateAsync("wallet", Grain, stale, default);
        await Storage.WriteStateAsync("wallet", Grain, writer, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("wallet", Grain, stale, default));
        await Storage.ClearStateAsync("wallet", Grain, writer, default);

        Assert.False(writer.RecordExists);
        Assert.Null(writer.ETag);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Grain, check, default);
        Assert.False(check.RecordExists);
    }

    [Fact]
    public async Task States_of_different_names_and_grains_are_independent()
    {
        var a = Empty();
        a.State.Balance = 1m;
        await Storage.WriteStateAsync("wallet", Grain, a, default);
        var other = Empty();
        other.State.Balance = 2m;
        await Storage.WriteStateAsync("wallet", Grain with { Key = "w-2" }, other, default);
        var named = Empty();
        await Storage.ReadStateAsync("history", Grain, named, default);

        Assert.False(named.RecordExists);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Grain, check, default);
        Assert.Equal(1m, check.State.Balance);
    }

    [Fact]
    public async Task Journal_entries_are_appended_with_the_state_numbered_from_one_and_read_in_pages()
    {
        var journal = (IGrainJournalStorage)Storage;
        var state = Empty();
        state.State.Balance = 5m;
        await journal.WriteStateAsync("wallet", Grain, state, [new JournalAppend("transaction", "{\"amount\": 5}")], default);
        state.State.Balance = 3m;
        await journal.WriteStateAsync("wallet", Grain, state, [new JournalAppend("hold", "{\"amount\": 0}"), new JournalAppend("transaction", "{\"amount\": -1}"), new JournalAppend("transaction", "{\"amount\": -1}")], default);

        var firstPage = await journal.ReadJournalAsync("wallet", Grain, 0, 2, null, default);
        var secondPage = await journal.ReadJournalAsync("wallet", Grain, firstPage[^1].Sequence, 2, null, default);
        Assert.Equal([1L, 2L], firstPage.Select(e => e.Sequence));
        Assert.Equal([3L, 4L], secondPage.Select(e => e.Sequence));
        Assert.Contains("-1", secondPage[0].Json);
        var transactions = await journal.ReadJournalAsync("wallet", Grain, 0, 10, "transaction", default);
        Assert.Equal([1L, 3L, 4L], transactions.Select(e => e.Sequence));
        Assert.Empty(await journal.ReadJournalAsync("wallet", new GrainId("WalletGrain", "other"), 0, 10, null, default));
    }

    [Fact]
    public async Task A_refused_state_write_appends_nothing_to_the_journal()
    {
        var journal = (IGrainJournalStorage)Storage;
        var first = Empty();
        await journal.WriteStateAsync("wallet", Grain, first, [new JournalAppend("", "{\"amount\": 1}")], default);
        var stale = new TestGrainState<WalletState> { ETag = first.ETag, RecordExists = true };
        await journal.WriteStateAsync("wallet", Grain, first, [new JournalAppend("", "{\"amount\": 2}")], default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => journal.WriteStateAsync("wallet", Grain, stale, [new JournalAppend("", "{\"amount\": 99}")], default));
        var entries = await journal.ReadJournalAsync("wallet", Grain, 0, 10, null, default);
        Assert.Equal(2, entries.Count);
        Assert.DoesNotContain(entries, e => e.Json.Contains("99"));
    }

    [Fact]
    public async Task A_state_query_lists_an_owners_states_newest_first_filters_by_property_and_pages_with_a_cursor()
    {
        for (int i = 1; i <= 6; i++)
        {
            var row = new TestGrainState<ListedState> { State = new ListedState { Owner = i % 2 == 0 ? "b" : "a", CreatedAtMs = i * 10, Color = i == 3 ? "red" : "blue" } };
            await Storage.WriteStateAsync("listed", new GrainId("listed", $"k{i}"), row, default);
            row.State.Owner = "changed-later"; // owner and order are taken from the first write only
            await Storage.WriteStateAsync("listed", new GrainId("listed", $"k{i}"), row, default);
        }

        var none = new Dictionary<string, string>();
        var first = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", none, null, 2), default);
        var second = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", none, first.Next, 2), default);
        var red = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", new Dictionary<string, string> { ["color"] = "red" }, null, 10), default);

        Assert.Equal(["k5", "k3"], first.Rows.Select(r => r.Key));
        Assert.NotNull(first.Next);
        Assert.Equal(["k1"], second.Rows.Select(r => r.Key));
        Assert.Null(second.Next);
        Assert.Equal(["k3"], red.Rows.Select(r => r.Key));
        Assert.Empty((await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "changed-later", none, null, 10), default)).Rows);
        Assert.Throws<ArgumentException>(() => new GrainStateQuery("listed", "listed", "a", new Dictionary<string, string> { ["x' or 1=1 --"] = "a" }, null, 2).Validate());
    }

    public sealed class ListedState : IListedState
    {
        public string Owner { get; set; } = "";
        public long CreatedAtMs { get; set; }
        public string Color { get; set; } = "";

        string IListedState.ListOwner => Owner;

        long IListedState.ListOrder => CreatedAtMs;
    }

    public sealed class WalletState
    {
        public decimal Balance { get; set; }
        public List<string> Tags { get; set; } = [];
    }

    private sealed class TestGrainState<T> : IGrainState<T> where T : new()
    {
        public T State { get; set; } = new();
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }
}

public sealed class MemoryGrainStorageTests : GrainStorageContractTests
{
    public override Task InitializeAsync()
    {
        var storage = new MemoryGrainStorage();
        Storage = storage;
        Query = storage;
        return Task.CompletedTask;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresGrainStorageTests(PostgresServerFixture postgres) : GrainStorageContractTests
{
    private NpgsqlDataSource? _dataSource;
    private PostgresCommandBatcher? _batcher;

    public override async Task InitializeAsync()
    {
        _dataSource = PostgresOptions.CreateDataSource(await postgres.CreateDatabaseAsync());
        await new PostgresMigrator(_dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresMigrator>.Instance).RunAsync(default);
        _batcher = new PostgresCommandBatcher(_dataSource, new PostgresOptions(), Microsoft.Extensions.Logging.Abstractions.NullLogger<PostgresCommandBatcher>.Instance);
        Storage = new PostgresGrainStorage(_dataSource, _batcher);
        Query = new PostgresGrainStateQuery(_dataSource);
    }

    public override async Task DisposeAsync()
    {
        if (_batcher is not null) await _batcher.DisposeAsync();
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task The_row_holds_jsonb_the_version_as_etag_and_timestamps()
    {
        var state = new GrainStateProbe();
        state.State.Balance = 7.5m;
        await Storage.WriteStateAsync("wallet", new GrainId("WalletGrain", "jsonb"), state, default);

        await using var command = _dataSource!.CreateCommand(
            "select pg_typeof(payload)::text, payload->>'balance', version, created_at <= updated_at from grain_state where grain_key = 'jsonb'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("jsonb", reader.GetString(0));
        Assert.Equal("7.5", reader.GetString(1));
        Assert.Equal(state.ETag, reader.GetInt64(2).ToString());
        Assert.True(reader.GetBoolean(3));
    }

    private sealed class GrainStateProbe : IGrainState<WalletState>
    {
        public WalletState State { get; set; } = new();
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }
}
