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
    : IJournaledPersistentState<TState>, IGrainState<TState>, IStateLoader, IFencedGrainState
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

    public Task WriteStateAsync<TEntry>(IReadOnlyList<TEntry> entries, CancellationToken cancellationToken = default)
    {
        var journal = Journal();
        var json = entries.Select(e => new JournalAppend((e as IJournalKind)?.JournalKind ?? "", Storage.GrainStateSerializer.Serialize(e))).ToArray();
        return Fenced(() => journal.WriteStateAsync(stateName, activation.Id, this, json, cancellationToken));
    }

    public async Task<IReadOnlyList<JournalRecord<TEntry>>> ReadJournalAsync<TEntry>(long afterSequence, int limit, string? kind = null, CancellationToken cancellationToken = default)
    {
        var stored = await Journal().ReadJournalAsync(stateName, activation.Id, afterSequence, limit, kind, cancellationToken);
        return stored.Select(e => new JournalRecord<TEntry>(e.Sequence, Storage.GrainStateSerializer.Deserialize<TEntry>(e.Json), e.RecordedAt)).ToList();
    }

    private IGrainJournalStorage Journal() =>
        storage as IGrainJournalStorage ?? throw new InvalidOperationException($"The grain storage of state '{stateName}' does not keep journals.");

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
