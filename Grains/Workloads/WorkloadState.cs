using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>The open billing segment: credit reserved for the current placement's price, accrued from <see cref="From"/>.</summary>
public sealed record BillingSegment(string ReservationId, decimal Reserved, decimal PricePerHour, DateTimeOffset From);

/// <summary>An instance being let go after its replacement launched: terminated once the replacement is healthy, or at <see cref="TerminateBy"/>.</summary>
public sealed record RetiringInstance(string Provider, string InstanceId, DateTimeOffset TerminateBy);

/// <summary>
/// A workload as stored. It is listed by tenant, newest first (<see cref="Arbitrage.Orleans.Runtime.IListedState"/>);
/// <see cref="Status"/> and the summary fields are top-level because the list reads them from the stored state
/// (see <see cref="WorkloadCatalog"/>).
/// </summary>
public sealed class WorkloadState : Arbitrage.Orleans.Runtime.IListedState
{
    public string TenantId { get; set; } = "";
    public string Name { get; set; } = "";
    public WorkloadStatus Status { get; set; }
    public string? StatusReason { get; set; }
    public string Endpoint { get; set; } = "";
    public long CreatedAtMs { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? TerminatedAt { get; set; }
    public string Fingerprint { get; set; } = "";
    public string ProjectId { get; set; } = "";
    public WorkloadSpec? Spec { get; set; }

    /// <summary>Every placement, oldest first; the last one is current while it has not ended.</summary>
    public List<WorkloadPlacement> Placements { get; set; } = [];

    /// <summary>The current placement (the last of <see cref="Placements"/> while it has not ended), or null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public WorkloadPlacement? Current => Placements.Count > 0 && Placements[^1].End is null ? Placements[^1] : null;
    public List<RetiringInstance> Retiring { get; set; } = [];
    public BillingSegment? Billing { get; set; }

    /// <summary>How many billing segments were opened (numbers each one's reservation id, so a retried reservation is not doubled).</summary>
    public int BillingSegments { get; set; }
    public decimal CommittedCost { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public int FailedHealthChecks { get; set; }
    public EndpointHealth Health { get; set; }
    public List<WorkloadEvent> Events { get; set; } = [];

    string Arbitrage.Orleans.Runtime.IListedState.ListOwner => TenantId;

    long Arbitrage.Orleans.Runtime.IListedState.ListOrder => CreatedAtMs;

    public bool IsTerminal => Status is WorkloadStatus.Terminated or WorkloadStatus.Failed;
}
