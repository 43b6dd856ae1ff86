using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;
using Orleans.Utilities;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>The instances of one simulated provider, by ID, and the ClientTokens they were launched with.</summary>
[GenerateSerializer, Alias("arb.SimulatedCloudState")]
public sealed class SimulatedCloudState
{
    [Id(0)] public Dictionary<string, SimulatedInstanceRecord> Instances { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public Dictionary<string, string> ClientTokens { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The cluster's record of a simulated provider's instances (see <see cref="ISimulatedCloudGrain"/>): every silo's
/// <see cref="SharedSimulatedCloud"/> registers its launches here and reads, terminates and interrupts through it; notices
/// go to every subscribed silo.
/// </summary>
public sealed partial class SimulatedCloudGrain(
    [PersistentState("simulatedcloud")] IPersistentState<SimulatedCloudState> state, ILogger<SimulatedCloudGrain> logger) : Grain, ISimulatedCloudGrain
{
    /// <summary>How long a subscription lasts without being renewed.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(1);

    private readonly ObserverManager<ISimulatedCloudObserver> _observers = new(SubscriptionLifetime, logger);

    private SimulatedCloudState S => state.State;

    public Task<SimulatedInstanceRecord?> FindByClientToken(string clientToken) =>
        Task.FromResult(S.ClientTokens.TryGetValue(clientToken, out var id) ? S.Instances.GetValueOrDefault(id) : null);

    public async Task<SimulatedInstanceRecord?> Register(SimulatedInstanceRecord instance)
    {
        if (instance.ClientToken is { Length: > 0 } token && S.ClientTokens.TryGetValue(token, out var existing) && S.Instances.TryGetValue(existing, out var first))
        {
            return first;
        }

        if (S.Instances.ContainsKey(instance.InstanceId))
        {
            LogIdCollision(instance.InstanceId, this.GetPrimaryKeyString());
            return null;
        }

        S.Instances[instance.InstanceId] = instance;
        if (instance.ClientToken is { Length: > 0 } newToken) S.ClientTokens[newToken] = instance.InstanceId;
        await state.WriteStateAsync();
        return instance;
    }

    public Task<SimulatedInstanceRecord?> Describe(string instanceId) => Task.FromResult(S.Instances.GetValueOrDefault(instanceId));

    public Task<IReadOnlyList<SimulatedInstanceRecord>> ListTagged(Dictionary<string, string> tags, DateTimeOffset now) =>
        Task.FromResult<IReadOnlyList<SimulatedInstanceRecord>>(S.Instances.Values
            .Where(i => !(i.TerminationAt <= now) && tags.All(t => i.Tags?.GetValueOrDefault(t.Key) == t.Value))
            .ToList());

    public async Task Terminate(string instanceId, DateTimeOffset now)
    {
        if (!S.Instances.TryGetValue(instanceId, out var instance) || instance.TerminationAt <= now) return;
        S.Instances[instanceId] = instance with { TerminationAt = now, TerminationReason = "terminated" };
        await state.WriteStateAsync();
    }

    public async Task<bool> SetHealth(string instanceId, bool healthy)
    {
        if (!S.Instances.TryGetValue(instanceId, out var instance)) return false;
        S.Instances[instanceId] = instance with { Healthy = healthy };
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> Interrupt(SimulatedNotice notice)
    {
        if (!S.Instances.TryGetValue(notice.InstanceId, out var instance) || instance.TerminationAt is not null) return false;
        S.Instances[notice.InstanceId] = instance with { TerminationAt = notice.TerminationAt, TerminationReason = "interrupted" };
        await state.WriteStateAsync();
        _observers.Notify(o => o.OnNotice(notice));
        return true;
    }

    public Task Subscribe(ISimulatedCloudObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ISimulatedCloudObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 6251, Level = LogLevel.Warning, Message = "Simulated instance ID {InstanceId} of {Provider} is already taken; the launch is made again")]
    private partial void LogIdCollision(string instanceId, string provider);
}
