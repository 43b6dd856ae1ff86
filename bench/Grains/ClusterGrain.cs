using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Bench.Grains;

/// <summary>The grain the cluster suite calls: a counter whose writes record the lease epoch they were made under.</summary>
public interface IClusterGrain : IGrainWithStringKey
{
    /// <summary>Adds one to the counter and writes the state; returns the new value and the epoch of the writer.</summary>
    Task<WriteResult> Increment();

    /// <summary>The stored counter as this activation loaded or last wrote it.</summary>
    [ReadOnly]
    Task<int> Get();

    /// <summary>Does nothing: the cost of a call alone.</summary>
    [ReadOnly]
    Task Ping();
}

/// <summary>What an acknowledged write was: the counter value it stored and the lease epoch of the activation that wrote it.</summary>
public sealed record WriteResult(int Value, long Epoch);

/// <summary>
/// The counter's state. <see cref="EpochChanges"/> holds one [first value, epoch] pair each time a write is made
/// under another epoch than the previous write, so the stored row shows which lease wrote which values (a few
/// entries per failover, not one per write). <see cref="EpochRegressions"/> counts writes whose activation had an
/// epoch lower than that of the write before it: a stale owner writing after a newer one.
/// </summary>
public sealed class ClusterState
{
    public int Value { get; set; }

    public long LastEpoch { get; set; }

    public int EpochRegressions { get; set; }

    public List<long[]> EpochChanges { get; set; } = [];
}

/// <summary>Grain type "ClusterGrain"; its state "counter" lives in PostgreSQL.</summary>
public sealed class ClusterGrain([PersistentState("counter")] IPersistentState<ClusterState> state) : Grain, IClusterGrain
{
    /// <summary>The lease epoch this activation was created under: its write fence (runtime internal, visible to the bench).</summary>
    private long Epoch => ((Grain)this).Activation.Epoch;

    public async Task<WriteResult> Increment()
    {
        long epoch = Epoch;
        var s = state.State;
        s.Value++;
        if (epoch < s.LastEpoch) s.EpochRegressions++;
        if (epoch != s.LastEpoch) s.EpochChanges.Add([s.Value, epoch]);
        s.LastEpoch = epoch;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not written, or not known to be: the state in memory may be ahead of the row. Discard this activation
            // so that the next call reads the row again (a refused fenced write deactivates it anyway).
            DeactivateOnIdle();
            throw;
        }

        return new WriteResult(s.Value, epoch);
    }

    public Task<int> Get() => Task.FromResult(state.State.Value);

    public Task Ping() => Task.CompletedTask;
}
