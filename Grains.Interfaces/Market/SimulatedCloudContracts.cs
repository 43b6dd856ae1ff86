using Orleans;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// The instances of one simulated provider, shared by every silo of the cluster (key: the provider's name). Each silo
/// keeps its own price replay and catalog (deterministic from the seed) and launches through it; the instance it
/// creates is registered here, so any silo can describe, health-check, list, terminate or interrupt it, also after the
/// silo that launched it is gone. State is persisted in the default grain storage, as a real cloud's instances outlive
/// a silo. Times are the caller's (its simulated cloud's clock), so tests with a manual clock keep control.
/// </summary>
[Alias("arb.ISimulatedCloudGrain")]
public interface ISimulatedCloudGrain : IGrainWithStringKey
{
    /// <summary>The instance launched with <paramref name="clientToken"/>, or null.</summary>
    [Alias("FindByClientToken")]
    Task<SimulatedInstanceRecord?> FindByClientToken(string clientToken);

    /// <summary>
    /// Registers a launched instance. Returns it, or the instance already registered with its ClientToken (the caller
    /// then drops its own), or null when its ID is taken by another instance (the caller launches again).
    /// </summary>
    [Alias("Register")]
    Task<SimulatedInstanceRecord?> Register(SimulatedInstanceRecord instance);

    [Alias("Describe")]
    Task<SimulatedInstanceRecord?> Describe(string instanceId);

    /// <summary>The instances carrying every tag of <paramref name="tags"/> not terminated at <paramref name="now"/>.</summary>
    [Alias("ListTagged")]
    Task<IReadOnlyList<SimulatedInstanceRecord>> ListTagged(Dictionary<string, string> tags, DateTimeOffset now);

    /// <summary>Terminates the instance at <paramref name="now"/> (idempotent; unknown instances are ignored).</summary>
    [Alias("Terminate")]
    Task Terminate(string instanceId, DateTimeOffset now);

    /// <summary>Sets what its health check reports while it runs; false when the instance is unknown.</summary>
    [Alias("SetHealth")]
    Task<bool> SetHealth(string instanceId, bool healthy);

    /// <summary>
    /// Gives every subscribed silo the notice and terminates the instance at its <see cref="SimulatedNotice.TerminationAt"/>;
    /// false (nothing done) when the instance is unknown, terminated or already noticed.
    /// </summary>
    [Alias("Interrupt")]
    Task<bool> Interrupt(SimulatedNotice notice);

    /// <summary>Receives the notices of this provider until <see cref="Unsubscribe"/> or the subscription expires (renew it).</summary>
    [Alias("Subscribe")]
    Task Subscribe(ISimulatedCloudObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ISimulatedCloudObserver observer);
}

/// <summary>A silo's simulated cloud, told of each interruption notice of its provider.</summary>
[Alias("arb.ISimulatedCloudObserver")]
public interface ISimulatedCloudObserver : IGrainObserver
{
    [Alias("OnNotice")]
    void OnNotice(SimulatedNotice notice);
}

/// <summary>A simulated instance as the cluster knows it; its state follows from the clock (Pending until RunningAt, Terminated from TerminationAt).</summary>
[GenerateSerializer, Alias("arb.SimulatedInstanceRecord")]
public sealed record SimulatedInstanceRecord(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string Region,
    [property: Id(2)] string Zone,
    [property: Id(3)] string InstanceType,
    [property: Id(4)] bool Spot,
    [property: Id(5)] decimal PricePerHour,
    [property: Id(6)] string? Address,
    [property: Id(7)] DateTimeOffset LaunchedAt,
    [property: Id(8)] DateTimeOffset RunningAt,
    [property: Id(9)] string? ClientToken,
    [property: Id(10)] Dictionary<string, string>? Tags,
    [property: Id(11)] DateTimeOffset? TerminationAt = null,
    [property: Id(12)] string? TerminationReason = null,
    [property: Id(13)] bool? Healthy = null);

/// <summary>An interruption notice of a simulated instance.</summary>
[GenerateSerializer, Alias("arb.SimulatedNotice")]
public sealed record SimulatedNotice(
    [property: Id(0)] string InstanceId,
    [property: Id(1)] string Region,
    [property: Id(2)] string Zone,
    [property: Id(3)] string InstanceType,
    [property: Id(4)] DateTimeOffset NoticedAt,
    [property: Id(5)] DateTimeOffset TerminationAt,
    [property: Id(6)] string Reason);
