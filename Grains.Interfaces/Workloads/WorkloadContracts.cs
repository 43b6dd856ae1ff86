using Orleans;
using Arbitrage.Orleans.Grains.Market;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>The lifecycle: PENDING → PROVISIONING → RUNNING → STOPPING → TERMINATED, or FAILED.</summary>
[GenerateSerializer, Alias("arb.WorkloadStatus")]
public enum WorkloadStatus { Pending, Provisioning, Running, Stopping, Terminated, Failed }

/// <summary>The Compute Arbitrage API's <c>WorkloadConfig</c>.</summary>
[GenerateSerializer, Alias("arb.WorkloadConfig")]
public sealed record WorkloadConfig(
    [property: Id(0)] string ImageId,
    [property: Id(1)] int HealthCheckPort = 8080,
    [property: Id(2)] string HealthCheckPath = "/health",
    [property: Id(3)] IReadOnlyDictionary<string, string>? EnvironmentVariables = null,
    [property: Id(4)] string? StartupScript = null);

/// <summary>What a user asks to run.</summary>
[GenerateSerializer, Alias("arb.WorkloadSpec")]
public sealed record WorkloadSpec([property: Id(0)] string Name, [property: Id(1)] PlacementRequirements Requirements, [property: Id(2)] WorkloadConfig Config, [property: Id(3)] IReadOnlyDictionary<string, string> Metadata);

/// <param name="Fingerprint">A digest of the request, so a retried Idempotency-Key with a different body is refused.</param>
[GenerateSerializer, Alias("arb.CreateWorkload")]
public sealed record CreateWorkload([property: Id(0)] string TenantId, [property: Id(1)] WorkloadSpec Spec, [property: Id(2)] string Fingerprint);

[GenerateSerializer, Alias("arb.WorkloadSummary")]
public sealed record WorkloadSummary([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] WorkloadStatus Status, [property: Id(3)] string? StatusReason, [property: Id(4)] string Endpoint, [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>Where a workload runs (or ran): the market, its price, the instance, and how the placement ended.</summary>
[GenerateSerializer, Alias("arb.WorkloadPlacement")]
public sealed record WorkloadPlacement(
    [property: Id(0)] string Provider,
    [property: Id(1)] string Cloud,
    [property: Id(2)] string Region,
    [property: Id(3)] string Zone,
    [property: Id(4)] string InstanceType,
    [property: Id(5)] string Market,
    [property: Id(6)] decimal PricePerHour,
    [property: Id(7)] string InstanceId,
    [property: Id(8)] DateTimeOffset Start,
    [property: Id(9)] DateTimeOffset? End = null,
    [property: Id(10)] string? EndReason = null,
    [property: Id(11)] string? Reason = null);

[GenerateSerializer, Alias("arb.WorkloadDetails")]
public sealed record WorkloadDetails(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] WorkloadStatus Status,
    [property: Id(3)] string? StatusReason,
    [property: Id(4)] string Endpoint,
    [property: Id(5)] PlacementRequirements Requirements,
    [property: Id(6)] WorkloadConfig Config,
    [property: Id(7)] IReadOnlyDictionary<string, string> Metadata,
    [property: Id(8)] string ProjectId,
    [property: Id(9)] WorkloadPlacement? Placement,
    [property: Id(10)] IReadOnlyList<WorkloadPlacement> Placements,
    [property: Id(11)] decimal CostToDate,
    [property: Id(12)] decimal CommittedCost,
    [property: Id(13)] DateTimeOffset CreatedAt,
    [property: Id(14)] DateTimeOffset? StartedAt,
    [property: Id(15)] DateTimeOffset? TerminatedAt,
    [property: Id(16)] int PlacementCount = 0);

[GenerateSerializer, Alias("arb.EndpointHealth")]
public enum EndpointHealth { Unknown, Healthy, Unhealthy }

[GenerateSerializer, Alias("arb.WorkloadEndpoint")]
public sealed record WorkloadEndpoint([property: Id(0)] string Http, [property: Id(1)] string Tcp, [property: Id(2)] EndpointHealth Status);

/// <summary>One entry of the audit trail: what happened, the status change (if any) and why.</summary>
[GenerateSerializer, Alias("arb.WorkloadEvent")]
public sealed record WorkloadEvent([property: Id(0)] DateTimeOffset At, [property: Id(1)] string Type, [property: Id(2)] WorkloadStatus? From, [property: Id(3)] WorkloadStatus? To, [property: Id(4)] string Reason);

/// <summary>A page of the audit trail, oldest first; <see cref="NextAfter"/> (where the next page starts) is null on the last page.</summary>
[GenerateSerializer, Alias("arb.WorkloadEventPage")]
public sealed record WorkloadEventPage([property: Id(0)] IReadOnlyList<WorkloadEvent> Events, [property: Id(1)] long? NextAfter);

/// <summary>A page of a workload's placements, oldest first (the current one last); <see cref="NextAfter"/> is null on the last page.</summary>
[GenerateSerializer, Alias("arb.WorkloadPlacementPage")]
public sealed record WorkloadPlacementPage([property: Id(0)] IReadOnlyList<WorkloadPlacement> Placements, [property: Id(1)] long? NextAfter);

[GenerateSerializer, Alias("arb.TerminateOutcome")]
public enum TerminateOutcome { NotFound, Accepted, AlreadyTerminated }

/// <summary>A cloud's notice that the instance will be taken back at <see cref="TerminationAt"/>.</summary>
[GenerateSerializer, Alias("arb.InstanceInterruption")]
public sealed record InstanceInterruption([property: Id(0)] string Provider, [property: Id(1)] string InstanceId, [property: Id(2)] DateTimeOffset NoticedAt, [property: Id(3)] DateTimeOffset TerminationAt, [property: Id(4)] string Reason);

/// <summary>
/// One workload, keyed by its id (<c>wk-…</c>). Every read and the termination take the caller's tenant: another
/// tenant's workload answers exactly as a missing one does.
/// </summary>
[Alias("arb.IWorkloadGrain")]
public interface IWorkloadGrain : IGrainWithStringKey
{
    /// <summary>Accepts the workload (durably, before returning); a repeat with the same fingerprint returns the first result.</summary>
    /// <exception cref="IdempotencyConflictException">The id was used for a different request.</exception>
    [Alias("Create")]
    Task<WorkloadSummary> Create(CreateWorkload request);

    [ReadOnly]
    [Alias("Get")]
    Task<WorkloadDetails?> Get(string tenantId);

    [ReadOnly]
    [Alias("GetEndpoint")]
    Task<WorkloadEndpoint?> GetEndpoint(string tenantId);

    /// <summary>Up to <paramref name="limit"/> audit events after position <paramref name="after"/> (0 for the first page), read from the journal.</summary>
    [ReadOnly]
    [Alias("GetEventPage")]
    Task<WorkloadEventPage?> GetEventPage(string tenantId, long after, int limit);

    /// <summary>Up to <paramref name="limit"/> placements after position <paramref name="after"/> (0 for the first page): the ended ones from the journal, then the current one.</summary>
    [ReadOnly]
    [Alias("GetPlacementPage")]
    Task<WorkloadPlacementPage?> GetPlacementPage(string tenantId, long after, int limit);

    [Alias("Terminate")]
    Task<TerminateOutcome> Terminate(string tenantId, string reason);

    /// <summary>An interruption notice for one of this workload's instances: launch the replacement now.</summary>
    [Alias("OnInterruption")]
    Task OnInterruption(InstanceInterruption notice);

    /// <summary>
    /// For the orphan reconciler: whether this workload runs the instance (current or retiring) or is still resolving
    /// the launch intent <paramref name="intentId"/> that made it. A workload that does not exist owns nothing.
    /// </summary>
    [ReadOnly]
    [Alias("OwnsInstance")]
    Task<bool> OwnsInstance(string provider, string instanceId, string? intentId);

    /// <summary>The reconciler terminated an instance tagged for this workload that it does not own: an ORPHAN_TERMINATED event says so.</summary>
    [Alias("RecordOrphanTerminated")]
    Task RecordOrphanTerminated(string provider, string instanceId, string reason);
}

/// <summary>A tenant's workloads, newest first, without activating them.</summary>
public interface IWorkloadCatalog
{
    Task<WorkloadListPage> ListAsync(string tenantId, WorkloadStatus? status, int limit, string? cursor, CancellationToken cancellationToken);
}

[GenerateSerializer, Alias("arb.WorkloadListPage")]
public sealed record WorkloadListPage([property: Id(0)] IReadOnlyList<WorkloadSummary> Workloads, [property: Id(1)] string? NextCursor);

/// <summary>The same idempotency key was used with a different request body.</summary>
[GenerateSerializer, Alias("arb.IdempotencyConflictException")]
public sealed class IdempotencyConflictException(string message) : Exception(message);

/// <summary>A list cursor that this API did not issue.</summary>
[GenerateSerializer, Alias("arb.InvalidCursorException")]
public sealed class InvalidCursorException(string message) : Exception(message);

/// <summary>Names of what a workload is waiting for or why it ended (its <c>statusReason</c> starts with one).</summary>
public static class WorkloadReasons
{
    public const string InsufficientCredit = "INSUFFICIENT_CREDIT";
    public const string OverdraftLimit = "OVERDRAFT_LIMIT";
    public const string NoMatchingOffer = "NO_MATCHING_OFFER";
    public const string NoCapacity = "NO_CAPACITY";
    public const string WalletNotFound = "WALLET_NOT_FOUND";
    public const string UserRequested = "USER_REQUESTED";
    public const string SpotInterruption = "SPOT_INTERRUPTION";
    public const string HealthCheckFailed = "HEALTH_CHECK_FAILED";
    public const string InstanceLost = "INSTANCE_LOST";
    public const string CheaperOffer = "CHEAPER_OFFER";
}
