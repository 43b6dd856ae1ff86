using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Platform;

// The cluster-platform face is snake_case. Its records spell their multi-word names with [JsonPropertyName], so they are
// written, read and documented the same under any options (the server's HTTP options, SnakeCaseJsonContext, a client's own).

/// <summary><c>GET /discover</c> (snake_case): every cluster of the tenant with its nodes.</summary>
public sealed record ClusterDiscoverResponse(IReadOnlyList<ClusterDiscover> Clusters);

public sealed record ClusterDiscover([property: JsonPropertyName("cluster_id")] string ClusterId, IReadOnlyList<ClusterDiscoveryNode> Nodes);

/// <param name="AgentAddress">The node's stable endpoint.</param>
/// <param name="NodeId">The node's workload id.</param>
public sealed record ClusterDiscoveryNode(
    [property: JsonPropertyName("agent_address")] string AgentAddress,
    [property: JsonPropertyName("node_id")] string NodeId);

/// <summary><c>POST /provision</c>: raises the node group <see cref="ProvisionTarget.NodeGroupId"/> of the cluster to its desired count.</summary>
public sealed record ProvisionRequest(ProvisionCluster Cluster, ProvisionTarget Provision);

/// <param name="Nodes">The cluster's node groups by id.</param>
/// <param name="Attributes">Attributes of every node of the cluster (any JSON value; a string is stored as given, anything else as its JSON text).</param>
public sealed record ProvisionCluster(
    [property: JsonPropertyName("cluster_id")] string ClusterId,
    IReadOnlyDictionary<string, NodeGroup> Nodes,
    IReadOnlyDictionary<string, JsonElement>? Attributes = null,
    string? Store = null,
    [property: JsonPropertyName("store_version")] string? StoreVersion = null);

/// <param name="DesiredCount">The node group's overall desired number of nodes (0 to 1000).</param>
/// <param name="NodeClass">An instance type of the offer book, or a shape like <c>4cpu-16gb</c>.</param>
/// <param name="Version">The store version of the group's nodes (default: the cluster's <c>store_version</c>).</param>
/// <param name="Attributes">Extend the cluster's attributes, or override those with the same key.</param>
public sealed record NodeGroup(
    [property: JsonPropertyName("desired_count"), JsonRequired] int DesiredCount,
    [property: JsonPropertyName("node_class")] string NodeClass,
    string? Version = null,
    IReadOnlyDictionary<string, JsonElement>? Attributes = null);

public sealed record ProvisionTarget([property: JsonPropertyName("node_group_id")] string NodeGroupId);

/// <summary>How many nodes the provision added, and their ids once the group has named them.</summary>
public sealed record NodeProvisionResponse(
    int Count,
    [property: JsonPropertyName("node_ids"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? NodeIds);

/// <summary><c>POST /deprovision</c> (204): drains and removes the node, lowering its node group's target.</summary>
public sealed record DeprovisionRequest(
    [property: JsonPropertyName("cluster_id")] string ClusterId,
    [property: JsonPropertyName("node_id")] string NodeId);
