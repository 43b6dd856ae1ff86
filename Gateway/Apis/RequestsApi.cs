using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.HostFactory;
using Microsoft.AspNetCore.Http.HttpResults;
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
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict,
            TooLarge = StatusCodes.Status413PayloadTooLarge, Unprocessable = StatusCodes.Status422UnprocessableEntity;
        var requests = routes.MapGroup("/api/v1/requests").WithTags("Requests");
        requests.MapPost("/", CreateAsync)
            .WithName("CreateRequest").WithSummary("Requests maxNumber machines of a template on a selected provider (202, pending; Idempotency-Key makes retries return the first answer)")
            .WithDescription("The body may also spell its names as the seed does: templateId, maxNumber, providerPreference (with camelCase names inside).")
            .Accepts<CreateMachinesRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge, Unprocessable)
            .RequirePermission(Permissions.WorkloadsCreate).WithRateLimitClass(RateLimitClasses.RequestsName);
        requests.MapGet("/", ListAsync)
            .WithName("ListRequests").WithSummary("The tenant's requests, newest first, paged (page, page_size, sort)")
            .ProducesApiErrors(BadRequest).RequirePermission(Permissions.WorkloadsRead);
        requests.MapGet("/{requestId}", GetAsync)
            .WithName("GetRequest").WithSummary("A request with its machines and their states; completed once every machine runs, failed with a reason per machine")
            .ProducesApiErrors(NotFound).RequirePermission(Permissions.WorkloadsRead);
        requests.MapDelete("/{requestId}", CancelAsync)
            .WithName("CancelRequest").WithSummary("Returns the request's machines (terminates their workloads); 202 with their states, a repeat is harmless")
            .ProducesApiErrors(NotFound).RequirePermission(Permissions.WorkloadsDelete);
        return routes;
    }

    private static async Task<Accepted<CreatedRequest>> CreateAsync(HttpContext context, IHostRequestService requests)
    {
        var root = await JsonBody.ReadRootAsync(context.Request, context.RequestAborted);
        var asked = Read(context, root);
        var preference = asked.ProviderPreference;
        var grant = context.Grant();
        string key = context.Request.Headers[WorkloadsApi.IdempotencyKeyHeader].ToString();
        if (key.Length > 255) throw ApiErrorException.Validation(WorkloadsApi.IdempotencyKeyHeader, $"The {WorkloadsApi.IdempotencyKeyHeader} header may have at most 255 characters.");
        string id = key.Length == 0 ? TokenSecrets.NewId("req-", 8) : "req-" + TextDigest.Sha256Hex($"{grant.TenantId}\n{key}")[..16];
        var summary = await requests.CreateAsync(
            new HostRequestAsk(grant.TenantId, id, asked.TemplateId, asked.MaxNumber, preference?.Type, preference?.ProviderInstance, preference?.ProviderType, preference?.ProviderApi,
                TextDigest.Sha256Hex(root.GetRawText()), Retryable: key.Length > 0),
            context.RequestAborted);
        return TypedResults.Accepted((string?)null, summary.ToCreated());
    }

    private static async Task<Ok<RequestList>> ListAsync(HttpContext context, IHostRequestCatalog catalog)
    {
        var page = PageQuery.From(context.Request.Query, SortFields);
        var all = (await catalog.ListAsync(context.Grant().TenantId, context.RequestAborted)).Select(r => r.ToContract()).ToList();
        var paged = page.Apply(all, (r, field) => field switch
        {
            "created_at" => r.CreatedAt,
            "template_id" => r.TemplateId,
            "status" => r.Status,
            "requested_count" => r.RequestedCount,
            _ => r.ProviderInstance,
        });
        return TypedResults.Ok(new RequestList(paged.Items, paged.Pagination));
    }

    private static async Task<Ok<RequestDetails>> GetAsync(string requestId, HttpContext context, IGrainFactory grains)
    {
        var details = await Request(grains, requestId).Get(context.Grant().TenantId) ?? throw Missing(requestId);
        return TypedResults.Ok(details.ToContract());
    }

    private static async Task<Accepted<CancelledRequest>> CancelAsync(string requestId, HttpContext context, IGrainFactory grains)
    {
        var details = await Request(grains, requestId).Cancel(context.Grant().TenantId) ?? throw Missing(requestId);
        return TypedResults.Accepted((string?)null,
            new CancelledRequest(details.Summary.RequestId, details.Summary.Status, "The machines are being returned", details.Machines.Select(m => m.ToContract()).ToList()));
    }

    /// <summary>
    /// Reads a new request as a <see cref="CreateMachinesRequest"/>: the record's names (<c>template_id</c>, <c>max_number</c>,
    /// <c>provider_preference</c> {<c>type</c>, <c>provider_instance</c>, <c>provider_type</c>, <c>provider_api</c>}) or the
    /// seed's (<c>templateId</c>, <c>maxNumber</c>, <c>providerPreference</c>, and camelCase names inside it), checked by
    /// <see cref="HostFactoryRequestValidator"/>. Errors name each field as the body spells it (the seed's spelling when it is absent).
    /// This is the one route that reads its body by hand rather than as a <see cref="RequestBody{T}"/>: the body is respelled
    /// before it is read, the refusals depend on how it was spelled, and the request's stored fingerprint is the digest of the
    /// body as sent. The checks are still the validator's (the rules its registered <see cref="IRequestValidator{T}"/> runs).
    /// </summary>
    private static CreateMachinesRequest Read(HttpContext context, JsonElement root)
    {
        var body = root.ValueKind == JsonValueKind.Object ? JsonObject.Create(root)! : throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "A JSON object is required as the request body.");
        var recordSpelled = HostFactoryRequestValidator.SeedSpelling.Where(s => body.ContainsKey(s.Record) && !body.ContainsKey(s.Seed)).Select(s => s.Record).ToHashSet();
        Respell(body, HostFactoryRequestValidator.SeedSpelling);
        if (body["provider_preference"] is JsonObject preference) Respell(preference, HostFactoryRequestValidator.PreferenceSeedSpelling);
        var request = JsonRequest.Read<CreateMachinesRequest>(context, JsonSerializer.SerializeToElement(body));
        HostFactoryRequestValidator.Validate(request, recordSpelled);
        return request;
    }

    /// <summary>Renames the seed's spelling of a field to the record's (the seed's wins when a body has both).</summary>
    private static void Respell(JsonObject body, IReadOnlyList<(string Seed, string Record)> spelling)
    {
        foreach (var (seed, record) in spelling)
        {
            if (!body.TryGetPropertyValue(seed, out var value)) continue;
            body.Remove(seed);
            body[record] = value;
        }
    }

    private static IHostRequestGrain Request(IGrainFactory grains, string requestId) =>
        requestId.Length is > 4 and <= 64 && requestId.StartsWith("req-", StringComparison.Ordinal) ? grains.GetGrain<IHostRequestGrain>(requestId) : throw Missing(requestId);

    private static ApiErrorException Missing(string requestId) =>
        new(StatusCodes.Status404NotFound, RequestNotFound, $"Request '{(requestId.Length > 64 ? requestId[..64] + "…" : requestId)}' not found.",
            new Dictionary<string, object?> { ["requested_request"] = requestId.Length > 64 ? requestId[..64] : requestId, ["suggestion"] = "Use 'GET /api/v1/requests' to see your requests" });
}
