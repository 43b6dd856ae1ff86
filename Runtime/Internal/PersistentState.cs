namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Loads a grain's state when its activation starts.</summary>
internal interface IStateLoader
{
    Task ReadStateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A grain's named state. Writes carry the activation's fence (silo, partition, epoch): a silo that has already seen
/// its lease go refuses locally, and the store refuses in the same statement as the write. A refused write
/// deactivates the activation, so the next call finds the grain where it now lives.
/// </summary>
internal sealed class PersistentState<TState>(string stateName, IGrainStorage storage, Activation activation)
    : IPersistentState<TState>, IGrainState<TState>, IStateLoader, IFencedGrainState
{
    public TState State { get; set; } = Activator.CreateInstance<TState>();
    public string? ETag { get; set; }
    public bool RecordExists { get; set; }
    public string? Etag => ETag;
    public GrainFence? Fence => activation.Fence;

    public Task ReadStateAsync(CancellationToken cancellationToken = default) =>
        storage.ReadStateAsync(stateName, activation.Id, this, cancellationToken);

    public Task WriteStateAsync(CancellationToken cancellationToken = default) =>
        Fenced(() => storage.WriteStateAsync(stateName, activation.Id, this, cancellationToken));

    public Task ClearStateAsync(CancellationToken cancellationToken = default) =>
        Fenced(() => storage.ClearStateAsync(stateName, activation.Id, this, cancellationToken));

    private async Task Fenced(Func<Task> write)
    {
        try
        {
            activation.EnsureMayWrite();
            await write();
        }
        catch (PartitionLeaseLostException)
        {
            activation.OnLeaseLost();
            throw;
        }
    }
}
