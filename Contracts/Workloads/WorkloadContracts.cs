using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Workloads;

/// <summary>The Compute Arbitrage API's <c>CreateWorkloadRequest</c>: what to run, where it may run, and labels.</summary>
public sealed record CreateWorkloadRequest(string Name, WorkloadRequirements Requirements, WorkloadConfig Config, IReadOnlyDictionary<string, string>? Metadata = null)
{
    public const int MaxNameLength = 128;
}

/// <summary>
/// The Compute Arbitrage API's <c>WorkloadRequirements</c> (the body of an estimate, and part of a workload), plus the
/// extensions <see cref="Providers"/> (configured providers to consider), <see cref="AllowSpot"/>, <see cref="AllowOnDemand"/>
/// and <see cref="Zones"/> (availability zones to place in: zone IDs such as <c>use1-az4</c>, or AWS zone names such as <c>us-east-1a</c>).
/// </summary>
public sealed record WorkloadRequirements(
    [property: JsonPropertyName("minCPU"), Range(1, int.MaxValue)] int MinCpu,
    [property: JsonPropertyName("minMemoryGB"), Range(1.0, double.MaxValue)] double MinMemoryGb,
    [property: Range(0, int.MaxValue)] int? GpuCount = null,
    string? GpuType = null,
    IReadOnlyList<string>? PreferredRegions = null,
    decimal? MaxPricePerHour = null,
    [property: Range(0.0, 1.0)] double? MaxInterruptionRate = null,
    IReadOnlyList<string>? Providers = null,
    bool? AllowSpot = null,
    bool? AllowOnDemand = null,
    IReadOnlyList<string>? Zones = null);

/// <summary>The Compute Arbitrage API's <c>WorkloadConfig</c>: the image, its health check, environment and start-up script.</summary>
public sealed record WorkloadConfig(
    string ImageId,
    [property: Range(1, 65535)] int HealthCheckPort = 8080,
    string? HealthCheckPath = "/health",
    IReadOnlyDictionary<string, string>? EnvironmentVariables = null,
    string? StartupScript = null);

/// <summary>The Compute Arbitrage API's <c>WorkloadResponse</c>: a workload as created and listed.</summary>
/// <param name="Status">PENDING, PROVISIONING, RUNNING, STOPPING, TERMINATED or FAILED.</param>
/// <param name="StatusReason">What the workload waits for, or why it ended (left out when there is nothing to say).</param>
public sealed record WorkloadResponse(string Id, string Name, string Status, string? StatusReason, string Endpoint, DateTimeOffset CreatedAt);

/// <summary>A page of the tenant's workloads, newest first; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadListResponse(IReadOnlyList<WorkloadResponse> Workloads, string? NextCursor);

/// <summary>A workload in full: status and why, what it asked for, where it runs, its latest placements and its cost so far.</summary>
public sealed record WorkloadDetailResponse(
    string Id,
    string Name,
    string Status,
    string? StatusReason,
    string Endpoint,
    WorkloadRequirements Requirements,
    WorkloadConfig Config,
    IReadOnlyDictionary<string, string> Metadata,
    string ProjectId,
    WorkloadPlacement? Placement,
    IReadOnlyList<WorkloadPlacement> Placements,
    int PlacementCount,
    decimal CostToDate,
    decimal CommittedCost,
    string Currency,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? TerminatedAt);

/// <summary>
/// Where a workload runs or ran. <see cref="Provider"/> is the cloud (aws, azure or gcp, as the Compute Arbitrage API
/// types it); <see cref="ProviderName"/> is the configured provider that placed it (e.g. <c>sim-aws</c>).
/// </summary>
public sealed record WorkloadPlacement(
    string Provider,
    string ProviderName,
    string Cloud,
    string Region,
    string Zone,
    string InstanceType,
    string Market,
    decimal PricePerHour,
    string InstanceId,
    DateTimeOffset Start,
    DateTimeOffset? End,
    string? EndReason,
    string? Reason);

/// <summary>The answer to a termination: it has started (the workload is STOPPING).</summary>
public sealed record TerminateWorkloadResponse(string Id, string Status, string Message);

/// <summary>The workload's stable endpoint and its health (HEALTHY, UNHEALTHY or UNKNOWN).</summary>
public sealed record WorkloadEndpointResponse(string Http, string Tcp, string Status);

/// <summary>One entry of the audit trail; <see cref="From"/> and <see cref="To"/> are there when the status changed.</summary>
public sealed record WorkloadEvent(DateTimeOffset At, string Type, string? From, string? To, string Reason);

/// <summary>A page of the audit trail, oldest first; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadEventListResponse(IReadOnlyList<WorkloadEvent> Events, string? NextCursor);

/// <summary>A page of the workload's placements, oldest first, the current one last; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadPlacementListResponse(IReadOnlyList<WorkloadPlacement> Placements, string? NextCursor);
