using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>
/// A wallet as the CreditService shows it. Money is decimal US dollars. <see cref="Balance"/> is the sum of the
/// wallet's transactions; <see cref="Reserved"/> is held by active reservations; <see cref="Available"/> is what
/// may still be reserved, never below zero.
/// </summary>
public sealed record WalletInfo(string ProjectId, string TenantId, string? OrgId, decimal Balance, decimal Reserved, decimal Available, string Currency, string Status, DateTimeOffset CreatedAt);

/// <summary>One change of a wallet's balance: a deposit (initial credit, top-up) or a charge (a committed reservation).</summary>
public sealed record WalletTransaction(string Id, string ProjectId, decimal Amount, string Type, string? Description, string? ResourceId, string? ReservationId, decimal BalanceAfter, DateTimeOffset Timestamp);

public sealed record TransactionPage(IReadOnlyList<WalletTransaction> Transactions, long? NextAfter);

/// <summary>Credit held for a resource until it is committed (charged), released, or expires at <see cref="ExpiresAt"/>.</summary>
public sealed record ReservationInfo(
    string Id,
    string ProjectId,
    decimal Amount,
    string Status,
    string? Description,
    string? ResourceType,
    string? ResourceId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    decimal? CommittedAmount = null,
    DateTimeOffset? ClosedAt = null,
    string? CloseReason = null);

public static class ReservationStatus
{
    public const string Active = "active";
    public const string Committed = "committed";
    public const string Released = "released";
    public const string Expired = "expired";
}

public sealed record CreateWallet(string TenantId, string? OrgId, decimal InitialBalance);

public sealed record ReserveCredit(decimal Amount, string? Description, string? ResourceType, string? ResourceId, TimeSpan Ttl, string? ReservationId = null);

/// <summary>
/// A wallet, keyed <c>{tenantId}/{projectId}</c> (see <see cref="WalletKeys"/>): its balance, the transactions that
/// make it up (a journal written with the state), and its active reservations, expired by a durable reminder.
/// </summary>
public interface IWalletGrain : IGrainWithStringKey
{
    /// <exception cref="WalletExistsException">The wallet exists.</exception>
    Task<WalletInfo> Create(CreateWallet request);

    [ReadOnly]
    Task<WalletInfo?> Get();

    Task<WalletInfo> TopUp(decimal amount, string? description);

    /// <summary>Transactions numbered above <paramref name="after"/>, oldest first.</summary>
    [ReadOnly]
    Task<TransactionPage> Transactions(long after, int limit);

    /// <exception cref="InsufficientCreditException">The amount is more than what is available.</exception>
    Task<ReservationInfo> Reserve(ReserveCredit request);

    /// <summary>Charges <paramref name="actualAmount"/> (at most the reserved amount); the rest returns to available.</summary>
    /// <exception cref="ReservationStateException">The reservation is not active.</exception>
    Task<ReservationInfo> Commit(string reservationId, decimal actualAmount, string? resourceId);

    /// <exception cref="ReservationStateException">The reservation is not active.</exception>
    Task<ReservationInfo> Release(string reservationId, string? reason);

    [ReadOnly]
    Task<ReservationInfo?> GetReservation(string reservationId);
}

/// <summary>Wallet grain keys and reservation ids (a reservation id names its wallet's project).</summary>
public static class WalletKeys
{
    public static string Of(string tenantId, string projectId) => $"{tenantId}/{projectId}";

    /// <summary><c>rsv-{16 hex}-{projectId}</c>.</summary>
    public static string NewReservationId(string projectId) => $"rsv-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-{projectId}";

    /// <summary>The same id for the same <paramref name="seed"/> (so a retried reservation finds the first).</summary>
    public static string ReservationIdFor(string projectId, string seed) =>
        $"rsv-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(seed)).AsSpan(0, 8))}-{projectId}";

    /// <summary>The project of a reservation id, or null when the id is not one of ours.</summary>
    public static string? ProjectOfReservation(string reservationId) =>
        reservationId.Length > 21 && reservationId.StartsWith("rsv-", StringComparison.Ordinal) && reservationId[20] == '-'
        && reservationId.AsSpan(4, 16).IndexOfAnyExcept("0123456789abcdef") < 0
            ? reservationId[21..]
            : null;

    /// <summary>Project ids: 1–64 letters, digits, '.', '_' or '-'.</summary>
    public static bool IsValidProjectId(string projectId) =>
        projectId.Length is >= 1 and <= 64 && projectId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

public sealed class WalletExistsException(string message) : Exception(message);

public sealed class InsufficientCreditException(string message) : Exception(message);

public sealed class ReservationStateException(string message) : Exception(message);

/// <summary>The wallet or reservation does not exist (for this tenant).</summary>
public sealed class WalletNotFoundException(string message) : Exception(message);
