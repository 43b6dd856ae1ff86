using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Workloads;
using WorkloadPlacement = Arbitrage.Orleans.Contracts.Workloads.WorkloadPlacement;
using WorkloadEvent = Arbitrage.Orleans.Contracts.Workloads.WorkloadEvent;
using WorkloadConfig = Arbitrage.Orleans.Contracts.Workloads.WorkloadConfig;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The Compute Arbitrage API's workloads: create (202, durable, with Idempotency-Key), list, details,
/// terminate, endpoint, the audit trail and the placements, each reading and writing the records of
/// Arbitrage.Orleans.Contracts.Workloads (checked by <see cref="WorkloadRequestRules"/>, mapped by
/// <see cref="WorkloadContractMapping"/>). Another tenant's workload is answered exactly like a missing one (404).
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
            .Accepts<CreateWorkloadRequest>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.WorkloadsCreate);
        workloads.MapGet("", ListAsync).WithName("ListWorkloads").WithSummary("The tenant's workloads, newest first (status, limit up to 200, cursor)")
            .ProducesApiErrors(StatusCodes.Status400BadRequest).RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}", GetAsync).WithName("GetWorkload")
            .WithSummary("Status and why, placement, the latest placements (placementCount in all), cost to date")
            .ProducesApiErrors(StatusCodes.Status404NotFound).RequirePermission(Permissions.WorkloadsRead);
        workloads.MapDelete("/{workloadId}", TerminateAsync).WithName("TerminateWorkload")
            .WithSummary("Starts termination (202); 400 when already terminated")
            .ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequirePermission(Permissions.WorkloadsDelete);
        workloads.MapGet("/{workloadId}/endpoint", EndpointAsync).WithName("GetWorkloadEndpoint")
            .WithSummary("The workload's stable endpoint and its health").ProducesApiErrors(StatusCodes.Status404NotFound).RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}/events", EventsAsync).WithName("GetWorkloadEvents")
            .WithSummary("The audit trail, oldest first: every state change, launch, interruption and charge, with its reason (limit up to 200, cursor)")
            .ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequirePermission(Permissions.WorkloadsRead);
        workloads.MapGet("/{workloadId}/placements", PlacementsAsync).WithName("GetWorkloadPlacements")
            .WithSummary("Every placement, oldest first, the current one last, each with why it was chosen and how it ended (limit up to 200, cursor)")
            .ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequirePermission(Permissions.WorkloadsRead);
        return routes;
    }

    private static async Task<Accepted<WorkloadResponse>> CreateAsync(RequestBody<CreateWorkloadRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        var grant = context.Grant();
        string key = context.Request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length > 255) throw ApiErrorException.Validation(IdempotencyKeyHeader, $"The {IdempotencyKeyHeader} header may have at most 255 characters.");
        string id = key.Length == 0 ? TokenSecrets.NewId("wk-", 6) : "wk-" + TextDigest.Sha256Hex($"{grant.TenantId}\n{key}")[..12];
        // The fingerprint is the request as read (its canonical JSON), so a retry that differs only in spacing or field order is the same request.
        string fingerprint = TextDigest.Sha256Hex(System.Text.Json.JsonSerializer.Serialize(request, CamelCaseJsonContext.Default.CreateWorkloadRequest));
        var summary = await grains.GetGrain<IWorkloadGrain>(id).Create(new CreateWorkload(grant.TenantId, request.ToSpec(), fingerprint));
        return TypedResults.Accepted((string?)null, summary.ToContract());
    }

    private static async Task<Ok<WorkloadListResponse>> ListAsync(HttpContext context, IWorkloadCatalog catalog)
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
        return TypedResults.Ok(new WorkloadListResponse(page.Workloads.Select(w => w.ToContract()).ToList(), page.NextCursor));
    }

    private static async Task<Ok<WorkloadDetailResponse>> GetAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var w = await Workload(grains, workloadId).Get(context.Grant().TenantId) ?? throw Missing(workloadId);
        return TypedResults.Ok(w.ToContract());
    }

    private static async Task<Accepted<TerminateWorkloadResponse>> TerminateAsync(string workloadId, HttpContext context, IGrainFactory grains) =>
        await Workload(grains, workloadId).Terminate(context.Grant().TenantId, WorkloadReasons.UserRequested) switch
        {
            TerminateOutcome.Accepted => TypedResults.Accepted((string?)null, new TerminateWorkloadResponse(workloadId, WorkloadStatusNames.Of(WorkloadStatus.Stopping), "Termination initiated")),
            TerminateOutcome.AlreadyTerminated => throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.WorkloadAlreadyTerminated,
                $"Workload '{workloadId}' has already ended."),
            _ => throw Missing(workloadId),
        };

    private static async Task<Ok<WorkloadEndpointResponse>> EndpointAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var endpoint = await Workload(grains, workloadId).GetEndpoint(context.Grant().TenantId) ?? throw Missing(workloadId);
        return TypedResults.Ok(endpoint.ToContract());
    }

    private static async Task<Ok<WorkloadEventListResponse>> EventsAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var (after, limit) = HistoryPaging(context, EventCursorPrefix);
        var page = await Workload(grains, workloadId).GetEventPage(context.Grant().TenantId, after, limit) ?? throw Missing(workloadId);
        return TypedResults.Ok(new WorkloadEventListResponse(page.Events.Select(e => e.ToContract()).ToList(),
            page.NextAfter is { } next ? $"{EventCursorPrefix}{next}" : null));
    }

    private static async Task<Ok<WorkloadPlacementListResponse>> PlacementsAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var (after, limit) = HistoryPaging(context, PlacementCursorPrefix);
        var page = await Workload(grains, workloadId).GetPlacementPage(context.Grant().TenantId, after, limit) ?? throw Missing(workloadId);
        return TypedResults.Ok(new WorkloadPlacementListResponse(page.Placements.Select(p => p.ToContract()).ToList(),
            page.NextAfter is { } next ? $"{PlacementCursorPrefix}{next}" : null));
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

    private static IWorkloadGrain Workload(IGrainFactory grains, string workloadId) =>
        workloadId.Length is > 3 and <= 64 && workloadId.StartsWith("wk-", StringComparison.Ordinal) ? grains.GetGrain<IWorkloadGrain>(workloadId) : throw Missing(workloadId);

    private static ApiErrorException Missing(string workloadId) =>
        ApiErrorException.NotFound(ErrorCodes.WorkloadNotFound, $"Workload '{(workloadId.Length > 64 ? workloadId[..64] + "…" : workloadId)}' does not exist.");
}
