using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using GrainWorkloads = Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>The Compute Arbitrage API's <c>CreateWorkloadRequest</c>: what to run, where it may run, and labels.</summary>
public sealed record CreateWorkloadRequest(string Name, WorkloadRequirements Requirements, WorkloadConfig Config, IReadOnlyDictionary<string, string>? Metadata = null)
    : IValidatedRequest, IApiExample<CreateWorkloadRequest>
{
    public const int MaxNameLength = 128;

    public static CreateWorkloadRequest Example { get; } = new("monte-carlo-simulation-batch-1", WorkloadRequirements.Example,
        new WorkloadConfig("ami-0123456789abcdef0", 8080, "/health", new Dictionary<string, string> { ["MODE"] = "batch" }), new Dictionary<string, string> { ["project_id"] = "default" });

    public static ValueTask<CreateWorkloadRequest?> BindAsync(HttpContext context) => JsonRequest.ReadAsync(context, ApiV1JsonContext.Default.CreateWorkloadRequest);

    public void Validate(IServiceProvider services)
    {
        RequestRules.RequiredString("name", Name, MaxNameLength);
        RequestRules.Required("requirements", Requirements).Validate("requirements.", services);
        RequestRules.Required("config", Config).Validate("config.");
        RequestRules.StringMap("metadata", Metadata, 50, 1024);
        if (Metadata is not null && Metadata.TryGetValue("project_id", out var project) && !WalletKeys.IsValidProjectId(project))
        {
            throw ApiErrorException.Validation("metadata.project_id", $"metadata.project_id must name a wallet: 1 to 64 letters, digits, '.', '_' or '-'; got '{project}'.");
        }
    }

    public GrainWorkloads.WorkloadSpec ToSpec() =>
        new(Name, Requirements.ToPlacement(), Config.ToGrain(), Metadata ?? new Dictionary<string, string>());
}

/// <summary>
/// The Compute Arbitrage API's <c>WorkloadRequirements</c> (the body of an estimate, and part of a workload), plus the
/// product's provider and market filters. Unset optional fields are left out of every answer, never sent as null.
/// </summary>
public sealed record WorkloadRequirements(
    [property: JsonPropertyName("minCPU"), Range(1, int.MaxValue)] int MinCpu,
    [property: JsonPropertyName("minMemoryGB"), Range(double.Epsilon, double.MaxValue)] double MinMemoryGb,
    [property: Range(0, int.MaxValue)] int? GpuCount = null,
    string? GpuType = null,
    IReadOnlyList<string>? PreferredRegions = null,
    decimal? MaxPricePerHour = null,
    [property: Range(0.0, 1.0)] double? MaxInterruptionRate = null,
    IReadOnlyList<string>? Providers = null,
    bool? AllowSpot = null,
    bool? AllowOnDemand = null) : IValidatedRequest, IApiExample<WorkloadRequirements>
{
    public static WorkloadRequirements Example { get; } = new(8, 32, 1, "nvidia-t4", ["us-east-1", "eu-west-1"], 0.50m, 0.1);

    public static ValueTask<WorkloadRequirements?> BindAsync(HttpContext context) => JsonRequest.ReadAsync(context, ApiV1JsonContext.Default.WorkloadRequirements);

    public void Validate(IServiceProvider services) => Validate("", services);

    /// <summary>Checks the requirements against the market (known GPU types, regions, providers, ranges); fields are named under <paramref name="prefix"/>.</summary>
    public void Validate(string prefix, IServiceProvider services)
    {
        RequestRules.Strings(prefix + "preferredRegions", PreferredRegions);
        RequestRules.Strings(prefix + "providers", Providers);
        try
        {
            services.GetRequiredService<IPlacementService>().Validate(ToPlacement());
        }
        catch (PlacementValidationException e)
        {
            throw ApiErrorException.Validation(prefix + e.Field, e.Message);
        }
    }

    public PlacementRequirements ToPlacement() => new(MinCpu, MinMemoryGb, GpuCount ?? 0, GpuType, PreferredRegions, MaxPricePerHour, MaxInterruptionRate, Providers,
        AllowSpot ?? true, AllowOnDemand ?? true);

    public static WorkloadRequirements From(PlacementRequirements r) =>
        new(r.MinCpu, r.MinMemoryGb, r.GpuCount, r.GpuType, r.PreferredRegions, r.MaxPricePerHour, r.MaxInterruptionRate, r.Providers, r.AllowSpot, r.AllowOnDemand);
}

/// <summary>The Compute Arbitrage API's <c>WorkloadConfig</c>: the image, its health check, environment and start-up script.</summary>
public sealed record WorkloadConfig(
    string ImageId,
    [property: Range(1, 65535)] int HealthCheckPort = 8080,
    string? HealthCheckPath = "/health",
    IReadOnlyDictionary<string, string>? EnvironmentVariables = null,
    string? StartupScript = null) : IApiExample<WorkloadConfig>
{
    public static WorkloadConfig Example { get; } = new("ami-0123456789abcdef0", 8080, "/health", new Dictionary<string, string> { ["MODE"] = "batch" }, "#!/bin/sh\n./run.sh");

    public void Validate(string prefix)
    {
        RequestRules.RequiredString(prefix + "imageId", ImageId, 256);
        if (HealthCheckPort is < 1 or > 65535) throw ApiErrorException.Validation(prefix + "healthCheckPort", $"{prefix}healthCheckPort must be between 1 and 65535; got {HealthCheckPort}.");
        RequestRules.MaxLength(prefix + "healthCheckPath", HealthCheckPath, 512);
        if (HealthCheckPath is { } path && !path.StartsWith('/')) throw ApiErrorException.Validation(prefix + "healthCheckPath", $"{prefix}healthCheckPath must start with '/'; got '{path}'.");
        RequestRules.StringMap(prefix + "environmentVariables", EnvironmentVariables, 100, 4096);
        RequestRules.MaxLength(prefix + "startupScript", StartupScript, 64 * 1024);
    }

    public GrainWorkloads.WorkloadConfig ToGrain() => new(ImageId, HealthCheckPort, HealthCheckPath ?? "/health", EnvironmentVariables, StartupScript);

    public static WorkloadConfig From(GrainWorkloads.WorkloadConfig c) => new(c.ImageId, c.HealthCheckPort, c.HealthCheckPath, c.EnvironmentVariables, c.StartupScript);
}

/// <summary>The Compute Arbitrage API's <c>WorkloadResponse</c>: a workload as created and listed.</summary>
/// <param name="Status">PENDING, PROVISIONING, RUNNING, STOPPING, TERMINATED or FAILED.</param>
/// <param name="StatusReason">What the workload waits for, or why it ended (left out when there is nothing to say).</param>
public sealed record WorkloadResponse(string Id, string Name, string Status, string? StatusReason, string Endpoint, DateTimeOffset CreatedAt) : IApiExample<WorkloadResponse>
{
    public static WorkloadResponse Example { get; } = new("wk-abc123def456", "monte-carlo-simulation-batch-1", "PENDING", null, "wk-abc123def456.workloads.computearbitrage.com",
        new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    public static WorkloadResponse From(GrainWorkloads.WorkloadSummary s) => new(s.Id, s.Name, WorkloadStatusNames.Of(s.Status), s.StatusReason, s.Endpoint, s.CreatedAt);
}

/// <summary>A page of the tenant's workloads, newest first; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadListResponse(IReadOnlyList<WorkloadResponse> Workloads, string? NextCursor) : IApiExample<WorkloadListResponse>
{
    public static WorkloadListResponse Example { get; } = new([WorkloadResponse.Example], null);
}

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
    DateTimeOffset? TerminatedAt) : IApiExample<WorkloadDetailResponse>
{
    public static WorkloadDetailResponse Example { get; } = new("wk-abc123def456", "monte-carlo-simulation-batch-1", "RUNNING", null, "wk-abc123def456.workloads.computearbitrage.com",
        WorkloadRequirements.Example, new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>(), "default", WorkloadPlacement.Example, [WorkloadPlacement.Example], 1,
        0.12m, 0.02m, "USD", WorkloadResponse.Example.CreatedAt, WorkloadResponse.Example.CreatedAt.AddMinutes(2), null);

    public static WorkloadDetailResponse From(GrainWorkloads.WorkloadDetails w) => new(w.Id, w.Name, WorkloadStatusNames.Of(w.Status), w.StatusReason, w.Endpoint,
        WorkloadRequirements.From(w.Requirements), WorkloadConfig.From(w.Config), w.Metadata, w.ProjectId, w.Placement is { } p ? WorkloadPlacement.From(p) : null,
        w.Placements.Select(WorkloadPlacement.From).ToList(), w.PlacementCount, w.CostToDate, w.CommittedCost, "USD", w.CreatedAt, w.StartedAt, w.TerminatedAt);
}

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
    string? Reason) : IApiExample<WorkloadPlacement>
{
    public static WorkloadPlacement Example { get; } = new("aws", "aws-prod", "aws", "us-east-1", "use1-az1", "m5.2xlarge", MarketNames.Spot, 0.1234m, "i-0abc123def4567890",
        new DateTimeOffset(2026, 11, 30, 12, 1, 0, TimeSpan.Zero), null, null, "cheapest expected cost per useful hour");

    public static WorkloadPlacement From(GrainWorkloads.WorkloadPlacement p) =>
        new(p.Cloud, p.Provider, p.Cloud, p.Region, p.Zone, p.InstanceType, p.Market, p.PricePerHour, p.InstanceId, p.Start, p.End, p.EndReason, p.Reason);
}

/// <summary>The answer to a termination: it has started (the workload is STOPPING).</summary>
public sealed record TerminateWorkloadResponse(string Id, string Status, string Message) : IApiExample<TerminateWorkloadResponse>
{
    public static TerminateWorkloadResponse Example { get; } = new("wk-abc123def456", "STOPPING", "Termination initiated");
}

/// <summary>The workload's stable endpoint and its health (HEALTHY, UNHEALTHY or UNKNOWN).</summary>
public sealed record WorkloadEndpointResponse(string Http, string Tcp, string Status) : IApiExample<WorkloadEndpointResponse>
{
    public static WorkloadEndpointResponse Example { get; } = new("wk-abc123.workloads.computearbitrage.com", "tcp-wk-abc123.workloads.computearbitrage.com", "HEALTHY");

    public static WorkloadEndpointResponse From(GrainWorkloads.WorkloadEndpoint e) => new(e.Http, e.Tcp, e.Status.ToString().ToUpperInvariant());
}

/// <summary>One entry of the audit trail; <see cref="From"/> and <see cref="To"/> are there when the status changed.</summary>
public sealed record WorkloadEvent(DateTimeOffset At, string Type, string? From, string? To, string Reason)
{
    public static WorkloadEvent Of(GrainWorkloads.WorkloadEvent e) =>
        new(e.At, e.Type, e.From is { } f ? WorkloadStatusNames.Of(f) : null, e.To is { } t ? WorkloadStatusNames.Of(t) : null, e.Reason);
}

/// <summary>A page of the audit trail, oldest first; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadEventListResponse(IReadOnlyList<WorkloadEvent> Events, string? NextCursor) : IApiExample<WorkloadEventListResponse>
{
    public static WorkloadEventListResponse Example { get; } = new([new WorkloadEvent(WorkloadResponse.Example.CreatedAt, "STATUS_CHANGED", "PENDING", "PROVISIONING", "placement chosen")], null);
}

/// <summary>A page of the workload's placements, oldest first, the current one last; <see cref="NextCursor"/> is left out on the last page.</summary>
public sealed record WorkloadPlacementListResponse(IReadOnlyList<WorkloadPlacement> Placements, string? NextCursor) : IApiExample<WorkloadPlacementListResponse>
{
    public static WorkloadPlacementListResponse Example { get; } = new([WorkloadPlacement.Example], null);
}

/// <summary>Workload statuses as the API spells them (upper case).</summary>
public static class WorkloadStatusNames
{
    public static string Of(GrainWorkloads.WorkloadStatus status) => status.ToString().ToUpperInvariant();
}
