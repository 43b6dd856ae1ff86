namespace Arbitrage.Orleans.Contracts.Requests;

/// <summary><c>POST /api/v1/requests</c>: <c>max_number</c> machines of a template on a provider chosen by the preference.</summary>
public sealed record CreateMachinesRequest(string TemplateId, int MaxNumber, ProviderPreference? ProviderPreference = null);

/// <param name="Type">The selection strategy (default, explicit, load_balanced, api_based, …).</param>
public sealed record ProviderPreference(string? Type = null, string? ProviderInstance = null, string? ProviderType = null, string? ProviderApi = null);

public sealed record CreatedSelection(string ProviderType, string ProviderInstance, string SelectionReason, double Confidence, IReadOnlyList<string> Alternatives);

/// <summary>The answer to a new request (202, pending).</summary>
public sealed record CreatedRequest(string RequestId, string TemplateId, int RequestedCount, CreatedSelection ProviderSelection, string Status, DateTime CreatedAt);

public sealed record Machine(string MachineId, string WorkloadId, string ProviderInstance, string Status, string? Reason, DateTime CreatedAt);

public sealed record RequestSelection(string SelectionReason, double Confidence, double SelectionTimeMs, string Strategy, IReadOnlyList<string> Alternatives);

/// <summary><c>GET /api/v1/requests/{id}</c>: the request with its machines and why one is not running.</summary>
public sealed record RequestDetails(
    string RequestId, string TemplateId, int RequestedCount, string ProviderType, string ProviderInstance, string Status, string? StatusReason,
    IReadOnlyList<Machine> Machines, RequestSelection ProviderSelection, DateTime CreatedAt, DateTime? CompletedAt);

/// <summary><c>DELETE /api/v1/requests/{id}</c> (202).</summary>
public sealed record CancelledRequest(string RequestId, string Status, string Message, IReadOnlyList<Machine> Machines);

public sealed record RequestListItem(
    string RequestId, string TemplateId, int RequestedCount, string ProviderType, string ProviderInstance, string Status, DateTime CreatedAt, DateTime? CompletedAt);

/// <summary><c>GET /api/v1/requests</c>: newest first.</summary>
public sealed record RequestList(IReadOnlyList<RequestListItem> Data, Pagination Pagination);
