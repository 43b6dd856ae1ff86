using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Grains.Market;
using GrainWorkloads = Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>Between the workload records of the wire (Arbitrage.Orleans.Contracts.Workloads) and the grains' records.</summary>
public static class WorkloadContractMapping
{
    /// <summary>The smallest minMemoryGB the Compute Arbitrage API's schema allows.</summary>
    public const double MinimumMemoryGb = 1;

    public static GrainWorkloads.WorkloadSpec ToSpec(this CreateWorkloadRequest request) =>
        new(request.Name, request.Requirements.ToPlacement(), request.Config.ToGrain(), request.Metadata ?? new Dictionary<string, string>());

    public static PlacementRequirements ToPlacement(this WorkloadRequirements r) => new(r.MinCpu, r.MinMemoryGb, r.GpuCount ?? 0, r.GpuType, r.PreferredRegions,
        r.MaxPricePerHour, r.MaxInterruptionRate, r.Providers, r.AllowSpot ?? true, r.AllowOnDemand ?? true, Zones: r.Zones);

    public static GrainWorkloads.WorkloadConfig ToGrain(this WorkloadConfig c) => new(c.ImageId, c.HealthCheckPort, c.HealthCheckPath ?? "/health", c.EnvironmentVariables, c.StartupScript);

    /// <summary>
    /// The requirements as the Compute Arbitrage API types them. A workload made by a group or a host-factory request
    /// from instance types alone has no memory floor of its own (a placeholder below 1 GB); the API's schema allows no
    /// minMemoryGB below 1, so such a floor is shown as 1 — the instance types of its placements say what it runs on.
    /// </summary>
    public static WorkloadRequirements ToContract(this PlacementRequirements r) =>
        new(r.MinCpu, Math.Max(r.MinMemoryGb, MinimumMemoryGb), r.GpuCount, r.GpuType, r.PreferredRegions, r.MaxPricePerHour, r.MaxInterruptionRate, r.Providers, r.AllowSpot, r.AllowOnDemand, r.Zones);

    public static WorkloadConfig ToContract(this GrainWorkloads.WorkloadConfig c) => new(c.ImageId, c.HealthCheckPort, c.HealthCheckPath, c.EnvironmentVariables, c.StartupScript);

    public static WorkloadResponse ToContract(this GrainWorkloads.WorkloadSummary s) => new(s.Id, s.Name, WorkloadStatusNames.Of(s.Status), s.StatusReason, s.Endpoint, s.CreatedAt);

    public static WorkloadDetailResponse ToContract(this GrainWorkloads.WorkloadDetails w) => new(w.Id, w.Name, WorkloadStatusNames.Of(w.Status), w.StatusReason, w.Endpoint,
        w.Requirements.ToContract(), w.Config.ToContract(), w.Metadata, w.ProjectId, w.Placement?.ToContract(),
        w.Placements.Select(p => p.ToContract()).ToList(), w.PlacementCount, w.CostToDate, w.CommittedCost, "USD", w.CreatedAt, w.StartedAt, w.TerminatedAt);

    public static WorkloadPlacement ToContract(this GrainWorkloads.WorkloadPlacement p) =>
        new(p.Cloud, p.Provider, p.Cloud, p.Region, p.Zone, p.InstanceType, p.Market, p.PricePerHour, p.InstanceId, p.Start, p.End, p.EndReason, p.Reason);

    public static WorkloadEndpointResponse ToContract(this GrainWorkloads.WorkloadEndpoint e) => new(e.Http, e.Tcp, e.Status.ToString().ToUpperInvariant());

    public static WorkloadEvent ToContract(this GrainWorkloads.WorkloadEvent e) =>
        new(e.At, e.Type, e.From is { } f ? WorkloadStatusNames.Of(f) : null, e.To is { } t ? WorkloadStatusNames.Of(t) : null, e.Reason);
}

/// <summary>Workload statuses as the API spells them (upper case).</summary>
public static class WorkloadStatusNames
{
    public static string Of(GrainWorkloads.WorkloadStatus status) => status.ToString().ToUpperInvariant();
}
