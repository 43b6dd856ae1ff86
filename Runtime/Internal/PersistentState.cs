namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Loads a grain's state when its activation starts.</summary>
internal interface IStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

internal sealed class PersistentState<TState>(string stateName, IGrainStorage storage, Activation activation)
    : IPersistentState<TState>, IGrainState<TState>, IStateLoader
{
    public TState State { get; set; } = Activator.CreateInstance<TState>();
    public string? ETag { get; set; }
    public bool RecordExists { get; set; }
    public string? Etag => ETag;

    public Task ReadStateAsync(CancellationToken cancellationToken = default) =>
        storage.ReadStateAsync(stateName, activation.Id, this, cancellationToken);

    public Task WriteStateAsync(CancellationToken cancellationToken = default) =>
        storage.WriteStateAsync(stateName, activation.Id, this, cancellationToken);

    public Task ClearStateAsync(CancellationToken cancellationToken = default) =>
        storage.ClearStateAsync(stateName, activation.Id, this, cancellationToken);
}
