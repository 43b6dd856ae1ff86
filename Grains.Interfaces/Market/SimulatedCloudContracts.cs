using Orleans;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// One instance of a simulated provider, as the whole cluster knows it (key: <see cref="SimulatedInstanceKeys.Of"/>,
/// the provider's name and the instance ID). Each silo keeps its own price replay and catalog (deterministic from the
/// seed) and launches through it; the instance it creates is registered here, so any silo can describe, health-check,
/// terminate or interrupt it, also after the silo that launched it is gone, and no two launches get one ID. A launch
/// with a ClientToken gets an ID computed from the token, so the token is checked cluster-wide by asking that ID's
/// grain. State is persisted (listed by provider, so instances can be listed by tag without activating them), as a
/// real cloud's instances outlive a silo. Times are the caller's (its simulated cloud's clock), so tests with a manual
/// clock keep control.
/// </summary>
[Alias("arb.ISimulatedInstanceGrain")]
public interface ISimulatedInstanceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the launched instance: null when recorded, else the instance this ID already has (the first launch of the
    /// same ClientToken, which the caller answers with, dropping its own; or another launch, and the caller launches again).
    /// </summary>
    [Alias("Register")]
    Task<SimulatedInstanceRecord?> Register(SimulatedInstanceRecord instance);

    /// <summary>The instance, or null when no launch has this ID.</summary>
    [Alias("Describe")]
    Task<SimulatedInstanceRecord?> Describe();

    /// <summary>Terminates the instance at <paramref name="now"/> (idempotent; nothing when it is unknown).</summary>
    [Alias("Terminate")]
    Task Terminate(DateTimeOffset now);

    /// <summary>Sets what its health check reports while it runs; false when the instance is unknown.</summary>
    [Alias("SetHealth")]
    Task<bool> SetHealth(bool healthy);

    /// <summary>
    /// Ends the instance at the notice's <see cref="SimulatedNotice.TerminationAt"/> and gives every subscribed silo the
    /// notice; false (nothing done) when the instance is unknown, terminated or already noticed.
    /// </summary>
    [Alias("Interrupt")]
    Task<bool> Interrupt(SimulatedNotice notice);
}

/// <summary>The grain keys of simulated instances.</summary>
public static class SimulatedInstanceKeys
{
    /// <summary>The grain type of <see cref="ISimulatedInstanceGrain"/>, which lists their states.</summary>
    public const string GrainType = "simulatedinstance";

    public static string Of(string provider, string instanceId) => $"{provider}/{instanceId}";
}

/// <summary>
/// The interruption notices of one simulated provider (key: the provider's name): every silo's watchers subscribe
/// here, and each instance's grain publishes its notice here.
/// </summary>
[Alias("arb.ISimulatedCloudGrain")]
public interface ISimulatedCloudGrain : IGrainWithStringKey
{
    [Alias("Publish")]
    Task Publish(SimulatedNotice notice);

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
