using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Bench.Grains;

/// <summary>The grain the runtime suite calls: a no-op and a read of its persistent state.</summary>
public interface INoopGrain : IGrainWithStringKey
{
    Task Noop();

    Task<int> GetValue();
}

/// <summary>A small grain state: what a typical idle activation holds.</summary>
public sealed class SmallState
{
    public int Value { get; set; }

    public string Name { get; set; } = "";
}

/// <summary>Grain type "NoopGrain"; its state "state" is read from storage when it activates.</summary>
public sealed class NoopGrain([PersistentState("state")] IPersistentState<SmallState> state) : Grain, INoopGrain
{
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
