using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Platform;

namespace Arbitrage.Orleans.Client;

/// <summary>The cluster-platform face a data-store orchestrator calls: <c>/discover</c>, <c>/provision</c>, <c>/deprovision</c>.</summary>
public sealed class PlatformClient
{
    private readonly ApiTransport _api;

    internal PlatformClient(ApiTransport api) => _api = api;

    /// <summary>Every cluster of the tenant with its nodes.</summary>
    public Task<ClusterDiscoverResponse> DiscoverAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, "/discover", null, SnakeCaseJsonContext.Default.ClusterDiscoverResponse, cancellationToken);

    /// <summary>Raises a node group's target to its desired count (creating it first): how many nodes were added, and their ids.</summary>
    public Task<NodeProvisionResponse> ProvisionAsync(ProvisionRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/provision", ApiTransport.Json(request, SnakeCaseJsonContext.Default.ProvisionRequest),
            SnakeCaseJsonContext.Default.NodeProvisionResponse, cancellationToken);

    /// <summary>Drains and removes a node, lowering its node group's target.</summary>
    public async Task DeprovisionAsync(DeprovisionRequest request, CancellationToken cancellationToken = default)
    {
        using var _ = await _api.SendAsync(HttpMethod.Post, "/deprovision", ApiTransport.Json(request, SnakeCaseJsonContext.Default.DeprovisionRequest), cancellationToken);
    }
}
