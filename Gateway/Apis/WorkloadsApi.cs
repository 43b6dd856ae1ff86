using System.Security.Cryptography;
using System.Text;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The Compute Arbitrage API's workloads (seed 000): create (202, durable, with Idempotency-Key), list, details,
/// terminate, endpoint and the audit trail. Another tenant's workload is answered exactly like a missing one (404).
/// </summary>
public static class WorkloadsApi
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
    public const int DefaultHistoryLimit = 100;
    public const string EventCursorPrefix = "evt-";
    public const string PlacementCursorPrefix = "plc-";

    public static IEndpointRouteBuilder MapWorkloadsApi(this IEndpointRouteBuilder routes)
    {
        var workloads = routes.MapGroup("/v1/workloads").WithTags("Workloads");
        workloads.MapPost("", CreateAsync).WithName("CreateWorkload")
            .WithSummary("Accepts a workload (durable before the 202); an Idempotency-Key header makes retries return the first result")
            .Produces(StatusCodes.Status202Accepted).RequirePermission(Permissions.WorkloadsCreate);
        workloads.MapGet("", ListAsync).WithName("ListWorkloads").WithSummary("The tenant's workloads, newest first (status, limit up to 200, cursor)")
            .RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}", GetAsync).WithName("GetWorkload")
            .WithSummary("Status and why, placement, the latest placements (placementCount in all), cost to date").RequirePermission(Permissions.WorkloadsRead);
        workloads.MapDelete("/{workloadId}", TerminateAsync).WithName("TerminateWorkload")
            .WithSummary("Starts termination (202); 400 when already terminated").Produces(StatusCodes.Status202Accepted).RequirePermission(Permissions.WorkloadsDelete);
        workloads.MapGet("/{workloadId}/endpoint", EndpointAsync).WithName("GetWorkloadEndpoint")
            .WithSummary("The workload's stable endpoint and its health").RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}/events", EventsAsync).WithName("GetWorkloadEvents")
            .WithSummary("The audit trail, oldest first: every state change, launch, interruption and charge, with its reason (limit up to 200, cursor)")
            .RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}/placements", PlacementsAsync).WithName("GetWorkloadPlacements")
            .WithSummary("Every placement, oldest first, the current one last, each with why it was chosen and how it ended (limit up to 200, cursor)")
            .RequirePermission(Permissions.WorkloadsRead);
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains, IPlacementService placement)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var spec = ReadSpec(body, placement);
        var grant = context.Grant();
        string key = context.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > 255) throw ApiErrorException.Validation(IdempotencyKeyHeader, $"The {IdempotencyKeyHeader} header may have at most 255 characters.");
        string id = key.Length == 0 ? TokenSecrets.NewId("wk-", 6) : "wk-" + Digest($"{grant.TenantId}\n{key}")[..12];
        var summary = await grains.GetGrain<IWorkloadGrain>(id).Create(new CreateWorkload(grant.TenantId, spec, Digest(body.Root.GetRawText())));
        return Results.Json(SummaryJson(summary), ApiJson.CamelCase, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IWorkloadCatalog catalog)
    {
        WorkloadStatus? status = null;
        if (context.Request.Query["status"].ToString() is { Length: > 0 } text)
        {
            status = Enum.TryParse<WorkloadStatus>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _)
                ? parsed
                : throw ApiErrorException.Validation("status", $"status must be one of {string.Join(", ", Enum.GetNames<WorkloadStatus>().Select(n => n.ToUpperInvariant()))}; got '{text}'.");
        }

        int limit = PricingApi.QueryInt(context, "limit", DefaultLimit, 1, MaxLimit);
        var page = await catalog.ListAsync(context.Grant().TenantId, status, limit, context.Request.Query["cursor"], context.RequestAborted);
        return Results.Json(new { workloads = page.Workloads.Select(SummaryJson), nextCursor = page.NextCursor }, ApiJson.CamelCase);
    }

    private static async Task<IResult> GetAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var w = await Workload(grains, workloadId).Get(context.Grant().TenantId) ?? throw Missing(workloadId);
        return Results.Json(new
        {
            id = w.Id,
            name = w.Name,
            status = Status(w.Status),
            statusReason = w.StatusReason,
            endpoint = w.Endpoint,
            requirements = RequirementsJson(w.Requirements),
            config = w.Config,
            metadata = w.Metadata,
            projectId = w.ProjectId,
            placement = w.Placement is { } p ? PlacementJson(p) : null,
            placements = w.Placements.Select(PlacementJson),
            placementCount = w.PlacementCount,
            costToDate = w.CostToDate,
            committedCost = w.CommittedCost,
            currency = "USD",
            createdAt = w.CreatedAt,
            startedAt = w.StartedAt,
            terminatedAt = w.TerminatedAt,
        }, ApiJson.CamelCase);
    }

    private static async Task<IResult> TerminateAsync(string workloadId, HttpContext context, IGrainFactory grains) =>
        await Workload(grains, workloadId).Terminate(context.Grant().TenantId, WorkloadReasons.UserRequested) switch
        {
            TerminateOutcome.Accepted => Results.Json(new { id = workloadId, status = Status(WorkloadStatus.Stopping), message = "Termination initiated" }, ApiJson.CamelCase,
                statusCode: StatusCodes.Status202Accepted),
            TerminateOutcome.AlreadyTerminated => throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.WorkloadAlreadyTerminated,
                $"Workload '{workloadId}' has already ended."),
            _ => throw Missing(workloadId),
        };

    private static async Task<IResult> EndpointAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var endpoint = await Workload(grains, workloadId).GetEndpoint(context.Grant().TenantId) ?? throw Missing(workloadId);
        return Results.Json(new { http = endpoint.Http, tcp = endpoint.Tcp, status = endpoint.Status.ToString().ToUpperInvariant() }, ApiJson.CamelCase);
    }

    private static async Task<IResult> EventsAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var (after, limit) = HistoryPaging(context, EventCursorPrefix);
        var page = await Workload(grains, workloadId).GetEventPage(context.Grant().TenantId, after, limit) ?? throw Missing(workloadId);
        return Results.Json(new
        {
            events = page.Events.Select(e => new { at = e.At, type = e.Type, from = e.From is { } f ? Status(f) : null, to = e.To is { } t ? Status(t) : null, reason = e.Reason }),
            nextCursor = page.NextAfter is { } next ? $"{EventCursorPrefix}{next}" : null,
        }, ApiJson.CamelCase);
    }

    private static async Task<IResult> PlacementsAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var (after, limit) = HistoryPaging(context, PlacementCursorPrefix);
        var page = await Workload(grains, workloadId).GetPlacementPage(context.Grant().TenantId, after, limit) ?? throw Missing(workloadId);
        return Results.Json(new
        {
            placements = page.Placements.Select(PlacementJson),
            nextCursor = page.NextAfter is { } next ? $"{PlacementCursorPrefix}{next}" : null,
        }, ApiJson.CamelCase);
    }

    /// <summary>The limit (1 to <see cref="MaxLimit"/>) and the position a history cursor (<c>{prefix}{n}</c>, a previous page's nextCursor) stands for.</summary>
    private static (long After, int Limit) HistoryPaging(HttpContext context, string prefix)
    {
        int limit = PricingApi.QueryInt(context, "limit", DefaultHistoryLimit, 1, MaxLimit);
        string? cursor = context.Request.Query["cursor"];
        long after = 0;
        if (!string.IsNullOrEmpty(cursor)
            && !(cursor.StartsWith(prefix, StringComparison.Ordinal) && long.TryParse(cursor.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, null, out after) && after > 0))
        {
            throw ApiErrorException.Validation("cursor", $"cursor '{(cursor.Length > 40 ? cursor[..40] + "…" : cursor)}' was not issued by this route; pass the nextCursor of a previous page.");
        }

        return (after, limit);
    }

    /// <summary>Reads and checks a <c>CreateWorkloadRequest</c>; every error names its field.</summary>
    public static WorkloadSpec ReadSpec(JsonBody body, IPlacementService placement)
    {
        string name = body.RequiredString("name", 128);
        var requirementsBody = body.RequiredObject("requirements");
        var requirements = PricingApi.ReadRequirements(requirementsBody);
        try
        {
            placement.Validate(requirements);
        }
        catch (PlacementValidationException e)
        {
            throw ApiErrorException.Validation("requirements." + e.Field, e.Message);
        }

        var configBody = body.RequiredObject("config");
        var path = configBody.String("healthCheckPath", 512) ?? "/health";
        if (!path.StartsWith('/')) throw ApiErrorException.Validation("config.healthCheckPath", $"config.healthCheckPath must start with '/'; got '{path}'.");
        var config = new WorkloadConfig(
            configBody.RequiredString("imageId", 256),
            configBody.Int("healthCheckPort", 1, 65535) ?? 8080,
            path,
            configBody.StringMap("environmentVariables"),
            configBody.String("startupScript", 64 * 1024));
        var metadata = body.StringMap("metadata", 50, 1024) ?? new Dictionary<string, string>();
        if (metadata.TryGetValue("project_id", out var project) && !WalletKeys.IsValidProjectId(project))
        {
            throw ApiErrorException.Validation("metadata.project_id", $"metadata.project_id must name a wallet: 1 to 64 letters, digits, '.', '_' or '-'; got '{project}'.");
        }

        return new WorkloadSpec(name, requirements, config, metadata);
    }

    private static IWorkloadGrain Workload(IGrainFactory grains, string workloadId) =>
        workloadId.Length is > 3 and <= 64 && workloadId.StartsWith("wk-", StringComparison.Ordinal) ? grains.GetGrain<IWorkloadGrain>(workloadId) : throw Missing(workloadId);

    private static ApiErrorException Missing(string workloadId) =>
        ApiErrorException.NotFound(ErrorCodes.WorkloadNotFound, $"Workload '{(workloadId.Length > 64 ? workloadId[..64] + "…" : workloadId)}' does not exist.");

    private static string Status(WorkloadStatus status) => status.ToString().ToUpperInvariant();

    private static object SummaryJson(WorkloadSummary s) =>
        new { id = s.Id, name = s.Name, status = Status(s.Status), statusReason = s.StatusReason, endpoint = s.Endpoint, createdAt = s.CreatedAt };

    private static object PlacementJson(WorkloadPlacement p) => new
    {
        provider = p.Provider, cloud = p.Cloud, region = p.Region, zone = p.Zone, instanceType = p.InstanceType, pricePerHour = p.PricePerHour, market = p.Market,
        instanceId = p.InstanceId, start = p.Start, end = p.End, endReason = p.EndReason, reason = p.Reason,
    };

    private static object RequirementsJson(PlacementRequirements r) => new
    {
        minCPU = r.MinCpu, minMemoryGB = r.MinMemoryGb, gpuCount = r.GpuCount, gpuType = r.GpuType, preferredRegions = r.PreferredRegions,
        maxPricePerHour = r.MaxPricePerHour, maxInterruptionRate = r.MaxInterruptionRate, providers = r.Providers, allowSpot = r.AllowSpot, allowOnDemand = r.AllowOnDemand,
    };

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
