using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Runtime.Storage;

/// <summary>
/// Grain state in this process (development and unit tests). Values are kept as JSON so that a grain changing its
/// state object after a write does not change what was stored, exactly as with PostgreSQL; etags are versions.
/// </summary>
internal sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<(string Type, string Key, string State), (string Json, long Version)> _rows = new();

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
