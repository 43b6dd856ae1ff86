using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Wallets;

// The CreditService face is snake_case. Its records spell their multi-word names with [JsonPropertyName], so they are
// written, read and documented the same under any options: the server's HTTP options (camelCase, which the OpenAPI
// document follows), SnakeCaseJsonContext, a client's own. A field the face always sends, null when it has no value
// (org_id, description, next_cursor, …), says so with [JsonIgnore(Condition = Never)]; an amount a request cannot do
// without is [JsonRequired] (a missing one is refused naming it, never read as 0).

/// <summary>The CreditService face's envelope (snake_case): <c>{"data": …, "meta": {"request_id", "timestamp"}}</c>.</summary>
public sealed record Envelope<T>(T Data, EnvelopeMeta Meta);

public sealed record EnvelopeMeta([property: JsonPropertyName("request_id")] string RequestId, DateTimeOffset Timestamp);

/// <summary>A project wallet: money is decimal USD with at most six decimal places.</summary>
public sealed record Wallet(
    [property: JsonPropertyName("project_id")] string ProjectId,
    [property: JsonPropertyName("org_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? OrgId,
    decimal Balance, decimal Reserved, decimal Available, string Currency, string Status,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary><c>POST /api/v1/wallets</c>; only an operator may give an initial balance.</summary>
public sealed record CreateWalletRequest(
    [property: JsonPropertyName("project_id")] string ProjectId,
    [property: JsonPropertyName("org_id")] string? OrgId = null,
    [property: JsonPropertyName("initial_balance")] decimal? InitialBalance = null);

/// <summary><c>POST /api/v1/wallets/{projectId}/topup</c> (operators only).</summary>
public sealed record TopUpRequest([property: JsonRequired] decimal Amount, string? Description = null);

/// <summary><c>POST /api/v1/wallets/{projectId}/transfer</c>: to another wallet of the tenant.</summary>
public sealed record TransferRequest([property: JsonPropertyName("to_project_id")] string ToProjectId, [property: JsonRequired] decimal Amount, string? Description = null);

public sealed record Transfer(
    string Id,
    [property: JsonPropertyName("from_project_id")] string FromProjectId,
    [property: JsonPropertyName("to_project_id")] string ToProjectId,
    decimal Amount, string Status,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary>One change of a wallet's balance.</summary>
public sealed record WalletTransaction(
    string Id,
    [property: JsonPropertyName("project_id")] string ProjectId,
    decimal Amount, string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Description,
    [property: JsonPropertyName("resource_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ResourceId,
    [property: JsonPropertyName("reservation_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ReservationId,
    [property: JsonPropertyName("balance_after")] decimal BalanceAfter,
    DateTimeOffset Timestamp);

/// <summary>A page of transactions, oldest first; <c>next_cursor</c> is null on the last page.</summary>
public sealed record TransactionPage(
    IReadOnlyList<WalletTransaction> Transactions,
    [property: JsonPropertyName("next_cursor"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);

/// <summary><c>POST /api/v1/reservations</c>: holds credit until commit, release or <c>ttl_seconds</c> (default 3600).</summary>
public sealed record ReserveCreditRequest(
    [property: JsonPropertyName("project_id")] string ProjectId,
    [property: JsonRequired] decimal Amount,
    string? Description = null,
    [property: JsonPropertyName("resource_type")] string? ResourceType = null,
    [property: JsonPropertyName("resource_id")] string? ResourceId = null,
    [property: JsonPropertyName("ttl_seconds")] int? TtlSeconds = null);

/// <summary><c>POST /api/v1/reservations/{id}/commit</c>: charges <c>actual_amount</c> in full.</summary>
public sealed record CommitReservationRequest(
    [property: JsonPropertyName("actual_amount"), JsonRequired] decimal ActualAmount,
    [property: JsonPropertyName("resource_id")] string? ResourceId = null);

/// <summary><c>POST /api/v1/reservations/{id}/release</c>.</summary>
public sealed record ReleaseReservationRequest(string? Reason = null);

public sealed record Reservation(
    string Id,
    [property: JsonPropertyName("project_id")] string ProjectId,
    decimal Amount, string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Description,
    [property: JsonPropertyName("resource_type"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ResourceType,
    [property: JsonPropertyName("resource_id"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ResourceId,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("expires_at")] DateTimeOffset ExpiresAt,
    [property: JsonPropertyName("committed_amount"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] decimal? CommittedAmount,
    [property: JsonPropertyName("closed_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? ClosedAt,
    [property: JsonPropertyName("close_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? CloseReason,
    [property: JsonPropertyName("overdraft_exceeded")] bool OverdraftExceeded);

/// <summary>
/// A page of a wallet's reservations, newest first (<c>GET /api/v1/wallets/{projectId}/reservations</c>): the active
/// ones and the most recently ended; <c>next_cursor</c> is null on the last page.
/// </summary>
public sealed record ReservationPage(
    IReadOnlyList<Reservation> Reservations,
    [property: JsonPropertyName("next_cursor"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? NextCursor);
