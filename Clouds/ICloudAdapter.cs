namespace Arbitrage.Orleans.Clouds;

/// <summary>
/// What every cloud implements so the control plane can see its market and run instances on it. One adapter
/// serves one configured provider instance (e.g. <c>sim-aws</c>, later <c>aws-us-east-1</c>). Every method may
/// throw <see cref="CloudException"/> with a <see cref="CloudErrorCode"/>; anything else is a bug or an outage.
/// </summary>
public interface ICloudAdapter
{
    /// <summary>Which cloud this adapter speaks to.</summary>
    CloudKind Cloud { get; }

    /// <summary>The launch APIs this adapter supports (spot and on-demand), for the provider's capabilities.</summary>
    IReadOnlyList<LaunchApi> LaunchApis { get; }

    /// <summary>Regions with their zones (a cloud without zones in its data reports one zone named as the region).</summary>
    Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// One cheap call to the cloud's API, never answered from a cache: it throws when the cloud does not answer (or
    /// answers garbage). The provider's health probe. By default a region listing (right for clouds that never cache).
    /// </summary>
    Task ProbeAsync(CancellationToken cancellationToken) => ListRegionsAsync(cancellationToken);

    /// <summary>The instance types offered in a region, per zone, with shape and on-demand price.</summary>
    Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken);

    /// <summary>The current spot price of every market (zone and instance type) in a region.</summary>
    Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken);

    /// <summary>
    /// The spot price history of one instance type in a region: per zone, in time order, the price in force at
    /// <see cref="SpotPriceHistoryQuery.From"/> (the last change before it, as the starting value) and every change up
    /// to <see cref="SpotPriceHistoryQuery.To"/>. Zones are named as in <see cref="GetSpotPricesAsync"/>. Throws
    /// <see cref="CloudException"/> with <see cref="CloudErrorCode.NotSupported"/> when the cloud has no history API
    /// (the default: Azure's and GCP's public price APIs answer only today's prices).
    /// </summary>
    Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) =>
        Task.FromException<IReadOnlyList<SpotPrice>>(new CloudException(CloudErrorCode.NotSupported, $"{Cloud} has no spot price history API."));

    /// <summary>
    /// Launches one instance. Throws <see cref="CloudException"/> with <see cref="CloudErrorCode.InsufficientCapacity"/>
    /// when the market has no capacity, <see cref="CloudErrorCode.PriceAboveMaximum"/> when the spot price is above
    /// the request's maximum (clouds that support one), <see cref="CloudErrorCode.InvalidRequest"/> for a bad request.
    /// </summary>
    Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken);

    /// <summary>The instance's current state, or null when the cloud does not know it.</summary>
    Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// The instances not yet terminated that carry every one of <paramref name="tags"/> (same key, same value): how the
    /// control plane finds what it launched, also when it crashed before recording the launch.
    /// </summary>
    Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken);

    /// <summary>Terminates the instance; idempotent (terminating a terminated or unknown instance is not an error).</summary>
    Task TerminateAsync(string instanceId, CancellationToken cancellationToken);

    /// <summary>
    /// Runs the workload's health check against the instance (an HTTP GET of <paramref name="path"/> on
    /// <paramref name="port"/> for real clouds; the simulated instance's health for simulated ones).
    /// </summary>
    Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Interruption notices for instances launched through this adapter, as the cloud gives them ahead of
    /// termination. Every caller gets its own stream of the notices issued while it listens.
    /// </summary>
    IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken);
}
