using Orleans;
using Orleans.Runtime;
using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Wallets;

/// <summary>
/// One entry of a wallet's journal. <c>deposit</c> and <c>charge</c> change the balance (they are the wallet's
/// transactions); <c>hold</c> and <c>settle</c> open and close a reservation, <c>extend</c> renews it, <c>late_commit</c>
/// commits one that had expired (<see cref="Reservation"/> as it then stood).
/// </summary>
public sealed record WalletEntry(
    string Kind,
    decimal Amount,
    string? Description,
    string? ResourceId,
    string? ReservationId,
    decimal BalanceAfter,
    DateTimeOffset At,
    ReservationInfo? Reservation = null) : IJournalKind
{
    public const string TransactionKind = "transaction";
    public const string ReservationKind = "reservation";

    public string JournalKind => Kind is "deposit" or "charge" or "transfer_out" or "transfer_in" ? TransactionKind : ReservationKind;
}

/// <summary>
/// A wallet's totals. The reservations themselves are journal entries (held and settled), replayed from
/// <see cref="ActiveFrom"/> (or the earlier <see cref="RecentFrom"/>) when the wallet activates, so a write costs the
/// same with one or ten thousand active.
/// </summary>
public sealed class WalletState : IJournaledState
{
    /// <summary>Entries the next write appends to the journal (not part of the stored totals).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public JournalBuffer Journal { get; } = new();

    [Id(0)]
    public string TenantId { get; set; } = "";
    [Id(1)]
    public string? OrgId { get; set; }
    [Id(2)]
    public decimal Balance { get; set; }
    [Id(3)]
    public decimal Reserved { get; set; }
    [Id(4)]
    public string Status { get; set; } = "active";
    [Id(5)]
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>How many journal entries the wallet has written (the store numbers them 1, 2, …).</summary>
    [Id(6)]
    public long Entries { get; set; }

    /// <summary>The journal number of the oldest active reservation's hold; 0 when none is active.</summary>
    [Id(7)]
    public long ActiveFrom { get; set; }

    /// <summary>Transfers sent (already taken off the balance) that the receiving wallet has not confirmed yet.</summary>
    [Id(8)]
    public List<TransferCredit> Outgoing { get; set; } = [];

    /// <summary>The ids of the transfers received most recently, so a redelivered transfer is applied once.</summary>
    [Id(9)]
    public List<string> Received { get; set; } = [];

    /// <summary>
    /// Reservations that expired uncommitted, newest last (at most <see cref="WalletGrain.ExpiredLimit"/>): a late
    /// commit finds them here, even after a restart, and is charged.
    /// </summary>
    [Id(10)]
    public List<ReservationInfo> Expired { get; set; } = [];

    /// <summary>
    /// The journal number of the hold of the oldest ended reservation the wallet still lists (the newest
    /// <see cref="WalletGrain.RecentLimit"/> by when they ended); 0 when none. Activation replays from here too.
    /// </summary>
    [Id(11)]
    public long RecentFrom { get; set; }
}

/// <summary>
/// A wallet: balance, reserved credit and the transactions that make up the balance. Every change is journal entries
/// written in the same atomic step as the totals, so the balance always equals the sum of the transactions and the
/// reserved total always equals the active reservations. Active reservations past their expiry are expired by the
/// durable reminder <see cref="ExpiryReminder"/>; committing one later still charges it. The available credit may go
/// below zero down to <see cref="WalletOptions.Overdraft"/> through reservations, and further only through a charge
/// of what already ran (reported, so that the resource stops); transfers use only the wallet's own credit.
/// </summary>
[GrainType("wallet")]
public sealed partial class WalletGrain(
    [PersistentState("wallet", LedgerStorage.Name)] IPersistentState<WalletState> state,
    IGrainJournalReader journal,
    IOptions<WalletOptions> options,
    TimeProvider time,
    ILogger<WalletGrain> logger)
    : Grain, IWalletGrain, IRemindable
{
    public const string ExpiryReminder = "expire-reservations";
    public const string DeliveryReminder = "deliver-transfers";
    public const int ReceivedLimit = 1000;
    public static readonly TimeSpan RedeliveryPeriod = TimeSpan.FromSeconds(2);
    public const string StateName = "wallet";
    /// <summary>How many ended reservations (committed, released, expired) a wallet keeps listing, the newest by when they ended.</summary>
    public const int RecentLimit = ReservationPage.EndedKept;
    public const string LateCommitReason = "committed after it expired";
    public const int ExpiredLimit = 200;
    public static readonly TimeSpan ExpiryPeriod = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, (ReservationInfo Info, long Sequence)> _active = new(StringComparer.Ordinal);
    /// <summary>Ended reservations (the newest <see cref="RecentLimit"/> by when they ended), with the journal number of their hold.</summary>
    private readonly Dictionary<string, (ReservationInfo Info, long Sequence)> _recent = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();
    private DateTimeOffset? _expiryDueAt;
    private IGrainTimer? _delivery;

    private string ProjectId => this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().IndexOf('/') + 1)..];

    private WalletState S => state.State;

    /// <summary>
    /// Rebuilds the active and the recently ended reservations from the journal and points the expiry reminder at the
    /// earliest expiry.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Outgoing.Count > 0) ArmDelivery();
        long from = new[] { S.ActiveFrom, S.RecentFrom }.Where(n => n > 0).DefaultIfEmpty(0).Min();
        if (from <= 0) return;
        for (long after = from - 1; ;)
        {
            var page = await journal.ReadAsync<WalletEntry>(this.GetGrainId(), StateName, after, 1000, WalletEntry.ReservationKind, cancellationToken);
            foreach (var record in page)
            {
                if (record.Entry.Reservation is not { } reservation) continue;
                if (record.Entry.Kind == "hold") _active[reservation.Id] = (reservation, record.Sequence);
                else if (record.Entry.Kind == "extend")
                {
                    if (_active.TryGetValue(reservation.Id, out var held)) _active[reservation.Id] = (reservation, held.Sequence);
                }
                else if (_active.Remove(reservation.Id, out var held)) Remember(reservation, held.Sequence);
                // A late_commit of an ended one (a commit after it expired) updates it.
                else if (_recent.ContainsKey(reservation.Id)) Remember(reservation);
                else if (reservation.CloseReason == LateCommitReason) Remember(reservation, record.Sequence);
            }

            if (page.Count < 1000) break;
            after = page[^1].Sequence;
        }

        if (_active.Count > 0) await ScheduleExpiryAsync();
    }

    public async Task<WalletInfo> Create(CreateWallet request)
    {
        if (state.RecordExists) throw new WalletExistsException($"Wallet '{ProjectId}' exists already.");
        CheckAmount(request.InitialBalance, "initial_balance", allowZero: true);
        var now = time.GetUtcNow();
        state.State = new WalletState { TenantId = request.TenantId, OrgId = request.OrgId, CreatedAt = now };
        await WriteAsync(request.InitialBalance > 0 ? [Deposit(request.InitialBalance, "Initial balance", now)] : []);
        return Info();
    }

    public Task<WalletInfo?> Get() => Task.FromResult(state.RecordExists ? Info() : null);

    public async Task<WalletInfo> TopUp(decimal amount, string? description)
    {
        RequireWallet();
        CheckAmount(amount, "amount", allowZero: false);
        if (S.Balance + amount > Money.Max) throw new ArgumentOutOfRangeException("amount", $"The balance may not exceed {Money.Max:N0} USD.");
        await WriteAsync([Deposit(amount, description ?? "Top-up", time.GetUtcNow())]);
        return Info();
    }

    public async Task<TransactionPage> Transactions(long after, int limit)
    {
        RequireWallet();
        var records = await journal.ReadAsync<WalletEntry>(this.GetGrainId(), StateName, after, limit + 1, WalletEntry.TransactionKind, CancellationToken.None);
        var page = records.Take(limit).Select(r => new WalletTransaction(
            $"txn-{r.Sequence}", ProjectId, Money.Normalize(r.Entry.Amount), r.Entry.Kind, r.Entry.Description, r.Entry.ResourceId, r.Entry.ReservationId,
            Money.Normalize(r.Entry.BalanceAfter), r.Entry.At)).ToList();
        return new TransactionPage(page, records.Count > limit ? records[limit - 1].Sequence : null);
    }

    public async Task<ReservationInfo> Reserve(ReserveCredit request)
    {
        RequireWallet();
        CheckAmount(request.Amount, "amount", allowZero: false);
        if (request.ReservationId is { } id && Find(id) is { } existing) return existing;
        if (request.Amount > Available + Overdraft) throw Refusal(request.Amount, "reservation", Available + Overdraft);

        var now = time.GetUtcNow();
        var reservation = new ReservationInfo(request.ReservationId ?? WalletKeys.NewReservationId(ProjectId), ProjectId, request.Amount, ReservationStatus.Active,
            request.Description, request.ResourceType, request.ResourceId, now, now + request.Ttl);
        S.Reserved += reservation.Amount;
        _active[reservation.Id] = (reservation, S.Entries + 1);
        await WriteAsync([new WalletEntry("hold", 0, reservation.Description, reservation.ResourceId, reservation.Id, S.Balance, now, reservation)]);
        if (_expiryDueAt is null || reservation.ExpiresAt < _expiryDueAt) await ScheduleExpiryAsync();
        return reservation;
    }

    public async Task<ReservationInfo> Commit(string reservationId, decimal actualAmount, string? resourceId)
    {
        RequireWallet();
        CheckAmount(actualAmount, "actual_amount", allowZero: true);
        if (!_active.ContainsKey(reservationId) && S.Expired.FindIndex(r => r.Id == reservationId) is >= 0 and var expiredAt)
        {
            return await CommitExpiredAsync(S.Expired[expiredAt], actualAmount, resourceId);
        }

        var reservation = ActiveOrThrow(reservationId);
        var now = time.GetUtcNow();
        var entries = new List<WalletEntry>();
        var closed = Close(reservation, ReservationStatus.Committed, now, null, entries) with { CommittedAmount = actualAmount };
        if (actualAmount > 0)
        {
            // The full amount, also beyond what was reserved: the resource ran, so the charge is never capped.
            S.Balance -= actualAmount;
            string? description = actualAmount > reservation.Amount ? $"{reservation.Description} ({actualAmount - reservation.Amount} USD beyond the reservation)" : reservation.Description;
            entries.Add(new WalletEntry("charge", -actualAmount, description, resourceId ?? reservation.ResourceId, reservation.Id, S.Balance, now));
        }

        closed = closed with { OverdraftExceeded = Available < -Overdraft };
        entries[0] = entries[0] with { Reservation = closed };
        Remember(closed);
        await WriteAsync(entries);
        if (closed.OverdraftExceeded) LogOverdraftExceeded(ProjectId, reservation.Id, Money.Normalize(Available), Overdraft);
        return closed;
    }

    /// <summary>A late charge: the reservation expired (its credit went back to available), and what it covered is charged now.</summary>
    private async Task<ReservationInfo> CommitExpiredAsync(ReservationInfo expired, decimal actualAmount, string? resourceId)
    {
        var now = time.GetUtcNow();
        S.Expired.Remove(expired);
        var entries = new List<WalletEntry>();
        if (actualAmount > 0)
        {
            S.Balance -= actualAmount;
            entries.Add(new WalletEntry("charge", -actualAmount, $"late charge: {expired.Description} (reservation expired {expired.ClosedAt:u})",
                resourceId ?? expired.ResourceId, expired.Id, S.Balance, now));
        }

        var closed = expired with
        {
            Status = ReservationStatus.Committed, CommittedAmount = actualAmount, ClosedAt = now, CloseReason = LateCommitReason,
            OverdraftExceeded = Available < -Overdraft,
        };
        // A late_commit entry records the new status, so the wallet lists it committed after a restart too.
        entries.Add(new WalletEntry("late_commit", 0, LateCommitReason, closed.ResourceId, closed.Id, S.Balance, now, closed));
        Remember(closed, _recent.ContainsKey(closed.Id) ? null : S.Entries + entries.Count);
        await WriteAsync(entries);
        LogLateCharge(ProjectId, expired.Id, actualAmount);
        return closed;
    }

    public async Task<ReservationInfo> Extend(string reservationId, TimeSpan ttl)
    {
        var reservation = ActiveOrThrow(reservationId);
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ttl), $"ttl must be positive; got {ttl}.");
        var now = time.GetUtcNow();
        if (now + ttl <= reservation.ExpiresAt) return reservation;
        var extended = reservation with { ExpiresAt = now + ttl };
        _active[reservationId] = (extended, _active[reservationId].Sequence);
        // The expiry reminder keeps its time: when it fires early it finds nothing due and moves on to the next expiry.
        await WriteAsync([new WalletEntry("extend", 0, null, extended.ResourceId, extended.Id, S.Balance, now, extended)]);
        return extended;
    }

    public async Task<ReservationInfo> Release(string reservationId, string? reason)
    {
        var reservation = ActiveOrThrow(reservationId);
        var entries = new List<WalletEntry>();
        var closed = Close(reservation, ReservationStatus.Released, time.GetUtcNow(), reason, entries);
        await WriteAsync(entries);
        return closed;
    }

    public Task<ReservationInfo?> GetReservation(string reservationId) => Task.FromResult(Find(reservationId));

    public Task<ReservationPage> Reservations(string? status, long before, int limit)
    {
        RequireWallet();
        var matching = _active.Values.Concat(_recent.Values)
            .Where(r => (before <= 0 || r.Sequence < before) && (status is null || r.Info.Status == status))
            .OrderByDescending(r => r.Sequence)
            .Take(limit + 1)
            .ToList();
        return Task.FromResult(new ReservationPage(matching.Take(limit).Select(r => r.Info).ToList(), matching.Count > limit ? matching[limit - 1].Sequence : null));
    }

    public async Task<TransferInfo> Transfer(TransferCredit request)
    {
        RequireWallet();
        CheckAmount(request.Amount, "amount", allowZero: false);
        if (request.ToProjectId == ProjectId) throw new ArgumentException($"A wallet cannot transfer to itself ('{ProjectId}').", "to_project_id");
        // Only the wallet's own credit moves: the overdraft is never lent onward.
        if (request.Amount > Math.Max(0, Available)) throw Refusal(request.Amount, "transfer", Math.Max(0, Available));

        var now = time.GetUtcNow();
        S.Balance -= request.Amount;
        S.Outgoing.Add(request);
        await WriteAsync([new WalletEntry("transfer_out", -request.Amount, request.Description ?? $"Transfer to {request.ToProjectId}", request.ToProjectId, request.TransferId, S.Balance, now)]);
        Deliver(request);
        ArmDelivery();
        // The first transfer in flight registers the reminder that brings delivery back after a crash; the last confirmation removes it.
        if (S.Outgoing.Count == 1) await this.RegisterOrUpdateReminder(DeliveryReminder, ExpiryPeriod, ExpiryPeriod);
        return new TransferInfo(request.TransferId, ProjectId, request.ToProjectId, request.Amount, "pending", now);
    }

    public async Task ReceiveTransfer(TransferCredit transfer, string fromProjectId)
    {
        if (!state.RecordExists) return; // the sender keeps it until a wallet of that name exists
        if (!S.Received.Contains(transfer.TransferId))
        {
            S.Balance += transfer.Amount;
            S.Received.Add(transfer.TransferId);
            if (S.Received.Count > ReceivedLimit) S.Received.RemoveRange(0, S.Received.Count - ReceivedLimit);
            await WriteAsync([new WalletEntry("transfer_in", transfer.Amount, transfer.Description ?? $"Transfer from {fromProjectId}", fromProjectId, transfer.TransferId, S.Balance, time.GetUtcNow())]);
        }

        await GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(S.TenantId, fromProjectId)).ConfirmTransfer(transfer.TransferId);
    }

    public async Task ConfirmTransfer(string transferId)
    {
        if (S.Outgoing.RemoveAll(t => t.TransferId == transferId) == 0) return;
        await WriteAsync([]);
        if (S.Outgoing.Count > 0) return;
        _delivery?.Dispose();
        _delivery = null;
        if (await this.GetReminder(DeliveryReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void Deliver(TransferCredit transfer) =>
        _ = GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(S.TenantId, transfer.ToProjectId)).ReceiveTransfer(transfer, ProjectId);

    /// <summary>Sends every unconfirmed transfer again every <see cref="RedeliveryPeriod"/> until the receivers confirm.</summary>
    private void ArmDelivery() =>
        _delivery ??= this.RegisterGrainTimer(() =>
        {
            foreach (var transfer in S.Outgoing) Deliver(transfer);
            return Task.CompletedTask;
        }, RedeliveryPeriod, RedeliveryPeriod);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == DeliveryReminder)
        {
            if (S.Outgoing.Count > 0) ArmDelivery();
            else if (await this.GetReminder(DeliveryReminder) is { } reminder) await this.UnregisterReminder(reminder);
            return;
        }

        if (reminderName != ExpiryReminder) return;
        var now = time.GetUtcNow();
        var due = _active.Values.Where(a => a.Info.ExpiresAt <= now).Select(a => a.Info).ToList();
        if (due.Count > 0)
        {
            var entries = new List<WalletEntry>();
            var closed = due.Select(r => Close(r, ReservationStatus.Expired, now, "ttl elapsed", entries)).ToList();
            S.Expired.AddRange(closed);
            if (S.Expired.Count > ExpiredLimit) S.Expired.RemoveRange(0, S.Expired.Count - ExpiredLimit);
            await WriteAsync(entries);
            foreach (var reservation in closed) LogExpired(ProjectId, reservation.Id, reservation.Amount);
        }

        await ScheduleExpiryAsync();
    }

    /// <summary>Writes the totals with <paramref name="entries"/> appended, keeping the entry count and the replay point.</summary>
    private async Task WriteAsync(IReadOnlyList<WalletEntry> entries)
    {
        S.Entries += entries.Count;
        S.ActiveFrom = _active.Count == 0 ? 0 : _active.Values.Min(a => a.Sequence);
        S.RecentFrom = _recent.Count == 0 ? 0 : _recent.Values.Min(r => r.Sequence);
        foreach (var entry in entries) S.Journal.Add(entry);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The totals and reservations in memory already include what was not written: start again from storage.
            S.Journal.Clear();
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Points the reminder at the earliest expiry (or removes it when nothing is active).</summary>
    private async Task ScheduleExpiryAsync()
    {
        if (_active.Count == 0)
        {
            if (await this.GetReminder(ExpiryReminder) is { } reminder) await this.UnregisterReminder(reminder);
            _expiryDueAt = null;
            return;
        }

        var next = _active.Values.Min(a => a.Info.ExpiresAt);
        var dueIn = next - time.GetUtcNow();
        await this.RegisterOrUpdateReminder(ExpiryReminder, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, ExpiryPeriod);
        _expiryDueAt = next;
    }

    /// <summary>
    /// Ends an active reservation: its credit leaves the reserved total, a settle entry is added, and it is listed
    /// among the recently ended.
    /// </summary>
    private ReservationInfo Close(ReservationInfo reservation, string status, DateTimeOffset now, string? reason, List<WalletEntry> entries)
    {
        _active.Remove(reservation.Id, out var held);
        S.Reserved -= reservation.Amount;
        var closed = reservation with { Status = status, ClosedAt = now, CloseReason = reason };
        entries.Add(new WalletEntry("settle", 0, reason, reservation.ResourceId, reservation.Id, S.Balance, now, closed));
        Remember(closed, held.Sequence);
        return closed;
    }

    /// <summary>Lists an ended reservation (or its new state), keeping the newest <see cref="RecentLimit"/> by when they ended.</summary>
    private void Remember(ReservationInfo closed, long? sequence = null)
    {
        if (_recent.TryGetValue(closed.Id, out var listed)) _recent[closed.Id] = (closed, sequence ?? listed.Sequence);
        else if (sequence is { } held)
        {
            _recent[closed.Id] = (closed, held);
            _recentOrder.Enqueue(closed.Id);
        }

        while (_recentOrder.Count > RecentLimit) _recent.Remove(_recentOrder.Dequeue());
    }

    private ReservationInfo? Find(string reservationId) =>
        _active.TryGetValue(reservationId, out var active) ? active.Info : _recent.TryGetValue(reservationId, out var closed) ? closed.Info : null;

    private ReservationInfo ActiveOrThrow(string reservationId)
    {
        RequireWallet();
        if (_active.TryGetValue(reservationId, out var reservation)) return reservation.Info;
        if (_recent.TryGetValue(reservationId, out var closed))
        {
            throw new ReservationStateException($"Reservation '{reservationId}' is {closed.Info.Status}, not active.");
        }

        throw new WalletNotFoundException($"Reservation '{reservationId}' does not exist or is no longer active.");
    }

    private void RequireWallet()
    {
        if (!state.RecordExists) throw new WalletNotFoundException($"Wallet '{ProjectId}' does not exist.");
    }

    private WalletEntry Deposit(decimal amount, string description, DateTimeOffset now)
    {
        S.Balance += amount;
        return new WalletEntry("deposit", amount, description, null, null, S.Balance, now);
    }

    private static void CheckAmount(decimal amount, string field, bool allowZero)
    {
        if (amount < 0 || (!allowZero && amount == 0) || amount > Money.Max)
        {
            throw new ArgumentOutOfRangeException(field, $"{field} must be {(allowZero ? "at least 0" : "positive")} and at most {Money.Max:N0}; got {amount}.");
        }

        if (decimal.Round(amount, Money.Decimals) != amount) throw new ArgumentOutOfRangeException(field, $"{field} has more than {Money.Decimals} decimal places.");
    }

    /// <summary>Balance less reserved: below zero while the wallet is overdrawn.</summary>
    private decimal Available => S.Balance - S.Reserved;

    private decimal Overdraft => options.Value.Overdraft;

    /// <summary>
    /// Why <paramref name="amount"/> cannot be had: OVERDRAFT_LIMIT while the wallet is overdrawn (it owes already),
    /// INSUFFICIENT_CREDIT otherwise.
    /// </summary>
    private Exception Refusal(decimal amount, string what, decimal allowed) =>
        Available < 0
            ? new OverdraftLimitException($"Wallet '{ProjectId}' is overdrawn by {Money.Normalize(-Available)} USD (its overdraft is {Money.Normalize(Overdraft)} USD); a {what} of {amount} USD would pass it. Top it up first.")
            : new InsufficientCreditException($"Wallet '{ProjectId}' has {Money.Normalize(Available)} USD available{(allowed > Available ? $" (and an overdraft of {Money.Normalize(Overdraft)} USD)" : "")}; a {what} of {amount} USD was requested.");

    private WalletInfo Info() =>
        new(ProjectId, S.TenantId, S.OrgId, Money.Normalize(S.Balance), Money.Normalize(S.Reserved), Money.Normalize(Available), "USD", S.Status, S.CreatedAt);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Wallet {ProjectId}: reservation {ReservationId} of {Amount} USD expired")]
    private partial void LogExpired(string projectId, string reservationId, decimal amount);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Information, Message = "Wallet {ProjectId}: reservation {ReservationId} was committed after it expired; {Amount} USD charged late")]
    private partial void LogLateCharge(string projectId, string reservationId, decimal amount);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Warning, Message = "Wallet {ProjectId}: the charge of reservation {ReservationId} took available credit to {Available} USD, past the overdraft of {Overdraft} USD")]
    private partial void LogOverdraftExceeded(string projectId, string reservationId, decimal available, decimal overdraft);
}
