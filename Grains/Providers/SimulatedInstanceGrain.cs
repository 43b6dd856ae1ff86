using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// A simulated instance as stored: one small row per instance in the ledger store, listed by provider (newest first),
/// so a launch writes one row and the instances of a provider are listed by tag without activating their grains.
/// </summary>
[GenerateSerializer, Alias("arb.SimulatedInstanceState")]
public sealed class SimulatedInstanceState : IListedState
{
    /// <summary>The value of <see cref="Phase"/> until the instance is terminated or noticed.</summary>
    public const string Live = "live";

    public const string Ended = "ended";

    [Id(0)] public string Provider { get; set; } = "";

    [Id(1)] public SimulatedInstanceRecord? Instance { get; set; }

    /// <summary><see cref="Live"/> or <see cref="Ended"/>: what a listing of running instances matches on.</summary>
    [Id(2)] public string Phase { get; set; } = Live;

    string IListedState.ListOwner => Provider;

    long IListedState.ListOrder => Instance?.LaunchedAt.ToUnixTimeMilliseconds() ?? 0;
}

/// <summary>The cluster's record of one simulated instance (see <see cref="ISimulatedInstanceGrain"/>).</summary>
[GrainType(SimulatedInstanceKeys.GrainType)]
public sealed partial class SimulatedInstanceGrain(
    [PersistentState(SimulatedInstanceKeys.GrainType, LedgerStorage.Name)] IPersistentState<SimulatedInstanceState> state,
    ILogger<SimulatedInstanceGrain> logger) : Grain, ISimulatedInstanceGrain
{
    private SimulatedInstanceRecord? Instance => state.State.Instance;

    public async Task<SimulatedInstanceRecord?> Register(SimulatedInstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        if (Instance is { } known)
        {
            if (known.ClientToken is not { Length: > 0 } token || token != instance.ClientToken) LogIdTaken(instance.InstanceId, this.GetPrimaryKeyString());
            return known;
        }

        var key = this.GetPrimaryKeyString();
        state.State.Provider = key[..key.LastIndexOf('/')];
        state.State.Instance = instance;
        await state.WriteStateAsync();
        return null;
    }

    public Task<SimulatedInstanceRecord?> Describe() => Task.FromResult(Instance);

    public async Task Terminate(DateTimeOffset now)
    {
        if (Instance is not { } instance || instance.TerminationAt <= now) return;
        state.State.Instance = instance with { TerminationAt = now, TerminationReason = "terminated" };
        state.State.Phase = SimulatedInstanceState.Ended;
        await state.WriteStateAsync();
    }

    public async Task<bool> SetHealth(bool healthy)
    {
        if (Instance is not { } instance) return false;
        state.State.Instance = instance with { Healthy = healthy };
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> Interrupt(SimulatedNotice notice)
    {
        ArgumentNullException.ThrowIfNull(notice);
        if (Instance is not { } instance || instance.TerminationAt is not null) return false;
        state.State.Instance = instance with { TerminationAt = notice.TerminationAt, TerminationReason = "interrupted" };
        state.State.Phase = SimulatedInstanceState.Ended;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ISimulatedCloudGrain>(state.State.Provider).Publish(notice);
        return true;
    }

    [LoggerMessage(EventId = 6251, Level = LogLevel.Warning, Message = "Simulated instance ID {InstanceId} ({Key}) belongs to another launch; the launch is made again")]
    private partial void LogIdTaken(string instanceId, string key);
}
