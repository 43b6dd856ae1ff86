namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>Where a grain's partition is served: here (with the lease epoch), at another silo, or nowhere yet.</summary>
internal readonly record struct Route(RouteKind Kind, long Epoch, string? Address);

internal enum RouteKind { Local, Remote, Unavailable }

/// <summary>Decides which silo serves each partition of the key space.</summary>
internal abstract class GrainPlacement
{
    public abstract int PartitionCount { get; }

    public abstract bool IsClustered { get; }

    public int PartitionOf(GrainId id) => PartitionCount == 1 ? 0 : PartitionHash.Of(id, PartitionCount);

    public abstract Route Resolve(int partition);

    /// <summary>The fence a write by an activation created under <paramref name="epoch"/> must pass; null outside a cluster.</summary>
    public abstract GrainFence? FenceFor(int partition, long epoch);

    /// <summary>Whether this silo believes it may still write for the partition at this epoch (the database decides).</summary>
    public abstract bool MayWrite(int partition, long epoch);

    /// <summary>
    /// Completes when ownership may have changed (after the next refresh of the partition map). Read it before
    /// resolving a route so a change in between is not missed; reading it costs nothing, awaiting it is for retries.
    /// </summary>
    public abstract Task Changed { get; }
}

/// <summary>One silo on its own (memory storage, or a single process): everything is served here.</summary>
internal sealed class LocalPlacement : GrainPlacement
{
    public override int PartitionCount => 1;

    public override bool IsClustered => false;

    public override Route Resolve(int partition) => new(RouteKind.Local, 0, null);

    public override GrainFence? FenceFor(int partition, long epoch) => null;

    public override bool MayWrite(int partition, long epoch) => true;

    /// <summary>Never completes: one silo's placement does not change.</summary>
    public override Task Changed { get; } = new TaskCompletionSource().Task;
}
