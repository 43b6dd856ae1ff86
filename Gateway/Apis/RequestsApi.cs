using System.Security.Cryptography;
using System.Text;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The host-factory API's requests (snake_case): a request for <c>maxNumber</c> machines of a template on a provider
/// chosen by the caller's preference. Everything is checked before anything is created (the template, the machine
/// count against the template and the provider, an eligible provider); the request is stored before the 202, and its
/// machines are workloads of the product's lifecycle. Another tenant's request answers exactly like a missing one.
/// </summary>
public static class RequestsApi
{
    /// <summary>A request id that does not exist, or belongs to another tenant.</summary>
    public const string RequestNotFound = "REQUEST_NOT_FOUND";

    /// <summary>The fields <c>GET /api/v1/requests</c> sorts by (newest first without <c>sort</c>).</summary>
    public static readonly IReadOnlyList<string> SortFields = ["created_at", "template_id", "status", "requested_count", "provider_instance"];

    public static IEndpointRouteBuilder MapRequestsApi(this IEndpointRouteBuilder routes)
    {
        var requests = routes.MapGroup("/api/v1/requests").WithTags("Requests");
        requests.MapPost("/", CreateAsync)
            .WithName("CreateRequest").WithSummary("Requests maxNumber machines of a template on a selected provider (202, pending; Idempotency-Key makes retries return the first answer)")
            .Produces<CreatedRequest>(StatusCodes.Status202Accepted).RequirePermission(Permissions.WorkloadsCreate).WithRateLimitClass(RateLimitClasses.RequestsName);
        requests.MapGet("/", ListAsync)
            .WithName("ListRequests").WithSummary("The tenant's requests, newest first, paged (page, page_size, sort)")
            .Produces<RequestList>().RequirePermission(Permissions.WorkloadsRead);
        requests.MapGet("/{requestId}", GetAsync)
            .WithName("GetRequest").WithSummary("A request with its machines and their states; completed once every machine runs, failed with a reason per machine")
            .Produces<RequestDetails>().RequirePermission(Permissions.WorkloadsRead);
        requests.MapDelete("/{requestId}", CancelAsync)
            .WithName("CancelRequest").WithSummary("Returns the request's machines (terminates their workloads); 202 with their states, a repeat is harmless")
            .Produces<CancelledRequest>(StatusCodes.Status202Accepted).RequirePermission(Permissions.WorkloadsDelete);
        return routes;
    }

    public sealed record CreatedSelection(string ProviderType, string ProviderInstance, string SelectionReason, double Confidence, IReadOnlyList<string> Alternatives);

    /// <summary>The seed's answer to a new request.</summary>
    public sealed record CreatedRequest(string RequestId, string TemplateId, int RequestedCount, CreatedSelection ProviderSelection, string Status, DateTime CreatedAt);

    public sealed record MachineView(string MachineId, string WorkloadId, string ProviderInstance, string Status, string? Reason, DateTime CreatedAt);

    public sealed record SelectionView(string SelectionReason, double Confidence, double SelectionTimeMs, string Strategy, IReadOnlyList<string> Alternatives);

    /// <summary>The seed's request, with each machine's workload and the reason a machine (or the request) is not running.</summary>
    public sealed record RequestDetails(
        string RequestId, string TemplateId, int RequestedCount, string ProviderType, string ProviderInstance, string Status, string? StatusReason,
        IReadOnlyList<MachineView> Machines, SelectionView ProviderSelection, DateTime CreatedAt, DateTime? CompletedAt);

    public sealed record CancelledRequest(string RequestId, string Status, string Message, IReadOnlyList<MachineView> Machines);

    public sealed record RequestListItem(
        string RequestId, string TemplateId, int RequestedCount, string ProviderType, string ProviderInstance, string Status, DateTime CreatedAt, DateTime? CompletedAt);

    public sealed record RequestList(IReadOnlyList<RequestListItem> Data, Pagination Pagination);

    /// <summary>What a POST asks for, checked field by field.</summary>
    private sealed record Asked(string TemplateId, int MaxNumber, string? Strategy, string? Instance, string? Type, string? Api);

    private static async Task<IResult> CreateAsync(HttpContext context, IHostRequestService requests)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var asked = Read(body);
        var grant = context.Grant();
        string key = context.Request.Headers[WorkloadsApi.IdempotencyKeyHeader].ToString();
        if (key.Length > 255) throw ApiErrorException.Validation(WorkloadsApi.IdempotencyKeyHeader, $"The {WorkloadsApi.IdempotencyKeyHeader} header may have at most 255 characters.");
        string id = key.Length == 0 ? TokenSecrets.NewId("req-", 8) : "req-" + Digest($"{grant.TenantId}\n{key}")[..16];
        var summary = await requests.CreateAsync(
            new HostRequestAsk(grant.TenantId, id, asked.TemplateId, asked.MaxNumber, asked.Strategy, asked.Instance, asked.Type, asked.Api, Digest(body.Root.GetRawText()), Retryable: key.Length > 0),
            context.RequestAborted);
        var s = summary.Selection;
        return Results.Json(new CreatedRequest(summary.RequestId, summary.TemplateId, summary.RequestedCount,
                new CreatedSelection(s.ProviderType, s.ProviderInstance, s.SelectionReason, s.Confidence, s.Alternatives), summary.Status, summary.CreatedAt.UtcDateTime),
            ApiJson.SnakeCase, statusCode: StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IHostRequestCatalog catalog)
    {
        var page = PageQuery.From(context.Request.Query, SortFields);
        var all = (await catalog.ListAsync(context.Grant().TenantId, context.RequestAborted))
            .Select(r => new RequestListItem(r.RequestId, r.TemplateId, r.RequestedCount, r.ProviderType, r.ProviderInstance, r.Status, r.CreatedAt.UtcDateTime, r.CompletedAt?.UtcDateTime))
            .ToList();
        var paged = page.Apply(all, (r, field) => field switch
        {
            "created_at" => r.CreatedAt,
            "template_id" => r.TemplateId,
            "status" => r.Status,
            "requested_count" => r.RequestedCount,
            _ => r.ProviderInstance,
        });
        return Results.Json(new RequestList(paged.Items, paged.Pagination), ApiJson.SnakeCase);
    }

    private static async Task<IResult> GetAsync(string requestId, HttpContext context, IGrainFactory grains)
    {
        var details = await Request(grains, requestId).Get(context.Grant().TenantId) ?? throw Missing(requestId);
        return Results.Json(View(details), ApiJson.SnakeCase);
    }

    private static async Task<IResult> CancelAsync(string requestId, HttpContext context, IGrainFactory grains)
    {
        var details = await Request(grains, requestId).Cancel(context.Grant().TenantId) ?? throw Missing(requestId);
        return Results.Json(new CancelledRequest(details.Summary.RequestId, details.Summary.Status, "The machines are being returned", details.Machines.Select(Machine).ToList()),
            ApiJson.SnakeCase, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Reads a request: <c>templateId</c> (or <c>template_id</c>), <c>maxNumber</c> (or <c>max_number</c>) and an optional
    /// <c>providerPreference</c> {<c>type</c>, <c>provider_instance</c>, <c>provider_type</c>, <c>provider_api</c>}; every error names its field.
    /// </summary>
    private static Asked Read(JsonBody body)
    {
        string templateField = body.Root.TryGetProperty("template_id", out _) && !body.Root.TryGetProperty("templateId", out _) ? "template_id" : "templateId";
        string templateId = body.RequiredString(templateField, 128);
        string countField = body.Root.TryGetProperty("max_number", out _) && !body.Root.TryGetProperty("maxNumber", out _) ? "max_number" : "maxNumber";
        int maxNumber = body.Int(countField) ?? throw ApiErrorException.Validation(countField, $"{countField} is required: how many machines to launch (at least 1).");
        if (maxNumber < 1) throw ApiErrorException.Validation(countField, $"{countField} must be at least 1; got {maxNumber}.");

        var preference = body.Object("providerPreference") ?? body.Object("provider_preference");
        string? strategy = preference?.String("type", 32);
        if (strategy is not null && !SelectionStrategies.All.Contains(strategy))
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError,
                $"providerPreference.type '{strategy}' is not one of {string.Join(", ", SelectionStrategies.All)}.",
                new Dictionary<string, object?> { ["field"] = "providerPreference.type", ["available_strategies"] = SelectionStrategies.All });
        }

        return new Asked(templateId, maxNumber, strategy,
            preference?.String("provider_instance", 128) ?? preference?.String("providerInstance", 128),
            preference?.String("provider_type", 32) ?? preference?.String("providerType", 32),
            preference?.String("provider_api", 128) ?? preference?.String("providerApi", 128));
    }

    private static RequestDetails View(HostRequestDetails d)
    {
        var s = d.Summary;
        return new RequestDetails(s.RequestId, s.TemplateId, s.RequestedCount, s.Selection.ProviderType, s.Selection.ProviderInstance, s.Status, d.StatusReason,
            d.Machines.Select(Machine).ToList(),
            new SelectionView(s.Selection.SelectionReason, s.Selection.Confidence, s.Selection.SelectionTimeMs, s.Selection.Strategy, s.Selection.Alternatives),
            s.CreatedAt.UtcDateTime, d.CompletedAt?.UtcDateTime);
    }

    private static MachineView Machine(HostMachine m) => new(m.MachineId, m.WorkloadId, m.ProviderInstance, m.Status, m.Reason, m.CreatedAt.UtcDateTime);

    private static IHostRequestGrain Request(IGrainFactory grains, string requestId) =>
        requestId.Length is > 4 and <= 64 && requestId.StartsWith("req-", StringComparison.Ordinal) ? grains.GetGrain<IHostRequestGrain>(requestId) : throw Missing(requestId);

    private static ApiErrorException Missing(string requestId) =>
        new(StatusCodes.Status404NotFound, RequestNotFound, $"Request '{(requestId.Length > 64 ? requestId[..64] + "…" : requestId)}' not found.",
            new Dictionary<string, object?> { ["requested_request"] = requestId.Length > 64 ? requestId[..64] : requestId, ["suggestion"] = "Use 'GET /api/v1/requests' to see your requests" });

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
