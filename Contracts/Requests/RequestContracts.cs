using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Requests;

// The host-factory API is snake_case. Its records spell their multi-word names with [JsonPropertyName], so they are
// written, read and documented the same under any options (the server's HTTP options, SnakeCaseJsonContext, a client's
// own). A field the face always sends, null when it has no value (status_reason, completed_at, a machine's reason),
// says so with [JsonIgnore(Condition = Never)].

/// <summary>
/// <c>POST /api/v1/requests</c>: <c>max_number</c> machines of a template on a provider chosen by the preference. The
/// server also reads the seed's spelling of the names (<c>templateId</c>, <c>maxNumber</c>, <c>providerPreference</c>).
/// </summary>
public sealed record CreateMachinesRequest(
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("max_number")] int MaxNumber,
    [property: JsonPropertyName("provider_preference")] ProviderPreference? ProviderPreference = null);

/// <param name="Type">The selection strategy (default, explicit, load_balanced, api_based, …).</param>
public sealed record ProviderPreference(
    string? Type = null,
    [property: JsonPropertyName("provider_instance")] string? ProviderInstance = null,
    [property: JsonPropertyName("provider_type")] string? ProviderType = null,
    [property: JsonPropertyName("provider_api")] string? ProviderApi = null);

public sealed record CreatedSelection(
    [property: JsonPropertyName("provider_type")] string ProviderType,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    [property: JsonPropertyName("selection_reason")] string SelectionReason,
    double Confidence, IReadOnlyList<string> Alternatives);

/// <summary>The answer to a new request (202, pending).</summary>
public sealed record CreatedRequest(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("requested_count")] int RequestedCount,
    [property: JsonPropertyName("provider_selection")] CreatedSelection ProviderSelection,
    string Status,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt);

/// <summary>A machine of a request: the workload it is, and why it is not running (null while it is fine).</summary>
public sealed record Machine(
    [property: JsonPropertyName("machine_id")] string MachineId,
    [property: JsonPropertyName("workload_id")] string WorkloadId,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt);

public sealed record RequestSelection(
    [property: JsonPropertyName("selection_reason")] string SelectionReason,
    double Confidence,
    [property: JsonPropertyName("selection_time_ms")] double SelectionTimeMs,
    string Strategy, IReadOnlyList<string> Alternatives);

/// <summary><c>GET /api/v1/requests/{id}</c>: the request with its machines and why one is not running.</summary>
public sealed record RequestDetails(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("requested_count")] int RequestedCount,
    [property: JsonPropertyName("provider_type")] string ProviderType,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    string Status,
    [property: JsonPropertyName("status_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StatusReason,
    IReadOnlyList<Machine> Machines,
    [property: JsonPropertyName("provider_selection")] RequestSelection ProviderSelection,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt,
    [property: JsonPropertyName("completed_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTime? CompletedAt);

/// <summary><c>DELETE /api/v1/requests/{id}</c> (202).</summary>
public sealed record CancelledRequest(
    [property: JsonPropertyName("request_id")] string RequestId, string Status, string Message, IReadOnlyList<Machine> Machines);

public sealed record RequestListItem(
    [property: JsonPropertyName("request_id")] string RequestId,
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("requested_count")] int RequestedCount,
    [property: JsonPropertyName("provider_type")] string ProviderType,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    string Status,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt,
    [property: JsonPropertyName("completed_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTime? CompletedAt);

/// <summary><c>GET /api/v1/requests</c>: newest first.</summary>
public sealed record RequestList(IReadOnlyList<RequestListItem> Data, Pagination Pagination);
