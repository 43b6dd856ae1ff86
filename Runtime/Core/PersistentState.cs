namespace Arbitrage.Orleans.Runtime;

/// <summary>A named piece of grain state kept in a grain storage provider.</summary>
public interface IPersistentState<TState>
{
    /// <summary>The current value; a new instance when no record exists.</summary>
    TState State { get; set; }

    /// <summary>Version of the stored record this value was read from or written as; null when no record exists.</summary>
    string? Etag { get; }

    /// <summary>Whether a stored record exists.</summary>
    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    /// <exception cref="InconsistentStateException">The stored record changed since it was read.</exception>
    Task WriteStateAsync(CancellationToken cancellationToken = default);

    /// <exception cref="InconsistentStateException">The stored record changed since it was read.</exception>
    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>The state, etag and existence flag a storage provider reads into and writes from.</summary>
public interface IGrainState<TState>
{
    TState State { get; set; }
    string? ETag { get; set; }
    bool RecordExists { get; set; }
}

/// <summary>A grain storage provider, registered under a name with <c>AddMemoryGrainStorage</c> or <c>AddPostgresGrainStorage</c>.</summary>
public interface IGrainStorage
{
    Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken);

    /// <summary>Writes the state if the stored etag equals <see cref="IGrainState{TState}.ETag"/> (null: no record may exist), then sets the new etag.</summary>
    Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken);

    /// <summary>Deletes the record if the stored etag equals <see cref="IGrainState{TState}.ETag"/>, then resets the state.</summary>
    Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken);
}
