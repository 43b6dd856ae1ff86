using Arbitrage.Orleans.Runtime;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>A journal entry of a wallet: one change of its balance.</summary>
public sealed record WalletEntry(decimal Amount, string Type, string? Description, string? ResourceId, string? ReservationId, decimal BalanceAfter, DateTimeOffset At);

public sealed class WalletState
{
    public string TenantId { get; set; } = "";
    public string? OrgId { get; set; }
    public decimal Balance { get; set; }
    public decimal Reserved { get; set; }
    public string Status { get; set; } = "active";
    public DateTimeOffset CreatedAt { get; set; }
    public Dictionary<string, ReservationInfo> Active { get; set; } = [];

    /// <summary>The most recently closed reservations, so a repeated commit or release gets a clear answer.</summary>
    public List<ReservationInfo> Recent { get; set; } = [];
}

/// <summary>
/// A wallet: balance, reserved credit and the transactions that make up the balance. Each balance change is a
/// journal entry written in the same atomic step as the state, so the balance always equals the sum of the
/// transactions. Active reservations past their expiry are expired by the durable reminder <see cref="ExpiryReminder"/>.
/// </summary>
[GrainType("wallet")]
public sealed partial class WalletGrain([PersistentState("wallet")] IJournaledPersistentState<WalletState> state, TimeProvider time, ILogger<WalletGrain> logger)
    : Grain, IWalletGrain, IRemindable
{
    public const string ExpiryReminder = "expire-reservations";
    public const int RecentLimit = 500;
    public static readonly TimeSpan ExpiryPeriod = TimeSpan.FromMinutes(1);

    private DateTimeOffset? _expiryDueAt;

    private string ProjectId => this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().IndexOf('/') + 1)..];

    private WalletState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Active.Count > 0) await ScheduleExpiryAsync(force: true);
    }

    public async Task<WalletInfo> Create(CreateWallet request)
    {
        if (state.RecordExists) throw new WalletExistsException($"Wallet '{ProjectId}' exists already.");
        CheckAmount(request.InitialBalance, "initial_balance", allowZero: true);
        var now = time.GetUtcNow();
        state.State = new WalletState { TenantId = request.TenantId, OrgId = request.OrgId, CreatedAt = now };
        var entries = new List<WalletEntry>();
        if (request.InitialBalance > 0) entries.Add(Deposit(request.InitialBalance, "Initial balance", now));
        await state.WriteStateAsync(entries);
        return Info();
    }

    public Task<WalletInfo?> Get() => Task.FromResult(state.RecordExists ? Info() : null);

    public async Task<WalletInfo> TopUp(decimal amount, string? description)
    {
        RequireWallet();
        CheckAmount(amount, "amount", allowZero: false);
        if (S.Balance + amount > Money.Max) throw new ArgumentOutOfRangeException("amount", $"The balance may not exceed {Money.Max:N0} USD.");
        await state.WriteStateAsync([Deposit(amount, description ?? "Top-up", time.GetUtcNow())]);
        return Info();
    }

    public async Task<TransactionPage> Transactions(long after, int limit)
    {
        RequireWallet();
        var records = await state.ReadJournalAsync<WalletEntry>(after, limit + 1);
        var page = records.Take(limit).Select(r => new WalletTransaction(
            $"txn-{r.Sequence}", ProjectId, Money.Normalize(r.Entry.Amount), r.Entry.Type, r.Entry.Description, r.Entry.ResourceId, r.Entry.ReservationId,
            Money.Normalize(r.Entry.BalanceAfter), r.Entry.At)).ToList();
        return new TransactionPage(page, records.Count > limit ? records[limit - 1].Sequence : null);
    }

    public async Task<ReservationInfo> Reserve(ReserveCredit request)
    {
        RequireWallet();
        CheckAmount(request.Amount, "amount", allowZero: false);
        if (request.ReservationId is { } id && (S.Active.GetValueOrDefault(id) ?? S.Recent.FirstOrDefault(r => r.Id == id)) is { } existing)
        {
            return existing;
        }

        if (request.Amount > Available)
        {
            throw new InsufficientCreditException($"Wallet '{ProjectId}' has {Available} USD available; {request.Amount} USD was requested.");
        }

        var now = time.GetUtcNow();
        var reservation = new ReservationInfo(request.ReservationId ?? WalletKeys.NewReservationId(ProjectId), ProjectId, request.Amount, ReservationStatus.Active,
            request.Description, request.ResourceType, request.ResourceId, now, now + request.Ttl);
        S.Active[reservation.Id] = reservation;
        S.Reserved += reservation.Amount;
        await state.WriteStateAsync();
        if (_expiryDueAt is null || reservation.ExpiresAt < _expiryDueAt) await ScheduleExpiryAsync(force: true);
        return reservation;
    }

    public async Task<ReservationInfo> Commit(string reservationId, decimal actualAmount, string? resourceId)
    {
        var reservation = ActiveOrThrow(reservationId);
        if (actualAmount < 0 || actualAmount > reservation.Amount)
        {
            throw new ArgumentOutOfRangeException("actual_amount", $"actual_amount must be between 0 and the reserved {reservation.Amount}; got {actualAmount}.");
        }

        if (decimal.Round(actualAmount, Money.Decimals) != actualAmount) throw new ArgumentOutOfRangeException("actual_amount", $"actual_amount has more than {Money.Decimals} decimal places.");
        var now = time.GetUtcNow();
        var closed = Close(reservation, ReservationStatus.Committed, now, null) with { CommittedAmount = actualAmount };
        Remember(closed);
        var entries = new List<WalletEntry>();
        if (actualAmount > 0)
        {
            S.Balance -= actualAmount;
            entries.Add(new WalletEntry(-actualAmount, "charge", reservation.Description, resourceId ?? reservation.ResourceId, reservation.Id, S.Balance, now));
        }

        await state.WriteStateAsync(entries);
        return closed;
    }

    public async Task<ReservationInfo> Release(string reservationId, string? reason)
    {
        var reservation = ActiveOrThrow(reservationId);
        var closed = Close(reservation, ReservationStatus.Released, time.GetUtcNow(), reason);
        Remember(closed);
        await state.WriteStateAsync();
        return closed;
    }

    public Task<ReservationInfo?> GetReservation(string reservationId) =>
        Task.FromResult(S.Active.GetValueOrDefault(reservationId) ?? S.Recent.FirstOrDefault(r => r.Id == reservationId));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ExpiryReminder) return;
        var now = time.GetUtcNow();
        var due = S.Active.Values.Where(r => r.ExpiresAt <= now).ToList();
        foreach (var reservation in due)
        {
            Remember(Close(reservation, ReservationStatus.Expired, now, "ttl elapsed"));
            LogExpired(ProjectId, reservation.Id, reservation.Amount);
        }

        if (due.Count > 0) await state.WriteStateAsync();
        await ScheduleExpiryAsync(force: true);
    }

    /// <summary>Points the reminder at the earliest expiry (or removes it when nothing is active).</summary>
    private async Task ScheduleExpiryAsync(bool force)
    {
        if (S.Active.Count == 0)
        {
            if (_expiryDueAt is not null || force)
            {
                if (await GetReminder(ExpiryReminder) is { } reminder) await UnregisterReminder(reminder);
            }

            _expiryDueAt = null;
            return;
        }

        var next = S.Active.Values.Min(r => r.ExpiresAt);
        var dueIn = next - time.GetUtcNow();
        await RegisterOrUpdateReminder(ExpiryReminder, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, ExpiryPeriod);
        _expiryDueAt = next;
    }

    private ReservationInfo Close(ReservationInfo reservation, string status, DateTimeOffset now, string? reason)
    {
        S.Active.Remove(reservation.Id);
        S.Reserved -= reservation.Amount;
        return reservation with { Status = status, ClosedAt = now, CloseReason = reason };
    }

    private void Remember(ReservationInfo closed)
    {
        S.Recent.Add(closed);
        if (S.Recent.Count > RecentLimit) S.Recent.RemoveRange(0, S.Recent.Count - RecentLimit);
    }

    private ReservationInfo ActiveOrThrow(string reservationId)
    {
        RequireWallet();
        if (S.Active.TryGetValue(reservationId, out var reservation)) return reservation;
        if (S.Recent.FirstOrDefault(r => r.Id == reservationId) is { } closed)
        {
            throw new ReservationStateException($"Reservation '{reservationId}' is {closed.Status}, not active.");
        }

        throw new WalletNotFoundException($"Reservation '{reservationId}' does not exist.");
    }

    private void RequireWallet()
    {
        if (!state.RecordExists) throw new WalletNotFoundException($"Wallet '{ProjectId}' does not exist.");
    }

    private WalletEntry Deposit(decimal amount, string description, DateTimeOffset now)
    {
        S.Balance += amount;
        return new WalletEntry(amount, "deposit", description, null, null, S.Balance, now);
    }

    private static void CheckAmount(decimal amount, string field, bool allowZero)
    {
        if (amount < 0 || (!allowZero && amount == 0) || amount > Money.Max)
        {
            throw new ArgumentOutOfRangeException(field, $"{field} must be {(allowZero ? "at least 0" : "positive")} and at most {Money.Max:N0}; got {amount}.");
        }

        if (decimal.Round(amount, Money.Decimals) != amount) throw new ArgumentOutOfRangeException(field, $"{field} has more than {Money.Decimals} decimal places.");
    }

    private decimal Available => Math.Max(0, S.Balance - S.Reserved);

    private WalletInfo Info() =>
        new(ProjectId, S.TenantId, S.OrgId, Money.Normalize(S.Balance), Money.Normalize(S.Reserved), Money.Normalize(Available), "USD", S.Status, S.CreatedAt);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Wallet {ProjectId}: reservation {ReservationId} of {Amount} USD expired")]
    private partial void LogExpired(string projectId, string reservationId, decimal amount);
}
