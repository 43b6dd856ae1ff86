namespace Arbitrage.Orleans.Contracts.Wallets;

/// <summary>The CreditService face's envelope (snake_case): <c>{"data": …, "meta": {"request_id", "timestamp"}}</c>.</summary>
public sealed record Envelope<T>(T Data, EnvelopeMeta Meta);

public sealed record EnvelopeMeta(string RequestId, DateTimeOffset Timestamp);

/// <summary>A project wallet: money is decimal USD with at most six decimal places.</summary>
public sealed record Wallet(
    string ProjectId, string? OrgId, decimal Balance, decimal Reserved, decimal Available, string Currency, string Status, DateTimeOffset CreatedAt);

/// <summary><c>POST /api/v1/wallets</c>; only an operator may give an initial balance.</summary>
public sealed record CreateWalletRequest(string ProjectId, string? OrgId = null, decimal? InitialBalance = null);

/// <summary><c>POST /api/v1/wallets/{projectId}/topup</c> (operators only).</summary>
public sealed record TopUpRequest(decimal Amount, string? Description = null);

/// <summary><c>POST /api/v1/wallets/{projectId}/transfer</c>: to another wallet of the tenant.</summary>
public sealed record TransferRequest(string ToProjectId, decimal Amount, string? Description = null);

public sealed record Transfer(string Id, string FromProjectId, string ToProjectId, decimal Amount, string Status, DateTimeOffset CreatedAt);

/// <summary>One change of a wallet's balance.</summary>
public sealed record WalletTransaction(
    string Id, string ProjectId, decimal Amount, string Type, string? Description, string? ResourceId, string? ReservationId, decimal BalanceAfter,
    DateTimeOffset Timestamp);

/// <summary>A page of transactions, oldest first; <c>next_cursor</c> is null on the last page.</summary>
public sealed record TransactionPage(IReadOnlyList<WalletTransaction> Transactions, string? NextCursor);

/// <summary><c>POST /api/v1/reservations</c>: holds credit until commit, release or <c>ttl_seconds</c> (default 3600).</summary>
public sealed record ReserveCreditRequest(
    string ProjectId, decimal Amount, string? Description = null, string? ResourceType = null, string? ResourceId = null, int? TtlSeconds = null);

/// <summary><c>POST /api/v1/reservations/{id}/commit</c>: charges <c>actual_amount</c> in full.</summary>
public sealed record CommitReservationRequest(decimal ActualAmount, string? ResourceId = null);

/// <summary><c>POST /api/v1/reservations/{id}/release</c>.</summary>
public sealed record ReleaseReservationRequest(string? Reason = null);

public sealed record Reservation(
    string Id, string ProjectId, decimal Amount, string Status, string? Description, string? ResourceType, string? ResourceId, DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt, decimal? CommittedAmount, DateTimeOffset? ClosedAt, string? CloseReason, bool OverdraftExceeded);
