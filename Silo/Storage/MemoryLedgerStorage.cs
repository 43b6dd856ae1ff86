using System.Collections.Concurrent;
using System.Text.Json;
using Arbitrage.Orleans.Grains.Storage;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// The ledger store in this process (<c>--storage memory</c>, single-silo tests), with the behaviour of
/// <see cref="PostgresLedgerStorage"/>: values are kept as JSON, so a grain changing its state object after a write does
/// not change what was stored; etags are versions; a stale write or clear throws <see cref="InconsistentStateException"/>
/// and changes nothing; journal entries are appended with their state in one step; listed states are listed by the
/// owner and order of their first write. Everything is lost when the process ends.
/// </summary>
public sealed class MemoryLedgerStorage(TimeProvider time) : IGrainStorage, IGrainStateQuery, IGrainJournalReader
{
    private readonly ConcurrentDictionary<(string Type, string Key, string State), Cell> _cells = new();

    public MemoryLedgerStorage() : this(TimeProvider.System)
    {
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string? json = null;
        long version = 0;
        if (_cells.TryGetValue(Key(stateName, grainId), out var cell))
        {
            lock (cell) (json, version) = (cell.Json, cell.Version);
        }

        if (json is not null)
        {
            grainState.State = GrainStateSerializer.Deserialize<T>(json);
            grainState.ETag = LedgerConventions.Format(version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    /// <summary>The state write and the journal append happen under the record's lock: readers see both or neither.</summary>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long? expected = LedgerConventions.Parse(grainState.ETag, stateName, grainId);
        string json = GrainStateSerializer.Serialize(grainState.State);
        var (journal, kinds, payloads) = LedgerConventions.TakePending(grainState.State);
        var cell = _cells.GetOrAdd(Key(stateName, grainId), _ => new Cell());
        long version;
        lock (cell)
        {
            if (expected is null ? cell.Json is not null : cell.Json is null || cell.Version != expected.Value)
            {
                throw LedgerConventions.Conflict(stateName, grainId, grainState.ETag, cell.Json is null ? null : LedgerConventions.Format(cell.Version));
            }

            if (expected is null)
            {
                cell.Version = 1;
                cell.Listing = grainState.State is IListedState listed ? (listed.ListOwner, listed.ListOrder) : null;
            }
            else
            {
                cell.Version++;
            }

            cell.Json = json;
            version = cell.Version;
            var now = time.GetUtcNow();
            for (int i = 0; i < payloads.Length; i++) cell.Journal.Add(new Entry(cell.Journal.Count + 1, kinds[i], payloads[i], now));
        }

        grainState.ETag = LedgerConventions.Format(version);
        grainState.RecordExists = true;
        LedgerConventions.MarkWritten(journal, payloads.Length);
        return Task.CompletedTask;
    }

    /// <summary>Removes the state if it still has the writer's version; its journal is kept.</summary>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        long? expected = LedgerConventions.Parse(grainState.ETag, stateName, grainId);
        if (_cells.TryGetValue(Key(stateName, grainId), out var cell))
        {
            lock (cell)
            {
                if (cell.Json is null ? expected is not null : cell.Version != expected)
                {
                    throw LedgerConventions.Conflict(stateName, grainId, grainState.ETag, cell.Json is null ? null : LedgerConventions.Format(cell.Version));
                }

                (cell.Json, cell.Version, cell.Listing) = (null, 0, null);
            }
        }
        else if (expected is not null)
        {
            throw LedgerConventions.Conflict(stateName, grainId, grainState.ETag, null);
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalRecord<TEntry>>> ReadAsync<TEntry>(GrainId grainId, string stateName, long afterSequence, int limit, string? kind, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_cells.TryGetValue(Key(stateName, grainId), out var cell)) return Task.FromResult<IReadOnlyList<JournalRecord<TEntry>>>([]);
        List<Entry> entries;
        lock (cell)
        {
            entries = cell.Journal.Where(e => e.Sequence > afterSequence && (kind is null || e.Kind == kind)).Take(limit).ToList();
        }

        return Task.FromResult<IReadOnlyList<JournalRecord<TEntry>>>(
            entries.Select(e => new JournalRecord<TEntry>(e.Sequence, GrainStateSerializer.DeserializeEntry<TEntry>(e.Json), e.RecordedAt)).ToList());
    }

    public Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken)
    {
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var matches = new List<(long Order, string Key, string Json)>();
        foreach (var ((type, key, state), cell) in _cells)
        {
            if (type != query.GrainType || state != query.StateName) continue;
            string? json;
            (string Owner, long Order)? listing;
            lock (cell) (json, listing) = (cell.Json, cell.Listing);
            if (json is null || listing is not { } listed || (query.Owner is not null && listed.Owner != query.Owner)) continue;
            if (query.After is { } after && (listed.Order > after.OrderValue || (listed.Order == after.OrderValue && string.CompareOrdinal(key, after.Key) >= 0))) continue;
            if (query.Match.Count > 0 && !Matches(json, query.Match)) continue;
            matches.Add((listed.Order, key, json));
        }

        var page = matches.OrderByDescending(m => m.Order).ThenByDescending(m => m.Key, StringComparer.Ordinal).Take(query.Limit + 1).ToList();
        var rows = page.Take(query.Limit).Select(m => new GrainStateRow<TState>(m.Key, GrainStateSerializer.Deserialize<TState>(m.Json))).ToList();
        var next = page.Count > query.Limit ? new GrainStateCursor(page[query.Limit - 1].Order, page[query.Limit - 1].Key) : null;
        return Task.FromResult(new GrainStatePage<TState>(rows, next));
    }

    /// <summary>As PostgreSQL's <c>payload->>'name' = value</c>: a top-level string property with that value, or a boolean one written as "true"/"false".</summary>
    private static bool Matches(string json, IReadOnlyDictionary<string, string> match)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && match.All(m => root.TryGetProperty(m.Key, out var value) && value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() == m.Value,
                JsonValueKind.True => m.Value == "true",
                JsonValueKind.False => m.Value == "false",
                _ => false,
            });
    }

    private static (string, string, string) Key(string stateName, GrainId grainId) => (grainId.Type.ToString(), grainId.Key.ToString(), stateName);

    /// <summary>One (grain, state name): the record (null JSON when there is none) and its journal, which outlives clears.</summary>
    private sealed class Cell
    {
        public string? Json { get; set; }

        public long Version { get; set; }

        /// <summary>Owner and order taken from the record's first write, when its state is an <see cref="IListedState"/>.</summary>
        public (string Owner, long Order)? Listing { get; set; }

        public List<Entry> Journal { get; } = [];
    }

    private sealed record Entry(long Sequence, string Kind, string Json, DateTimeOffset RecordedAt);
}
