namespace Arbitrage.Orleans.Runtime;

/// <summary>The lease under which an activation writes: its silo must still hold the partition at this epoch.</summary>
public sealed record GrainFence(string SiloId, int Partition, long Epoch);

/// <summary>A grain state whose writes are fenced (implemented by the runtime's persistent state).</summary>
public interface IFencedGrainState
{
    /// <summary>Null outside a cluster (single silo on memory storage).</summary>
    GrainFence? Fence { get; }
}

/// <summary>
/// A write was refused because the writer no longer holds the grain's partition at the epoch it activated under
/// (its lease moved to another silo). Nothing was written; the activation is deactivated and the call can be retried.
/// </summary>
public sealed class PartitionLeaseLostException(string message) : Exception(message);

/// <summary>The cluster's settings conflict with this silo's (partition count, duplicate address).</summary>
public sealed class ClusterConfigurationException(string message) : Exception(message);

/// <summary>No silo could serve the grain's partition within the call's time.</summary>
public sealed class SiloUnavailableException(string message) : Exception(message);

/// <summary>A remote grain threw an exception whose type does not exist here; its type name and message are kept.</summary>
public sealed class RemoteGrainException(string remoteType, string message) : Exception(message)
{
    public string RemoteType { get; } = remoteType;
}
