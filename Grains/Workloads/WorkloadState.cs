using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Storage;
using Orleans;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>The open billing segment: credit reserved for the current placement's price, accrued from <see cref="From"/>.
/// <see cref="ExpiresAt"/> is when the wallet lets the reservation go unless the workload renews it first.</summary>
[GenerateSerializer, Alias("arb.BillingSegment")]
public sealed record BillingSegment(
    [property: Id(0)] string ReservationId, [property: Id(1)] decimal Reserved, [property: Id(2)] decimal PricePerHour, [property: Id(3)] DateTimeOffset From,
    [property: Id(4)] DateTimeOffset? ExpiresAt = null);

/// <summary>
/// A launch about to be asked of a cloud, written to state before the call: its id (the <c>arbitrage:intent</c> tag of
/// every instance it launches), when, and the markets it tries in order. Cleared in the write that records the
/// launched instance; one found still here after a restart is resolved from the clouds' tagged instances.
/// </summary>
[GenerateSerializer, Alias("arb.LaunchIntent")]
public sealed record LaunchIntent([property: Id(0)] string Id, [property: Id(1)] DateTimeOffset At, [property: Id(2)] IReadOnlyList<LaunchTarget> Targets);

/// <summary>One market a launch intent tries, with the client token the cloud deduplicates the launch by.</summary>
[GenerateSerializer, Alias("arb.LaunchTarget")]
public sealed record LaunchTarget(
    [property: Id(0)] string Provider, [property: Id(1)] string Region, [property: Id(2)] string Zone, [property: Id(3)] string InstanceType,
    [property: Id(4)] string Market, [property: Id(5)] string ClientToken);

/// <summary>An instance being let go after its replacement launched: terminated once the replacement is healthy, or at <see cref="TerminateBy"/>.</summary>
[GenerateSerializer, Alias("arb.RetiringInstance")]
public sealed record RetiringInstance(
    [property: Id(0)] string Provider, [property: Id(1)] string InstanceId, [property: Id(2)] DateTimeOffset TerminateBy,
    [property: Id(3)] BillingSegment? Billing = null);

/// <summary>
/// One entry of a workload's history journal: an audit event, or a placement as it ended. The state keeps only the
/// most recent of each (<see cref="WorkloadOptions.EventsInState"/>, <see cref="WorkloadOptions.PlacementsInState"/>);
/// the journal keeps them all, and the events and placements routes page through it.
/// </summary>
public sealed record WorkloadHistoryEntry(WorkloadEvent? Event, WorkloadPlacement? Placement) : IJournalKind
{
    public const string EventKind = "event";
    public const string PlacementKind = "placement";

    [System.Text.Json.Serialization.JsonIgnore]
    public string JournalKind => Event is not null ? EventKind : PlacementKind;
}

/// <summary>
/// A workload as stored. It is listed by tenant, newest first (<see cref="IListedState"/>);
/// <see cref="Status"/> and the summary fields are top-level because the list reads them from the stored state
/// (see <see cref="WorkloadCatalog"/>). Its history is journaled (<see cref="IJournaledState"/>): every event, and
/// every placement once it has ended, is appended by the write that records it; the lists here hold only the latest.
/// </summary>
[GenerateSerializer, Alias("arb.WorkloadState")]
public sealed class WorkloadState : IListedState, IJournaledState
{
    /// <summary>History entries the next write appends to the journal (not part of the stored state).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    [field: NonSerialized]
    public JournalBuffer Journal { get; } = new();

    [Id(0)]
    public string TenantId { get; set; } = "";
    [Id(1)]
    public string Name { get; set; } = "";
    [Id(2)]
    public WorkloadStatus Status { get; set; }
    [Id(3)]
    public string? StatusReason { get; set; }
    [Id(4)]
    public string Endpoint { get; set; } = "";
    [Id(5)]
    public long CreatedAtMs { get; set; }
    [Id(6)]
    public DateTimeOffset CreatedAt { get; set; }
    [Id(7)]
    public DateTimeOffset? StartedAt { get; set; }
    [Id(8)]
    public DateTimeOffset? TerminatedAt { get; set; }
    [Id(9)]
    public string Fingerprint { get; set; } = "";
    [Id(10)]
    public string ProjectId { get; set; } = "";
    [Id(11)]
    public WorkloadSpec? Spec { get; set; }

    /// <summary>The latest placements, oldest first; the last one is current while it has not ended. Older ones are in the journal.</summary>
    [Id(12)]
    public List<WorkloadPlacement> Placements { get; set; } = [];

    /// <summary>The current placement (the last of <see cref="Placements"/> while it has not ended), or null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public WorkloadPlacement? Current => Placements.Count > 0 && Placements[^1].End is null ? Placements[^1] : null;
    [Id(13)]
    public List<RetiringInstance> Retiring { get; set; } = [];
    [Id(14)]
    public BillingSegment? Billing { get; set; }

    /// <summary>How many billing segments were opened (numbers each one's reservation id, so a retried reservation is not doubled).</summary>
    [Id(15)]
    public int BillingSegments { get; set; }
    [Id(16)]
    public decimal CommittedCost { get; set; }
    [Id(17)]
    public int Attempts { get; set; }
    [Id(18)]
    public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(19)]
    public int FailedHealthChecks { get; set; }
    [Id(20)]
    public EndpointHealth Health { get; set; }
    /// <summary>The latest audit events, oldest first; every event is in the journal.</summary>
    [Id(21)]
    public List<WorkloadEvent> Events { get; set; } = [];

    /// <summary>The launch being asked of a cloud, recorded before the call (see <see cref="LaunchIntent"/>); null otherwise.</summary>
    [Id(30)]
    public LaunchIntent? Launching { get; set; }

    /// <summary>How many placements were ever started (numbers each launch's client token, so it is never reused).</summary>
    [Id(40)]
    public int PlacementCount { get; set; }

    /// <summary>
    /// Whether the history is journaled. A state stored before journaling holds its whole history in its lists; the
    /// first entry added to it journals that history first, then the lists are trimmed like any other.
    /// </summary>
    [Id(41)]
    public bool HistoryJournaled { get; set; }

    /// <summary>
    /// Since when the provider's API has not answered the health check (unavailable, throttled, or calls paused after
    /// repeated errors); null while it answers. The instance is kept meanwhile: the cloud, not the instance, is failing.
    /// </summary>
    [Id(42)]
    public DateTimeOffset? ProviderUnreachableSince { get; set; }

    /// <summary>Placements started so far, also for a state stored before <see cref="PlacementCount"/> existed.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int PlacementsStarted => Math.Max(PlacementCount, Placements.Count);

    string IListedState.ListOwner => TenantId;

    long IListedState.ListOrder => CreatedAtMs;

    public bool IsTerminal => Status is WorkloadStatus.Terminated or WorkloadStatus.Failed;
}
