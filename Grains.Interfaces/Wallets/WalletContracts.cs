using Orleans;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>
/// A wallet as the CreditService shows it. Money is decimal US dollars. <see cref="Balance"/> is the sum of the
/// wallet's transactions; <see cref="Reserved"/> is held by active reservations; <see cref="Available"/> is balance
/// less reserved: below zero when the wallet is overdrawn (reservations may take it down to the configured overdraft,
/// a charge of what already ran may take it further).
/// </summary>
[GenerateSerializer, Alias("arb.WalletInfo")]
public sealed record WalletInfo([property: Id(0)] string ProjectId, [property: Id(1)] string TenantId, [property: Id(2)] string? OrgId, [property: Id(3)] decimal Balance, [property: Id(4)] decimal Reserved, [property: Id(5)] decimal Available, [property: Id(6)] string Currency, [property: Id(7)] string Status, [property: Id(8)] DateTimeOffset CreatedAt);

/// <summary>One change of a wallet's balance: a deposit (initial credit, top-up) or a charge (a committed reservation).</summary>
[GenerateSerializer, Alias("arb.WalletTransaction")]
public sealed record WalletTransaction([property: Id(0)] string Id, [property: Id(1)] string ProjectId, [property: Id(2)] decimal Amount, [property: Id(3)] string Type, [property: Id(4)] string? Description, [property: Id(5)] string? ResourceId, [property: Id(6)] string? ReservationId, [property: Id(7)] decimal BalanceAfter, [property: Id(8)] DateTimeOffset Timestamp);

[GenerateSerializer, Alias("arb.TransactionPage")]
public sealed record TransactionPage([property: Id(0)] IReadOnlyList<WalletTransaction> Transactions, [property: Id(1)] long? NextAfter);

/// <summary>
/// Credit held for a resource until it is committed (charged), released, or expires at <see cref="ExpiresAt"/> (a holder
/// renews it with <see cref="IWalletGrain.Extend"/>). <see cref="OverdraftExceeded"/>: this commit took the wallet's
/// available credit below its allowed overdraft; the charge is recorded in full, and the resource must stop.
/// </summary>
[GenerateSerializer, Alias("arb.ReservationInfo")]
public sealed record ReservationInfo(
    [property: Id(0)] string Id,
    [property: Id(1)] string ProjectId,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] string Status,
    [property: Id(4)] string? Description,
    [property: Id(5)] string? ResourceType,
    [property: Id(6)] string? ResourceId,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset ExpiresAt,
    [property: Id(9)] decimal? CommittedAmount = null,
    [property: Id(10)] DateTimeOffset? ClosedAt = null,
    [property: Id(11)] string? CloseReason = null,
    [property: Id(12)] bool OverdraftExceeded = false);

public static class ReservationStatus
{
    public const string Active = "active";
    public const string Committed = "committed";
    public const string Released = "released";
    public const string Expired = "expired";

    /// <summary>Every status, in a reservation's order of life.</summary>
    public static IReadOnlyList<string> All { get; } = [Active, Committed, Released, Expired];
}

/// <summary>
/// A page of a wallet's reservations, newest first; <see cref="NextBefore"/> (the journal number of the last one's
/// hold) asks for the next page, null on the last.
/// </summary>
[GenerateSerializer, Alias("arb.ReservationPage")]
public sealed record ReservationPage([property: Id(0)] IReadOnlyList<ReservationInfo> Reservations, [property: Id(1)] long? NextBefore)
{
    /// <summary>How many ended reservations (committed, released, expired) a wallet keeps listing: the newest by when they ended.</summary>
    public const int EndedKept = 1000;
}

[GenerateSerializer, Alias("arb.CreateWallet")]
public sealed record CreateWallet([property: Id(0)] string TenantId, [property: Id(1)] string? OrgId, [property: Id(2)] decimal InitialBalance);

[GenerateSerializer, Alias("arb.ReserveCredit")]
public sealed record ReserveCredit([property: Id(0)] decimal Amount, [property: Id(1)] string? Description, [property: Id(2)] string? ResourceType, [property: Id(3)] string? ResourceId, [property: Id(4)] TimeSpan Ttl, [property: Id(5)] string? ReservationId = null);

/// <summary>
/// A wallet, keyed <c>{tenantId}/{projectId}</c> (see <see cref="WalletKeys"/>): its balance, the transactions that
/// make it up (a journal written with the state), and its active reservations, expired by a durable reminder.
/// </summary>
[Alias("arb.IWalletGrain")]
public interface IWalletGrain : IGrainWithStringKey
{
    /// <exception cref="WalletExistsException">The wallet exists.</exception>
    [Alias("Create")]
    Task<WalletInfo> Create(CreateWallet request);

    [ReadOnly]
    [Alias("Get")]
    Task<WalletInfo?> Get();

    [Alias("TopUp")]
    Task<WalletInfo> TopUp(decimal amount, string? description);

    /// <summary>Transactions numbered above <paramref name="after"/>, oldest first.</summary>
    [ReadOnly]
    [Alias("Transactions")]
    Task<TransactionPage> Transactions(long after, int limit);

    /// <summary>Holds credit; it may take the available credit below zero down to the configured overdraft, not further.</summary>
    /// <exception cref="InsufficientCreditException">The amount is more than what is available (and the overdraft allows).</exception>
    /// <exception cref="OverdraftLimitException">The wallet is overdrawn and the amount would pass its overdraft.</exception>
    [Alias("Reserve")]
    Task<ReservationInfo> Reserve(ReserveCredit request);

    /// <summary>
    /// Charges <paramref name="actualAmount"/> in full, also above the reserved amount (the excess draws on the
    /// balance, past the overdraft if need be: the result then says <see cref="ReservationInfo.OverdraftExceeded"/>);
    /// what was reserved and not charged returns to available. A reservation that expired is charged all the same
    /// (a late charge): an expiry never drops a charge.
    /// </summary>
    /// <exception cref="ReservationStateException">The reservation was committed or released already.</exception>
    /// <exception cref="WalletNotFoundException">The wallet or the reservation does not exist.</exception>
    [Alias("Commit")]
    Task<ReservationInfo> Commit(string reservationId, decimal actualAmount, string? resourceId);

    /// <summary>Renews an active reservation: it now expires <paramref name="ttl"/> from now (never earlier than before).</summary>
    /// <exception cref="ReservationStateException">The reservation is not active (its holder commits it anyway).</exception>
    [Alias("Extend")]
    Task<ReservationInfo> Extend(string reservationId, TimeSpan ttl);

    /// <exception cref="ReservationStateException">The reservation is not active.</exception>
    [Alias("Release")]
    Task<ReservationInfo> Release(string reservationId, string? reason);

    [ReadOnly]
    [Alias("GetReservation")]
    Task<ReservationInfo?> GetReservation(string reservationId);

    /// <summary>
    /// The wallet's reservations, newest first: every active one and the most recent ended ones (committed, released,
    /// expired; the newest <see cref="ReservationPage.EndedKept"/> by when they ended), held before <paramref name="before"/>
    /// (a journal number; 0 for the first page), of <paramref name="status"/> when given.
    /// </summary>
    /// <exception cref="WalletNotFoundException">The wallet does not exist.</exception>
    [ReadOnly]
    [Alias("Reservations")]
    Task<ReservationPage> Reservations(string? status, long before, int limit);

    /// <summary>
    /// Moves credit to another wallet of the same tenant: this wallet's balance drops at once (a <c>transfer_out</c>
    /// transaction) and the credit is delivered to the other wallet (a <c>transfer_in</c>), retried until it confirms.
    /// </summary>
    /// <exception cref="InsufficientCreditException">The amount is more than what is available; neither wallet changes.</exception>
    /// <exception cref="OverdraftLimitException">The wallet is overdrawn: borrowed credit is never transferred.</exception>
    [Alias("Transfer")]
    Task<TransferInfo> Transfer(TransferCredit request);

    /// <summary>Credit sent by another wallet of the tenant; applied once per transfer id, then confirmed to the sender.</summary>
    [OneWay]
    [Alias("ReceiveTransfer")]
    Task ReceiveTransfer(TransferCredit transfer, string fromProjectId);

    /// <summary>The receiving wallet applied the transfer: the sender stops delivering it.</summary>
    [OneWay]
    [Alias("ConfirmTransfer")]
    Task ConfirmTransfer(string transferId);
}

/// <summary>A transfer between two wallets of one tenant.</summary>
[GenerateSerializer, Alias("arb.TransferCredit")]
public sealed record TransferCredit([property: Id(0)] string TransferId, [property: Id(1)] string ToProjectId, [property: Id(2)] decimal Amount, [property: Id(3)] string? Description);

/// <summary>A transfer as the sender reports it: <c>pending</c> until the receiver confirms, then <c>delivered</c>.</summary>
[GenerateSerializer, Alias("arb.TransferInfo")]
public sealed record TransferInfo(
    [property: Id(0)] string Id, [property: Id(1)] string FromProjectId, [property: Id(2)] string ToProjectId, [property: Id(3)] decimal Amount,
    [property: Id(4)] string Status, [property: Id(5)] DateTimeOffset At);

/// <summary>Wallet grain keys and reservation ids (a reservation id names its wallet's project).</summary>
public static class WalletKeys
{
    public static string Of(string tenantId, string projectId) => $"{tenantId}/{projectId}";

    /// <summary><c>rsv-{16 hex}-{projectId}</c>.</summary>
    public static string NewReservationId(string projectId) => $"rsv-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}-{projectId}";

    /// <summary>The same id for the same <paramref name="seed"/> (so a retried reservation finds the first).</summary>
    public static string ReservationIdFor(string projectId, string seed) =>
        $"rsv-{TextDigest.Sha256Hex(seed)[..16]}-{projectId}";

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

[GenerateSerializer, Alias("arb.WalletExistsException")]
public sealed class WalletExistsException(string message) : Exception(message);

[GenerateSerializer, Alias("arb.InsufficientCreditException")]
public sealed class InsufficientCreditException(string message) : Exception(message);

/// <summary>The wallet is overdrawn (its available credit is below zero) and what was asked would need more than its overdraft allows.</summary>
[GenerateSerializer, Alias("arb.OverdraftLimitException")]
public sealed class OverdraftLimitException(string message) : Exception(message);

[GenerateSerializer, Alias("arb.ReservationStateException")]
public sealed class ReservationStateException(string message) : Exception(message);

/// <summary>The wallet or reservation does not exist (for this tenant).</summary>
[GenerateSerializer, Alias("arb.WalletNotFoundException")]
public sealed class WalletNotFoundException(string message) : Exception(message);
