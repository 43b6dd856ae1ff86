using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbitrage.Orleans.Gateway.Http;
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

    /// <summary>The answer of <c>GET /discover</c>: every cluster of the tenant.</summary>
    public sealed record ClusterDiscoverResponse(IReadOnlyList<ClusterDiscover> Clusters);

    public sealed record ClusterDiscover(string ClusterId, IReadOnlyList<ClusterDiscoveryNode> Nodes);

    /// <param name="AgentAddress">The node's stable endpoint (its workload's).</param>
    /// <param name="NodeId">The node's workload id.</param>
    public sealed record ClusterDiscoveryNode(string AgentAddress, string NodeId);

    /// <summary>The answer of <c>POST /provision</c>: how many nodes this request added, and their ids once the group has named them.</summary>
    public sealed record NodeProvisionResponse(int Count, IReadOnlyList<string>? NodeIds);

    public static IEndpointRouteBuilder MapPlatformApi(this IEndpointRouteBuilder routes)
    {
        var platform = routes.MapGroup("").WithTags("Platform");
        platform.MapGet("/discover", DiscoverAsync).WithName("PlatformDiscover")
            .WithSummary("Every cluster of the tenant with its nodes (agent_address, node_id)").Produces<ClusterDiscoverResponse>().RequirePermission(Permissions.WorkloadsRead);
        platform.MapPost("/provision", ProvisionAsync).WithName("PlatformProvision")
            .WithSummary("Raises the node group's target to its desired_count (creating the group first); answers {count, node_ids}").Produces<NodeProvisionResponse>().RequirePermission(Permissions.WorkloadsCreate);
        platform.MapPost("/deprovision", DeprovisionAsync).WithName("PlatformDeprovision")
            .WithSummary("Drains and removes the node, lowering its node group's target (204)").Produces(StatusCodes.Status204NoContent).RequirePermission(Permissions.WorkloadsDelete);
        return routes;
    }

    private static async Task<IResult> DiscoverAsync(HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
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

        return Results.Json(new ClusterDiscoverResponse(clusters), ApiJson.SnakeCase);
    }

    private static async Task<IResult> ProvisionAsync(HttpContext context, IGrainFactory grains, IPlacementService placement, TimeProvider time)
    {
        string tenant = context.Grant().TenantId;
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var cluster = body.RequiredObject("cluster");
        string clusterId = Id(cluster.RequiredString("cluster_id", 64), "cluster.cluster_id");
        var clusterAttributes = Attributes(cluster, "attributes", "cluster.attributes");
        string? store = cluster.String("store", 64);
        string? storeVersion = cluster.String("store_version", 64);
        var nodes = cluster.RequiredObject("nodes");
        string nodeGroupId = body.RequiredObject("provision").RequiredString("node_group_id", 63);
        if (!nodes.Root.TryGetProperty(nodeGroupId, out _))
        {
            throw ApiErrorException.Validation("provision.node_group_id",
                $"provision.node_group_id '{nodeGroupId}' is not a node group of cluster.nodes (it has {NodeGroupNames(nodes)}).");
        }

        var nodeGroup = nodes.RequiredObject(nodeGroupId);
        string field = $"cluster.nodes.{nodeGroupId}";
        int desired = nodeGroup.Required("desired_count", n => nodeGroup.Int(n, 0, 1000));
        string nodeClass = nodeGroup.RequiredString("node_class", 128);
        string? version = nodeGroup.String("version", 64) ?? storeVersion;

        // Attributes of the node group override the cluster's; both are stored on every node (its workload metadata).
        var tags = new Dictionary<string, string>(clusterAttributes, StringComparer.Ordinal);
        foreach (var (key, value) in Attributes(nodeGroup, "attributes", $"{field}.attributes")) tags[key] = value;
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

        return Results.Json(new NodeProvisionResponse(count, nodeIds), ApiJson.SnakeCase);
    }

    private static async Task<IResult> DeprovisionAsync(HttpContext context, IGrainFactory grains, IGroupCatalog catalog)
    {
        string tenant = context.Grant().TenantId;
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string clusterId = body.RequiredString("cluster_id", 64);
        string nodeId = body.RequiredString("node_id", 64);
        var groups = await ClusterGroupsAsync(catalog, tenant, clusterId, context.RequestAborted);
        if (groups.Count == 0)
        {
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.ClusterNotFound, $"Cluster '{clusterId}' does not exist.",
                new Dictionary<string, object?> { ["field"] = "cluster_id" });
        }

        foreach (var item in groups)
        {
            if (await grains.GetGrain<IGroupGrain>(item.Id).RemoveMember(tenant, nodeId)) return Results.NoContent();
        }

        throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.NodeNotFound, $"Node '{nodeId}' is not a node of cluster '{clusterId}'.",
            new Dictionary<string, object?> { ["field"] = "node_id" });
    }

    private static string NodeGroupNames(JsonBody nodes) =>
        string.Join(", ", nodes.Root.EnumerateObject().Select(p => p.Name)) is { Length: > 0 } names ? names : "none";

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

    /// <summary>An attributes map: strings as given, any other JSON value as its JSON text.</summary>
    private static Dictionary<string, string> Attributes(JsonBody body, string name, string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!body.Root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return map;
        if (value.ValueKind != JsonValueKind.Object) throw ApiErrorException.Validation(field, $"{field} must be an object.");
        foreach (var property in value.EnumerateObject())
        {
            if (property.Name.Length is 0 or > 128) throw ApiErrorException.Validation(field, $"Keys of {field} must have 1 to 128 characters.");
            string text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            if (text.Length > 1024) throw ApiErrorException.Validation($"{field}.{property.Name}", $"{field}.{property.Name} is longer than 1024 characters.");
            map[property.Name] = text;
        }

        return map.Count <= 40 ? map : throw ApiErrorException.Validation(field, $"{field} has more than 40 entries.");
    }

    private static string Id(string text, string field) =>
        text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') ? text : throw ApiErrorException.Validation(field, $"{field} may hold only letters, digits, '-', '_' and '.'; got '{text}'.");

    /// <summary>The group of a tenant's node group: the same id on every provision.</summary>
    private static string GroupId(string tenant, string clusterId, string nodeGroupId) =>
        "png-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenant}\n{clusterId}\n{nodeGroupId}")))[..16];

    [GeneratedRegex(@"^\s*(\d{1,3})\s*v?cpus?\s*[-_x/ ]\s*(\d{1,4}(?:\.\d+)?)\s*gi?b\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NodeClassShape();
}
