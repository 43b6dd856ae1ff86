using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Silo.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>
/// The behaviour of the ledger grain storage, through Orleans' <see cref="IGrainStorage"/> and the ledger's own views;
/// run against memory and against PostgreSQL.
/// </summary>
public abstract class LedgerStorageContractTests : IAsyncLifetime
{
    protected static readonly GrainId Wallet = GrainId.Create("wallet", "w-1");

    protected IGrainStorage Storage { get; set; } = null!;

    protected IGrainStateQuery Query { get; set; } = null!;

    protected IGrainJournalReader Journal { get; set; } = null!;

    public abstract Task InitializeAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    private static GrainState<WalletState> Empty() => new(new WalletState());

    private static GrainState<JournaledWallet> EmptyJournaled() => new(new JournaledWallet());

    [Fact]
    public async Task Reading_a_missing_record_gives_a_new_state_without_etag()
    {
        var state = new GrainState<WalletState>();
        await Storage.ReadStateAsync("wallet", Wallet, state, default);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        Assert.NotNull(state.State);
        Assert.Equal(0m, state.State.Balance);
    }

    [Fact]
    public async Task A_write_then_read_round_trips_the_state_and_each_write_changes_the_etag()
    {
        var writer = Empty();
        writer.State!.Balance = 12.34m;
        writer.State.Tags.Add("gpu");
        writer.State.Tier = Tier.Gold;
        await Storage.WriteStateAsync("wallet", Wallet, writer, default);
        var firstEtag = writer.ETag;
        writer.State.Balance = 56.78m;
        await Storage.WriteStateAsync("wallet", Wallet, writer, default);

        var reader = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, reader, default);

        Assert.True(writer.RecordExists);
        Assert.True(reader.RecordExists);
        Assert.Equal(56.78m, reader.State!.Balance);
        Assert.Equal(["gpu"], reader.State.Tags);
        Assert.Equal(Tier.Gold, reader.State.Tier);
        Assert.Null(reader.State.Note);
        Assert.NotNull(firstEtag);
        Assert.NotEqual(firstEtag, reader.ETag);
        Assert.Equal(writer.ETag, reader.ETag);
    }

    [Fact]
    public async Task Changing_the_state_object_after_a_write_does_not_change_what_was_stored()
    {
        var writer = Empty();
        writer.State!.Balance = 1m;
        await Storage.WriteStateAsync("wallet", Wallet, writer, default);

        writer.State.Balance = 1000m;
        writer.State.Tags.Add("changed");
        var reader = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, reader, default);

        Assert.Equal(1m, reader.State!.Balance);
        Assert.Empty(reader.State.Tags);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_refused_and_changes_nothing()
    {
        var first = Empty();
        first.State!.Balance = 10m;
        await Storage.WriteStateAsync("wallet", Wallet, first, default);
        var stale = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, stale, default);
        first.State.Balance = 20m;
        await Storage.WriteStateAsync("wallet", Wallet, first, default);

        stale.State!.Balance = 999m;
        var staleEtag = stale.ETag;
        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Wallet, stale, default));

        Assert.Contains("wallet", error.Message);
        Assert.Equal(first.ETag, error.StoredEtag);
        Assert.Equal(staleEtag, error.CurrentEtag);
        Assert.Equal(staleEtag, stale.ETag);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, check, default);
        Assert.Equal(20m, check.State!.Balance);
        Assert.Equal(first.ETag, check.ETag);
    }

    [Fact]
    public async Task Creating_a_record_that_another_writer_created_first_is_refused()
    {
        var a = Empty();
        var b = Empty();
        a.State!.Balance = 1m;
        b.State!.Balance = 2m;
        await Storage.WriteStateAsync("wallet", Wallet, a, default);

        var error = await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Wallet, b, default));

        Assert.Equal(a.ETag, error.StoredEtag);
        Assert.Null(error.CurrentEtag);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, check, default);
        Assert.Equal(1m, check.State!.Balance);
    }

    [Fact]
    public async Task An_etag_the_store_never_issued_is_refused()
    {
        var created = Empty();
        await Storage.WriteStateAsync("wallet", Wallet, created, default);
        var forged = new GrainState<WalletState>(new WalletState { Balance = 5m }, "not-a-version");

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Wallet, forged, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", GrainId.Create("wallet", "never-written"), new GrainState<WalletState>(new WalletState(), "1"), default));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Of_writers_racing_with_one_etag_exactly_one_wins(bool recordExists)
    {
        string? etag = null;
        if (recordExists)
        {
            var created = Empty();
            await Storage.WriteStateAsync("wallet", Wallet, created, default);
            etag = created.ETag;
        }

        var writers = Enumerable.Range(1, 16).Select(i => new GrainState<WalletState>(new WalletState { Balance = i }, etag)).ToList();
        var outcomes = await Task.WhenAll(writers.Select(async w =>
        {
            try
            {
                await Storage.WriteStateAsync("wallet", Wallet, w, default);
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));

        var winner = Assert.Single(writers.Where((_, i) => outcomes[i]));
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, check, default);
        Assert.Equal(winner.State!.Balance, check.State!.Balance);
        Assert.Equal(winner.ETag, check.ETag);
    }

    [Fact]
    public async Task Clear_removes_the_record_only_with_the_current_etag()
    {
        var writer = Empty();
        writer.State!.Balance = 5m;
        await Storage.WriteStateAsync("wallet", Wallet, writer, default);
        var stale = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, stale, default);
        await Storage.WriteStateAsync("wallet", Wallet, writer, default);

        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("wallet", Wallet, stale, default));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync("wallet", Wallet, Empty(), default));
        var stillThere = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, stillThere, default);
        Assert.True(stillThere.RecordExists);

        await Storage.ClearStateAsync("wallet", Wallet, writer, default);

        Assert.False(writer.RecordExists);
        Assert.Null(writer.ETag);
        Assert.Equal(0m, writer.State!.Balance);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, check, default);
        Assert.False(check.RecordExists);
        await Storage.ClearStateAsync("wallet", Wallet, check, default); // nothing there, nothing expected: nothing to do
        await Storage.WriteStateAsync("wallet", Wallet, check, default); // and it can be created again
        Assert.True(check.RecordExists);
    }

    [Fact]
    public async Task States_of_different_names_and_grains_are_independent()
    {
        var a = Empty();
        a.State!.Balance = 1m;
        await Storage.WriteStateAsync("wallet", Wallet, a, default);
        var other = Empty();
        other.State!.Balance = 2m;
        await Storage.WriteStateAsync("wallet", GrainId.Create("wallet", "w-2"), other, default);
        var otherType = Empty();
        otherType.State!.Balance = 3m;
        await Storage.WriteStateAsync("wallet", GrainId.Create("purse", "w-1"), otherType, default);
        var named = Empty();
        await Storage.ReadStateAsync("history", Wallet, named, default);

        Assert.False(named.RecordExists);
        var check = Empty();
        await Storage.ReadStateAsync("wallet", Wallet, check, default);
        Assert.Equal(1m, check.State!.Balance);
    }

    [Fact]
    public async Task Journal_entries_are_appended_with_the_state_numbered_from_one_and_read_by_kind_and_in_pages()
    {
        var state = EmptyJournaled();
        state.State!.Balance = 5m;
        state.State.Journal.Add(new Transaction(5m, "deposit"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);
        Assert.Equal(0, state.State.Journal.Count); // written: the buffer is empty again
        state.State.Balance = 3m;
        state.State.Journal.Add(new Hold("h-1"));
        state.State.Journal.Add(new Transaction(-1m, "charge"));
        state.State.Journal.Add(new Transaction(-1m, "charge"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);
        await Storage.WriteStateAsync("wallet", Wallet, state, default); // nothing pending: nothing appended

        var firstPage = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 0, 2, null, default);
        var secondPage = await Journal.ReadAsync<Transaction>(Wallet, "wallet", firstPage[^1].Sequence, 2, null, default);
        var transactions = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 0, 10, "transaction", default);
        var laterTransactions = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 1, 10, "transaction", default);
        var holds = await Journal.ReadAsync<Hold>(Wallet, "wallet", 0, 10, "", default);

        Assert.Equal([1L, 2L], firstPage.Select(e => e.Sequence));
        Assert.Equal([3L, 4L], secondPage.Select(e => e.Sequence));
        Assert.Equal(new Transaction(5m, "deposit"), firstPage[0].Entry);
        Assert.Equal([1L, 3L, 4L], transactions.Select(e => e.Sequence));
        Assert.Equal([-1m, -1m], transactions.Skip(1).Select(e => e.Entry.Amount));
        Assert.Equal([3L, 4L], laterTransactions.Select(e => e.Sequence));
        Assert.Equal(new Hold("h-1"), Assert.Single(holds).Entry);
        Assert.All(transactions, e => Assert.True(e.RecordedAt > DateTimeOffset.UnixEpoch));
        Assert.Empty(await Journal.ReadAsync<Transaction>(GrainId.Create("wallet", "other"), "wallet", 0, 10, null, default));
        Assert.Empty(await Journal.ReadAsync<Transaction>(Wallet, "history", 0, 10, null, default));
    }

    [Fact]
    public async Task A_refused_state_write_appends_nothing_and_keeps_its_entries_for_the_next_write()
    {
        var first = EmptyJournaled();
        first.State!.Journal.Add(new Transaction(1m, "one"));
        await Storage.WriteStateAsync("wallet", Wallet, first, default);
        var stale = EmptyJournaled();
        await Storage.ReadStateAsync("wallet", Wallet, stale, default);
        first.State.Journal.Add(new Transaction(2m, "two"));
        await Storage.WriteStateAsync("wallet", Wallet, first, default);

        stale.State!.Journal.Add(new Transaction(99m, "stale"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync("wallet", Wallet, stale, default));

        var entries = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 0, 10, null, default);
        Assert.Equal([1m, 2m], entries.Select(e => e.Entry.Amount));
        Assert.Equal(1, stale.State.Journal.Count);

        // A writer with a fresh etag writes what it still holds, numbered after the others.
        var pending = stale.State.Journal.Pending.ToList();
        await Storage.ReadStateAsync("wallet", Wallet, stale, default);
        foreach (var entry in pending) stale.State!.Journal.Add(entry);
        await Storage.WriteStateAsync("wallet", Wallet, stale, default);
        var after = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 2, 10, null, default);
        Assert.Equal((3L, 99m), (Assert.Single(after).Sequence, after[0].Entry.Amount));
    }

    [Fact]
    public async Task A_journal_outlives_a_cleared_state_and_numbering_goes_on()
    {
        var state = EmptyJournaled();
        state.State!.Journal.Add(new Transaction(1m, "one"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);
        await Storage.ClearStateAsync("wallet", Wallet, state, default);

        state.State!.Journal.Add(new Transaction(2m, "two"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);

        var entries = await Journal.ReadAsync<Transaction>(Wallet, "wallet", 0, 10, null, default);
        Assert.Equal([1L, 2L], entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task The_pending_journal_is_not_part_of_the_stored_state()
    {
        var state = EmptyJournaled();
        state.State!.Balance = 4m;
        state.State.Journal.Add(new Transaction(4m, "deposit"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);
        var listedJson = await Query.QueryAsync<System.Text.Json.JsonElement>(new GrainStateQuery("wallet", "wallet", "nobody", new Dictionary<string, string>(), null, 1), default);
        Assert.Empty(listedJson.Rows); // not a listed state

        var reader = new GrainState<System.Text.Json.JsonElement>();
        await Storage.ReadStateAsync("wallet", Wallet, reader, default);

        Assert.Equal(4m, reader.State.GetProperty("balance").GetDecimal());
        Assert.False(reader.State.TryGetProperty("journal", out _));
    }

    [Fact]
    public async Task A_state_query_lists_an_owners_states_newest_first_filters_by_property_and_pages_with_a_cursor()
    {
        for (int i = 1; i <= 6; i++)
        {
            var row = new GrainState<ListedState>(new ListedState { Owner = i % 2 == 0 ? "b" : "a", CreatedAtMs = i * 10, Color = i == 3 ? "red" : "blue" });
            await Storage.WriteStateAsync("listed", GrainId.Create("listed", $"k{i}"), row, default);
            row.State!.Owner = "changed-later"; // owner and order are taken from the first write only
            row.State.CreatedAtMs = 1_000;
            await Storage.WriteStateAsync("listed", GrainId.Create("listed", $"k{i}"), row, default);
        }

        var none = new Dictionary<string, string>();
        var first = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", none, null, 2), default);
        var second = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", none, first.Next, 2), default);
        var red = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", new Dictionary<string, string> { ["color"] = "red" }, null, 10), default);

        Assert.Equal(["k5", "k3"], first.Rows.Select(r => r.Key));
        Assert.Equal(new GrainStateCursor(30, "k3"), first.Next);
        Assert.Equal("changed-later", first.Rows[0].State.Owner); // the rows hold the current state
        Assert.Equal(["k1"], second.Rows.Select(r => r.Key));
        Assert.Null(second.Next);
        Assert.Equal(["k3"], red.Rows.Select(r => r.Key));
        Assert.Empty((await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "changed-later", none, null, 10), default)).Rows);
        Assert.Empty((await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "other", "a", none, null, 10), default)).Rows);
        await Assert.ThrowsAsync<ArgumentException>(() => Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "a", new Dictionary<string, string> { ["x' or 1=1 --"] = "a" }, null, 2), default));
    }

    [Fact]
    public async Task A_state_query_without_an_owner_lists_every_owners_states_and_matches_booleans()
    {
        int i = 0;
        foreach (var (owner, done) in new[] { ("a", false), ("b", true), ("c", false) })
        {
            var row = new GrainState<ListedState>(new ListedState { Owner = owner, CreatedAtMs = ++i, Done = done });
            await Storage.WriteStateAsync("swept", GrainId.Create("swept", owner), row, default);
        }

        var all = await Query.QueryAsync<ListedState>(new GrainStateQuery("swept", "swept", null, new Dictionary<string, string>(), null, 2), default);
        var rest = await Query.QueryAsync<ListedState>(new GrainStateQuery("swept", "swept", null, new Dictionary<string, string>(), all.Next, 2), default);
        var unfinished = await Query.QueryAsync<ListedState>(new GrainStateQuery("swept", "swept", null, new Dictionary<string, string> { ["done"] = "false" }, null, 10), default);

        Assert.Equal(["c", "b"], all.Rows.Select(r => r.Key));
        Assert.Equal(["a"], rest.Rows.Select(r => r.Key));
        Assert.Equal(["c", "a"], unfinished.Rows.Select(r => r.Key));
    }

    [Fact]
    public async Task Equal_orders_are_listed_by_key_and_a_cleared_state_is_no_longer_listed()
    {
        var states = new Dictionary<string, GrainState<ListedState>>();
        foreach (var key in new[] { "a", "b", "c" })
        {
            states[key] = new GrainState<ListedState>(new ListedState { Owner = "t", CreatedAtMs = 7 });
            await Storage.WriteStateAsync("listed", GrainId.Create("listed", key), states[key], default);
        }

        var none = new Dictionary<string, string>();
        var first = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "t", none, null, 2), default);
        var second = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "t", none, first.Next, 2), default);
        await Storage.ClearStateAsync("listed", GrainId.Create("listed", "b"), states["b"], default);
        var afterClear = await Query.QueryAsync<ListedState>(new GrainStateQuery("listed", "listed", "t", none, null, 10), default);

        Assert.Equal(["c", "b"], first.Rows.Select(r => r.Key));
        Assert.Equal(["a"], second.Rows.Select(r => r.Key));
        Assert.Equal(["c", "a"], afterClear.Rows.Select(r => r.Key));
    }

    public enum Tier { Basic, Gold }

    public sealed class WalletState
    {
        public decimal Balance { get; set; }
        public List<string> Tags { get; set; } = [];
        public Tier Tier { get; set; }
        public string? Note { get; set; }
    }

    /// <summary>A state with a journal, declared as grains declare it: no attribute on <see cref="Journal"/>.</summary>
    public sealed class JournaledWallet : IJournaledState
    {
        public decimal Balance { get; set; }
        public JournalBuffer Journal { get; } = new();
    }

    public sealed record Transaction(decimal Amount, string Reason) : IJournalKind
    {
        string IJournalKind.JournalKind => "transaction";
    }

    /// <summary>An entry of no particular kind (filed under "").</summary>
    public sealed record Hold(string HoldId);

    public sealed class ListedState : IListedState
    {
        public string Owner { get; set; } = "";
        public long CreatedAtMs { get; set; }
        public string Color { get; set; } = "";
        public bool Done { get; set; }

        string IListedState.ListOwner => Owner;

        long IListedState.ListOrder => CreatedAtMs;
    }
}

public sealed class MemoryLedgerStorageTests : LedgerStorageContractTests
{
    public override Task InitializeAsync()
    {
        var storage = new MemoryLedgerStorage();
        (Storage, Query, Journal) = (storage, storage, storage);
        return Task.CompletedTask;
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLedgerStorageTests(PostgresServerFixture postgres) : LedgerStorageContractTests
{
    private NpgsqlDataSource? _dataSource;
    private PostgresLedgerStorage? _storage;

    public override async Task InitializeAsync()
    {
        _dataSource = PostgresOptions.CreateDataSource(await postgres.CreateDatabaseAsync());
        await new SchemaMigrator(_dataSource, TimeSpan.FromSeconds(30), NullLogger<SchemaMigrator>.Instance).RunAsync(default);
        _storage = new PostgresLedgerStorage(_dataSource, new PostgresOptions(), NullLoggerFactory.Instance);
        (Storage, Query, Journal) = (_storage, _storage, _storage);
    }

    public override async Task DisposeAsync()
    {
        if (_storage is not null) await _storage.DisposeAsync();
        if (_dataSource is not null) await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task The_row_holds_jsonb_without_the_journal_the_version_as_etag_and_the_grain_id_as_orleans_formats_it()
    {
        var state = new GrainState<JournaledWallet>(new JournaledWallet { Balance = 7.5m });
        state.State!.Journal.Add(new Transaction(7.5m, "deposit"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);

        await using var command = _dataSource!.CreateCommand("""
            select pg_typeof(payload)::text, payload->>'balance', payload ? 'journal', version, created_at <= updated_at, grain_type, grain_key
            from ledger_state where state_name = 'wallet'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("jsonb", reader.GetString(0));
        Assert.Equal("7.5", reader.GetString(1));
        Assert.False(reader.GetBoolean(2));
        Assert.Equal(state.ETag, reader.GetInt64(3).ToString());
        Assert.True(reader.GetBoolean(4));
        Assert.Equal((Wallet.Type.ToString(), Wallet.Key.ToString()), (reader.GetString(5), reader.GetString(6)));
        Assert.Equal(("wallet", "w-1"), (reader.GetString(5), reader.GetString(6)));
    }

    [Fact]
    public async Task Journal_rows_record_each_entry_with_its_kind()
    {
        var state = new GrainState<JournaledWallet>(new JournaledWallet());
        state.State!.Journal.Add(new Transaction(1m, "one"));
        state.State.Journal.Add(new Hold("h"));
        await Storage.WriteStateAsync("wallet", Wallet, state, default);

        await using var command = _dataSource!.CreateCommand("select sequence, kind, payload->>'reason' from ledger_journal order by sequence");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, string, string?)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        Assert.Equal([(1L, "transaction", "one"), (2L, "", null)], rows);
    }

    [Fact]
    public async Task The_state_table_keeps_rows_inline_and_leaves_room_for_hot_updates()
    {
        await using var command = _dataSource!.CreateCommand("select array_to_string(reloptions, ',') from pg_class where relname = 'ledger_state'");

        var options = (string?)await command.ExecuteScalarAsync();

        Assert.Contains("toast_tuple_target=8160", options);
        Assert.Contains("fillfactor=70", options);
    }
}

/// <summary>What the stores do with a state's pending journal entries, apart from any store.</summary>
public sealed class PendingJournalTests
{
    [Fact]
    public void Entries_added_while_a_write_was_on_its_way_stay_for_the_next_write()
    {
        var buffer = new JournalBuffer();
        buffer.Add("first");
        buffer.Add("second");
        var state = new JournaledProbe(buffer);
        var (taken, kinds, payloads) = LedgerConventions.TakePending(state);
        buffer.Add("added meanwhile"); // an interleaving call

        LedgerConventions.MarkWritten(taken, payloads.Length);

        Assert.Equal(["", ""], kinds);
        Assert.Equal(["\"first\"", "\"second\""], payloads);
        Assert.Equal(["added meanwhile"], buffer.Pending);
    }

    [Fact]
    public void A_state_without_a_journal_or_with_an_empty_one_has_nothing_pending()
    {
        Assert.Empty(LedgerConventions.TakePending(new object()).Payloads);
        Assert.Null(LedgerConventions.TakePending(new JournaledProbe(new JournalBuffer())).Buffer);
        Assert.Null(LedgerConventions.TakePending(null).Buffer);
    }

    private sealed record JournaledProbe(JournalBuffer Journal) : IJournaledState;
}
