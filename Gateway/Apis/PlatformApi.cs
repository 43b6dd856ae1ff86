using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Arbitrage.Orleans.Contracts.Platform;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The cluster-platform face a data-store orchestrator calls (<c>/discover</c>, <c>/provision</c>, <c>/deprovision</c>,
/// snake_case as its API reference). A cluster is the set of the tenant's node groups that carry its <c>cluster_id</c>;
/// each node group is a group (<see cref="IGroupGrain"/>) whose target is the node group's <c>desired_count</c> and
/// whose members are the nodes (<c>node_id</c> = the member's workload id, <c>agent_address</c> = its endpoint).
/// </summary>
public static partial class PlatformApi
{
    /// <summary>Tags every platform group carries (and so every node's workload metadata).</summary>
    public const string ClusterTag = "platform_cluster_id";
    public const string NodeGroupTag = "platform_node_group_id";

    /// <summary>How long provision waits for the group to name its new members (node_ids) before answering without the rest.</summary>
    private static readonly TimeSpan NodeIdWait = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapPlatformApi(this IEndpointRouteBuilder routes)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict, TooLarge = StatusCodes.Status413PayloadTooLarge;
        var platform = routes.MapGroup("").WithTags("Platform");
        platform.MapGet("/discover", DiscoverAsync).WithName("PlatformDiscover")
            .WithSummary("Every cluster of the tenant with its nodes (agent_address, node_id)").ProducesApiErrors().RequirePermission(Permissions.WorkloadsRead);
        platform.MapPost("/provision", ProvisionAsync).WithName("PlatformProvision")
            .WithSummary("Raises the node group's target to its desired_count (creating the group first); answers {count, node_ids}")
            .Accepts<ProvisionRequest>("application/json").ProducesApiErrors(BadRequest, Conflict, TooLarge).RequirePermission(Permissions.WorkloadsCreate);
        platform.MapPost("/deprovision", DeprovisionAsync).WithName("PlatformDeprovision")
            .WithSummary("Drains and removes the node, lowering its node group's target (204)")
            .Accepts<DeprovisionRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge).RequirePermission(Permissions.WorkloadsDelete);
        return routes;
    }

    private static async Task<Ok<ClusterDiscoverResponse>> DiscoverAsync(HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
    {
        string tenant = context.Grant().TenantId;
        var clusters = new List<ClusterDiscover>();
        foreach (var cluster in (await ClusterGroupsAsync(catalog, tenant, null, context.RequestAborted)).GroupBy(g => g.Spec.Compute.Tags![ClusterTag]))
        {
            var nodes = new List<ClusterDiscoveryNode>();
            foreach (var item in cluster)
            {
                if (await grains.GetGrain<IGroupGrain>(item.Id).Get(tenant) is not { } group) continue;
                foreach (var member in group.Active)
                {
                    var workload = await grains.GetGrain<IWorkloadGrain>(member.WorkloadId).Get(tenant);
                    if (workload is not null) nodes.Add(new ClusterDiscoveryNode(workload.Endpoint, member.WorkloadId));
                }
            }

            clusters.Add(new ClusterDiscover(cluster.Key, nodes));
        }

        return TypedResults.Ok(new ClusterDiscoverResponse(clusters));
    }

    private static async Task<Ok<NodeProvisionResponse>> ProvisionAsync(RequestBody<ProvisionRequest> body, HttpContext context, IGrainFactory grains, IPlacementService placement, TimeProvider time)
    {
        string tenant = context.Grant().TenantId;
        var request = body.Value;
        var cluster = request.Cluster;
        string clusterId = cluster.ClusterId;
        string? store = cluster.Store;
        string nodeGroupId = request.Provision.NodeGroupId;
        var nodeGroup = cluster.Nodes[nodeGroupId];
        string field = $"cluster.nodes.{nodeGroupId}";
        int desired = nodeGroup.DesiredCount;
        string nodeClass = nodeGroup.NodeClass;
        string? version = nodeGroup.Version ?? cluster.StoreVersion;

        // Attributes of the node group override the cluster's; both are stored on every node (its workload metadata).
        var tags = new Dictionary<string, string>(PlatformRequestValidator.Attributes(cluster.Attributes), StringComparer.Ordinal);
        foreach (var (key, value) in PlatformRequestValidator.Attributes(nodeGroup.Attributes)) tags[key] = value;
        if (store is not null) tags["store"] = store;
        if (version is not null) tags["store_version"] = version;
        tags[ClusterTag] = clusterId;
        tags[NodeGroupTag] = nodeGroupId;
        var compute = Compute(placement, nodeClass, $"{field}.node_class") with
        {
            LaunchSpecification = new WorkloadConfig($"{store ?? "node"}:{version ?? "latest"}"),
            Tags = tags,
        };

        string groupId = GroupId(tenant, clusterId, nodeGroupId);
        var grain = grains.GetGrain<IGroupGrain>(groupId);
        var before = ((await grain.Get(tenant))?.Members ?? []).Select(m => m.WorkloadId).ToHashSet(StringComparer.Ordinal);
        var capacity = new GroupCapacity(desired, 0, Math.Max(desired, Math.Min(1000, desired + Math.Max(1, desired / 2))));
        GroupRaise raised;
        try
        {
            // One grain turn reads the target and raises it: provisions racing on one node group never lower it.
            raised = await grain.Raise(tenant, new GroupSpec($"{clusterId}/{nodeGroupId}", capacity, new GroupStrategy(), compute))
                ?? throw new ApiErrorException(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"Node group '{nodeGroupId}' of cluster '{clusterId}' is being removed.");
        }
        catch (PlacementValidationException e)
        {
            string renamed = e.Field.StartsWith("capacity", StringComparison.Ordinal) ? $"{field}.desired_count" : $"{field}.node_class";
            throw ApiErrorException.Validation(renamed, e.Message);
        }

        int oldTarget = raised.PreviousTarget;
        int target = raised.Group.Spec.Capacity.Target;
        int count = target - oldTarget;
        var nodeIds = new List<string>();
        var deadline = time.GetUtcNow() + NodeIdWait;
        while (count > 0)
        {
            nodeIds = ((await grain.Get(tenant))?.Active ?? []).Select(m => m.WorkloadId).Where(id => !before.Contains(id)).Take(count).ToList();
            if (nodeIds.Count >= count || time.GetUtcNow() >= deadline) break;
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, context.RequestAborted);
        }

        return TypedResults.Ok(new NodeProvisionResponse(count, nodeIds));
    }

    private static async Task<NoContent> DeprovisionAsync(RequestBody<DeprovisionRequest> body, HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
    {
        string tenant = context.Grant().TenantId;
        var request = body.Value;
        string clusterId = request.ClusterId;
        string nodeId = request.NodeId;
        var groups = await ClusterGroupsAsync(catalog, tenant, clusterId, context.RequestAborted);
        if (groups.Count == 0)
        {
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.ClusterNotFound, $"Cluster '{clusterId}' does not exist.",
                new Dictionary<string, object?> { ["field"] = "cluster_id" });
        }

        foreach (var item in groups)
        {
            if (await grains.GetGrain<IGroupGrain>(item.Id).RemoveMember(tenant, nodeId)) return TypedResults.NoContent();
        }

        throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.NodeNotFound, $"Node '{nodeId}' is not a node of cluster '{clusterId}'.",
            new Dictionary<string, object?> { ["field"] = "node_id" });
    }

    /// <summary>The tenant's active platform groups, of one cluster or of all.</summary>
    private static async Task<List<GroupListItem>> ClusterGroupsAsync(IGroupCatalog catalog, string tenant, string? clusterId, CancellationToken cancellationToken) =>
        (await catalog.ListAsync(tenant, cancellationToken))
        .Where(g => g.Status == GroupStatus.Active && g.Spec.Compute.Tags?.GetValueOrDefault(ClusterTag) is { } c && (clusterId is null || c == clusterId))
        .OrderBy(g => g.CreatedAt)
        .ToList();

    /// <summary>
    /// A node class that is an instance type of the offer book runs on that type (spot, on-demand as the fallback);
    /// <c>&lt;n&gt;cpu-&lt;m&gt;gb</c> (e.g. <c>4cpu-16gb</c>) asks for any type with at least that much.
    /// </summary>
    private static GroupCompute Compute(IPlacementService placement, string nodeClass, string field)
    {
        if (KnownType(placement, nodeClass)) return new GroupCompute(new WorkloadConfig(""), OnDemandType: nodeClass, SpotTypes: [nodeClass]);
        var match = NodeClassShape().Match(nodeClass);
        if (match.Success && int.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out int cpu)
            && double.TryParse(match.Groups[2].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double memory))
        {
            return new GroupCompute(new WorkloadConfig(""), Requirements: new GroupRequirements(cpu, memory));
        }

        throw ApiErrorException.Validation(field, $"{field} '{nodeClass}' is neither an instance type of the offer book nor a shape like 4cpu-16gb.");
    }

    private static bool KnownType(IPlacementService placement, string type)
    {
        try
        {
            return placement.CurrentPrices(new CurrentPriceQuery(null, null, null, type, 1, null)).Total > 0;
        }
        catch (PlacementValidationException)
        {
            return false;
        }
    }

    /// <summary>The group of a tenant's node group: the same id on every provision.</summary>
    private static string GroupId(string tenant, string clusterId, string nodeGroupId) =>
        "png-" + TextDigest.Sha256Hex($"{tenant}\n{clusterId}\n{nodeGroupId}")[..16];

    [GeneratedRegex(@"^\s*(\d{1,3})\s*v?cpus?\s*[-_x/ ]\s*(\d{1,4}(?:\.\d+)?)\s*gi?b\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NodeClassShape();
}
