namespace Arbitrage.Orleans.Clouds;

/// <summary>
/// A provider in <c>mode: read-only</c>: prices, catalog and describe go to the cloud; launches are refused (with an
/// error naming the provider and the setting) before any call, so a price-watching setup needs no launch permission.
/// Terminating is refused too: a read-only provider never touches instances.
/// </summary>
public sealed class ReadOnlyCloudAdapter(string provider, ICloudAdapter inner) : ICloudAdapter, ICloudAdapterDecorator
{
    public ICloudAdapter Inner => inner;

    public CloudKind Cloud => inner.Cloud;

    public IReadOnlyList<LaunchApi> LaunchApis => [];

    public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) => inner.ListRegionsAsync(cancellationToken);

    public Task ProbeAsync(CancellationToken cancellationToken) => inner.ProbeAsync(cancellationToken);

    public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) =>
        inner.DescribeInstanceTypesAsync(region, cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) => inner.GetSpotPricesAsync(region, cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) =>
        inner.GetSpotPriceHistoryAsync(query, cancellationToken);

    public Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken) => throw Refused("launch");

    public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) => inner.DescribeInstanceAsync(instanceId, cancellationToken);

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => throw Refused("terminate");

    public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CloudInstance>>([]);

    public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken) =>
        inner.CheckHealthAsync(instanceId, port, path, cancellationToken);

    public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken) => inner.WatchInterruptionsAsync(cancellationToken);

    private CloudException Refused(string what) =>
        new(CloudErrorCode.InvalidRequest, $"Provider '{provider}' is read-only (mode: read-only in the providers file): it does not {what} instances. Set mode: launch to let it.");
}
