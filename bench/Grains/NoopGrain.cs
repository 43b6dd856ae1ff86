using Arbitrage.Orleans.Grains.Storage;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Bench.Grains;

/// <summary>The grain the runtime suite calls: a no-op and a read of its persistent state.</summary>
[Alias("bench.INoopGrain")]
public interface INoopGrain : IGrainWithStringKey
{
    [Alias("Noop")]
    Task Noop();

    [Alias("GetValue")]
    Task<int> GetValue();
}

/// <summary>A small grain state: what a typical idle activation holds. Stored as JSON by the ledger store (camelCase).</summary>
[GenerateSerializer, Alias("bench.SmallState")]
public sealed class SmallState
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public string Name { get; set; } = "";
}

/// <summary>
/// Grain type <see cref="TypeName"/>; its state <see cref="StateName"/> lives in the product's ledger store (PostgreSQL or
/// memory) and is read when it activates. Counts its activations, so a suite can check what the silo did.
/// </summary>
[GrainType(TypeName)]
public sealed class NoopGrain([PersistentState(NoopGrain.StateName, LedgerStorage.Name)] IPersistentState<SmallState> state) : Grain, INoopGrain
{
    public const string TypeName = "bench-noop";
    public const string StateName = "bench";

    private static long s_activations;

    /// <summary>Activations of this grain type in this process so far.</summary>
    public static long Activations => Interlocked.Read(ref s_activations);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref s_activations);
        return Task.CompletedTask;
    }

    public Task Noop() => Task.CompletedTask;

    public Task<int> GetValue() => Task.FromResult(state.State.Value);
}

/// <summary>The same interface on a plain object: the baseline a grain call is compared with.</summary>
public sealed class PlainNoop : INoopGrain
{
    private readonly SmallState _state = new();

    public Task Noop() => Task.CompletedTask;

    public Task<int> GetValue() => Task.FromResult(_state.Value);
}
