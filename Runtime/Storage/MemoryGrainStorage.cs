using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Runtime.Storage;

/// <summary>
/// Grain state in this process (development and unit tests). Values are kept as JSON so that a grain changing its
/// state object after a write does not change what was stored, exactly as with PostgreSQL; etags are versions.
/// </summary>
internal sealed class MemoryGrainStorage(TimeProvider time) : IGrainStorage, IGrainJournalStorage, IGrainStateQuery
{
    private readonly ConcurrentDictionary<(string Type, string Key, string State), (string Json, long Version)> _rows = new();
    private readonly ConcurrentDictionary<(string Type, string Key, string State), List<(string Kind, StoredJournalEntry Entry)>> _journals = new();
    private readonly ConcurrentDictionary<(string Type, string Key, string State), (string Owner, long Order)> _listed = new();

    public MemoryGrainStorage() : this(TimeProvider.System)
    {
    }

    public Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        if (_rows.TryGetValue((grainId.Type, grainId.Key, stateName), out var row))
        {
            grainState.State = GrainStateSerializer.Deserialize<TState>(row.Json);
            grainState.ETag = row.Version.ToString();
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<TState>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        var key = (grainId.Type, grainId.Key, stateName);
        string json = GrainStateSerializer.Serialize(grainState.State);
        if (grainState.ETag is null)
        {
            if (!_rows.TryAdd(key, (json, 1)))
            {
                throw Conflict(stateName, grainId, grainState.ETag, _rows.TryGetValue(key, out var existing) ? existing.Version.ToString() : null);
            }

            grainState.ETag = "1";
            if (grainState.State is IListedState listed) _listed[key] = (listed.ListOwner, listed.ListOrder);
        }
        else
        {
            if (!_rows.TryGetValue(key, out var current) || current.Version.ToString() != grainState.ETag
                || !_rows.TryUpdate(key, (json, current.Version + 1), current))
            {
                throw Conflict(stateName, grainId, grainState.ETag, _rows.TryGetValue(key, out var existing) ? existing.Version.ToString() : null);
            }

            grainState.ETag = (current.Version + 1).ToString();
        }

        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    /// <summary>The state write and the append happen under the journal's lock, so readers see both or neither.</summary>
    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken)
    {
        var journal = _journals.GetOrAdd((grainId.Type, grainId.Key, stateName), _ => []);
        lock (journal)
        {
            WriteStateAsync(stateName, grainId, grainState, cancellationToken).GetAwaiter().GetResult(); // completes synchronously
            var now = time.GetUtcNow();
            foreach (var entry in entries) journal.Add((entry.Kind, new StoredJournalEntry(journal.Count + 1, entry.Json, now)));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<StoredJournalEntry>> ReadJournalAsync(string stateName, GrainId grainId, long afterSequence, int limit, string? kind, CancellationToken cancellationToken)
    {
        if (!_journals.TryGetValue((grainId.Type, grainId.Key, stateName), out var journal)) return Task.FromResult<IReadOnlyList<StoredJournalEntry>>([]);
        lock (journal)
        {
            return Task.FromResult<IReadOnlyList<StoredJournalEntry>>(
                journal.Where(e => e.Entry.Sequence > afterSequence && (kind is null || e.Kind == kind)).Take(limit).Select(e => e.Entry).ToList());
        }
    }

    public Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken)
    {
        query.Validate();
        var matches = new List<(long Order, string Key, string Json)>();
        foreach (var ((type, key, state), (owner, order)) in _listed)
        {
            if (type != query.GrainType || state != query.StateName || owner != query.Owner || !_rows.TryGetValue((type, key, state), out var row)) continue;
            if (query.After is { } after && (order > after.OrderValue || (order == after.OrderValue && string.CompareOrdinal(key, after.Key) >= 0))) continue;
            if (query.Match.Count > 0)
            {
                var root = System.Text.Json.JsonDocument.Parse(row.Json).RootElement;
                if (!query.Match.All(m => root.TryGetProperty(m.Key, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String && v.GetString() == m.Value)) continue;
            }

            matches.Add((order, key, row.Json));
        }

        var page = matches.OrderByDescending(m => m.Order).ThenByDescending(m => m.Key, StringComparer.Ordinal).Take(query.Limit + 1).ToList();
        var rows = page.Take(query.Limit).Select(m => new GrainStateRow<TState>(m.Key, GrainStateSerializer.Deserialize<TState>(m.Json))).ToList();
        var next = page.Count > query.Limit ? new GrainStateCursor(page[query.Limit - 1].Order, page[query.Limit - 1].Key) : null;
        return Task.FromResult(new GrainStatePage<TState>(rows, next));
    }

    public Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        var key = (grainId.Type, grainId.Key, stateName);
        if (_rows.TryGetValue(key, out var current))
        {
            if (current.Version.ToString() != grainState.ETag || !_rows.TryRemove(new(key, current)))
            {
                throw Conflict(stateName, grainId, grainState.ETag, current.Version.ToString());
            }
        }
        else if (grainState.ETag is not null)
        {
            throw Conflict(stateName, grainId, grainState.ETag, null);
        }

        grainState.State = Activator.CreateInstance<TState>();
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    internal static InconsistentStateException Conflict(string stateName, GrainId grainId, string? expected, string? stored) =>
        new($"State '{stateName}' of {grainId} was changed by another writer: expected etag {expected ?? "(no record)"}, store has {stored ?? "(no record)"}. Nothing was written; re-read the state and retry.",
            stored, expected);
}
