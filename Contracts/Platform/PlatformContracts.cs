namespace Arbitrage.Orleans.Contracts.Platform;

/// <summary><c>GET /discover</c> (snake_case): every cluster of the tenant with its nodes.</summary>
public sealed record ClusterDiscoverResponse(IReadOnlyList<ClusterDiscover> Clusters);

public sealed record ClusterDiscover(string ClusterId, IReadOnlyList<ClusterDiscoveryNode> Nodes);

/// <param name="AgentAddress">The node's stable endpoint.</param>
/// <param name="NodeId">The node's workload id.</param>
public sealed record ClusterDiscoveryNode(string AgentAddress, string NodeId);

/// <summary><c>POST /provision</c>: raises the node group <see cref="ProvisionTarget.NodeGroupId"/> of the cluster to its desired count.</summary>
public sealed record ProvisionRequest(ProvisionCluster Cluster, ProvisionTarget Provision);

/// <param name="Nodes">The cluster's node groups by id.</param>
public sealed record ProvisionCluster(
    string ClusterId, IReadOnlyDictionary<string, NodeGroup> Nodes, IReadOnlyDictionary<string, string>? Attributes = null, string? Store = null,
    string? StoreVersion = null);

/// <param name="NodeClass">An instance type of the offer book, or a shape like <c>4cpu-16gb</c>.</param>
public sealed record NodeGroup(int DesiredCount, string NodeClass, string? Version = null, IReadOnlyDictionary<string, string>? Attributes = null);

public sealed record ProvisionTarget(string NodeGroupId);

/// <summary>How many nodes the provision added, and their ids once the group has named them.</summary>
public sealed record NodeProvisionResponse(int Count, IReadOnlyList<string>? NodeIds);

/// <summary><c>POST /deprovision</c> (204): drains and removes the node, lowering its node group's target.</summary>
public sealed record DeprovisionRequest(string ClusterId, string NodeId);
