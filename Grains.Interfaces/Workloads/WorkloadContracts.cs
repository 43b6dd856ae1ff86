using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>The lifecycle: PENDING → PROVISIONING → RUNNING → STOPPING → TERMINATED, or FAILED.</summary>
public enum WorkloadStatus { Pending, Provisioning, Running, Stopping, Terminated, Failed }

/// <summary>The Compute Arbitrage API's <c>WorkloadConfig</c>.</summary>
public sealed record WorkloadConfig(
    string ImageId,
    int HealthCheckPort = 8080,
    string HealthCheckPath = "/health",
    IReadOnlyDictionary<string, string>? EnvironmentVariables = null,
    string? StartupScript = null);

/// <summary>What a user asks to run.</summary>
public sealed record WorkloadSpec(string Name, PlacementRequirements Requirements, WorkloadConfig Config, IReadOnlyDictionary<string, string> Metadata);

/// <param name="Fingerprint">A digest of the request, so a retried Idempotency-Key with a different body is refused.</param>
public sealed record CreateWorkload(string TenantId, WorkloadSpec Spec, string Fingerprint);

public sealed record WorkloadSummary(string Id, string Name, WorkloadStatus Status, string? StatusReason, string Endpoint, DateTimeOffset CreatedAt);

/// <summary>Where a workload runs (or ran): the market, its price, the instance, and how the placement ended.</summary>
public sealed record WorkloadPlacement(
    string Provider,
    string Cloud,
    string Region,
    string Zone,
    string InstanceType,
    string Market,
    decimal PricePerHour,
    string InstanceId,
    DateTimeOffset Start,
    DateTimeOffset? End = null,
    string? EndReason = null,
    string? Reason = null);

public sealed record WorkloadDetails(
    string Id,
    string Name,
    WorkloadStatus Status,
    string? StatusReason,
    string Endpoint,
    PlacementRequirements Requirements,
    WorkloadConfig Config,
    IReadOnlyDictionary<string, string> Metadata,
    string ProjectId,
    WorkloadPlacement? Placement,
    IReadOnlyList<WorkloadPlacement> Placements,
    decimal CostToDate,
    decimal CommittedCost,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? TerminatedAt);

public enum EndpointHealth { Unknown, Healthy, Unhealthy }

public sealed record WorkloadEndpoint(string Http, string Tcp, EndpointHealth Status);

/// <summary>One entry of the audit trail: what happened, the status change (if any) and why.</summary>
public sealed record WorkloadEvent(DateTimeOffset At, string Type, WorkloadStatus? From, WorkloadStatus? To, string Reason);

public enum TerminateOutcome { NotFound, Accepted, AlreadyTerminated }

/// <summary>A cloud's notice that the instance will be taken back at <see cref="TerminationAt"/>.</summary>
public sealed record InstanceInterruption(string Provider, string InstanceId, DateTimeOffset NoticedAt, DateTimeOffset TerminationAt, string Reason);

/// <summary>
/// One workload, keyed by its id (<c>wk-…</c>). Every read and the termination take the caller's tenant: another
/// tenant's workload answers exactly as a missing one does.
/// </summary>
public interface IWorkloadGrain : IGrainWithStringKey
{
    /// <summary>Accepts the workload (durably, before returning); a repeat with the same fingerprint returns the first result.</summary>
    /// <exception cref="IdempotencyConflictException">The id was used for a different request.</exception>
    Task<WorkloadSummary> Create(CreateWorkload request);

    [ReadOnly]
    Task<WorkloadDetails?> Get(string tenantId);

    [ReadOnly]
    Task<WorkloadEndpoint?> GetEndpoint(string tenantId);

    [ReadOnly]
    Task<IReadOnlyList<WorkloadEvent>?> GetEvents(string tenantId);

    Task<TerminateOutcome> Terminate(string tenantId, string reason);

    /// <summary>An interruption notice for one of this workload's instances: launch the replacement now.</summary>
    Task OnInterruption(InstanceInterruption notice);
}

/// <summary>A tenant's workloads, newest first, without activating them.</summary>
public interface IWorkloadCatalog
{
    Task<WorkloadListPage> ListAsync(string tenantId, WorkloadStatus? status, int limit, string? cursor, CancellationToken cancellationToken);
}

public sealed record WorkloadListPage(IReadOnlyList<WorkloadSummary> Workloads, string? NextCursor);

/// <summary>The same idempotency key was used with a different request body.</summary>
public sealed class IdempotencyConflictException(string message) : Exception(message);

/// <summary>A list cursor that this API did not issue.</summary>
public sealed class InvalidCursorException(string message) : Exception(message);

/// <summary>Names of what a workload is waiting for or why it ended (its <c>statusReason</c> starts with one).</summary>
public static class WorkloadReasons
{
    public const string InsufficientCredit = "INSUFFICIENT_CREDIT";
    public const string NoMatchingOffer = "NO_MATCHING_OFFER";
    public const string NoCapacity = "NO_CAPACITY";
    public const string WalletNotFound = "WALLET_NOT_FOUND";
    public const string UserRequested = "USER_REQUESTED";
    public const string SpotInterruption = "SPOT_INTERRUPTION";
    public const string HealthCheckFailed = "HEALTH_CHECK_FAILED";
    public const string InstanceLost = "INSTANCE_LOST";
}
