using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.TestGrains;

public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>Logs enter:id, waits until the test opens gate id, logs exit:id.</summary>
    Task Hold(string id);

    [ReadOnly]
    Task HoldReadOnly(string id);

    [AlwaysInterleave]
    Task<string> Peek();
}

public interface IReentrantTurnGrain : IGrainWithStringKey
{
    Task Hold(string id);
}

internal static class Holding
{
    public static async Task Hold(Probe probe, string id)
    {
        probe.Record($"enter:{id}");
        await probe.Gate(id);
        await Task.Yield();
        probe.Record($"exit:{id}");
    }
}

public sealed class TurnGrain(Probe probe) : Grain, ITurnGrain
{
    public Task Hold(string id) => Holding.Hold(probe, id);

    public Task HoldReadOnly(string id) => Holding.Hold(probe, id);

    public Task<string> Peek()
    {
        probe.Record("peek");
        return Task.FromResult("peeked");
    }
}

[Reentrant]
public sealed class ReentrantTurnGrain(Probe probe) : Grain, IReentrantTurnGrain
{
    public Task Hold(string id) => Holding.Hold(probe, id);
}

public interface ICycleGrain : IGrainWithStringKey
{
    /// <summary>Calls the peer, which calls back, <paramref name="hops"/> times.</summary>
    Task CallPeer(string peerKey, int hops);

    Task<string> Ping();
}

public sealed class CycleGrain : Grain, ICycleGrain
{
    public Task CallPeer(string peerKey, int hops) =>
        hops <= 0 ? Task.CompletedTask : GrainFactory.GetGrain<ICycleGrain>(peerKey).CallPeer(this.GetPrimaryKeyString(), hops - 1);

    public Task<string> Ping() => Task.FromResult($"pong from {this.GetPrimaryKeyString()}");
}

/// <summary>Checks that every turn of an activation runs alone, even across awaits.</summary>
public interface IExclusionGrain : IGrainWithStringKey
{
    Task<int> Work(int yields);
}

[Reentrant]
public sealed class ExclusionGrain : Grain, IExclusionGrain
{
    private int _inTurn;
    private int _overlaps;

    public async Task<int> Work(int yields)
    {
        for (int i = 0; i < yields; i++)
        {
            if (Interlocked.Increment(ref _inTurn) > 1) Interlocked.Increment(ref _overlaps);
            Thread.SpinWait(200);
            Interlocked.Decrement(ref _inTurn);
            await Task.Yield();
        }

        return _overlaps;
    }
}
