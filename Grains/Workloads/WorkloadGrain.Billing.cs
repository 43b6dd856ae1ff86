using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Money: each billing segment reserves credit for one billing period at the placement's price; cost accrues per
/// second and is committed in full (also beyond the reservation) when the period ends, when the placement changes,
/// and at termination (the reservation's rest returns to the wallet). The segment's reservation is renewed before its
/// TTL passes, and one that expired anyway is still charged. A segment that cannot be followed by the next stops the
/// workload with INSUFFICIENT_CREDIT or OVERDRAFT_LIMIT; so does a charge that takes the wallet past its overdraft.
/// </summary>
public sealed partial class WorkloadGrain
{
    /// <summary>Why the last reservation was refused (a <see cref="WorkloadReasons"/> code and the wallet's words).</summary>
    private (string Code, string Message) _creditRefusal = (WorkloadReasons.InsufficientCredit, "");

    private IWalletGrain Wallet => GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(S.TenantId, S.ProjectId));

    private decimal CostToDate() => S.CommittedCost + Accrued(S.Billing, Now)
        + S.Retiring.Sum(r => Accrued(r.Billing, BilledUntil(r)));

    /// <summary>A retiring instance is billed until now, or until its cloud took it back at its TerminateBy.</summary>
    private DateTimeOffset BilledUntil(RetiringInstance retiring) => Now < retiring.TerminateBy ? Now : retiring.TerminateBy;

    private static decimal Accrued(BillingSegment? segment, DateTimeOffset until) =>
        segment is { PricePerHour: > 0 } b && until > b.From ? Money.Cost(b.PricePerHour, until - b.From) : 0;

    /// <summary>Reserves <paramref name="amount"/>; on failure the workload waits (or the caller stops it) and this returns null.</summary>
    private async Task<BillingSegment?> ReserveAsync(decimal amount)
    {
        S.BillingSegments++;
        string reservationId = WalletKeys.ReservationIdFor(S.ProjectId, $"{Id}/{S.BillingSegments}");
        try
        {
            var reservation = await Wallet.Reserve(new ReserveCredit(amount, $"workload {Id} ({S.Name})", "workload", Id, O.ReservationTtl, reservationId));
            return new BillingSegment(reservation.Id, reservation.Amount, 0, Now, reservation.ExpiresAt);
        }
        catch (Exception e) when (e is InsufficientCreditException or OverdraftLimitException or WalletNotFoundException)
        {
            _creditRefusal = e switch
            {
                OverdraftLimitException => (WorkloadReasons.OverdraftLimit, e.Message),
                WalletNotFoundException => (WorkloadReasons.WalletNotFound, $"wallet '{S.ProjectId}' does not exist; create it or set metadata.project_id"),
                _ => (WorkloadReasons.InsufficientCredit, e.Message),
            };
            if (S.Status != WorkloadStatus.Running) await WaitAsync(_creditRefusal.Code, _creditRefusal.Message);
            return null;
        }
    }

    /// <summary>
    /// Commits everything the open segment accrued, also beyond what it reserved or after its reservation expired, and
    /// closes it. Returns true when the charge took the wallet past its overdraft (the workload must stop).
    /// </summary>
    private async Task<bool> CloseBillingAsync()
    {
        if (S.Billing is not { } segment) return false;
        bool overdrawn = await CommitSegmentAsync(segment, Now);
        S.Billing = null;
        return overdrawn;
    }

    /// <summary>Commits what <paramref name="segment"/> accrued until <paramref name="until"/>; true when it took the wallet past its overdraft.</summary>
    private async Task<bool> CommitSegmentAsync(BillingSegment segment, DateTimeOffset until)
    {
        decimal accrued = Accrued(segment, until);
        bool overdrawn = false;
        try
        {
            var committed = await Wallet.Commit(segment.ReservationId, accrued, Id);
            S.CommittedCost += accrued;
            overdrawn = committed.OverdraftExceeded;
            if (accrued > 0)
            {
                AddEvent("COST_COMMITTED", null, null, $"{accrued} USD for {segment.PricePerHour} USD/h since {segment.From:u}"
                    + (accrued > segment.Reserved ? $" ({accrued - segment.Reserved} USD beyond the {segment.Reserved} USD reserved)" : ""));
            }
        }
        catch (ReservationStateException e)
        {
            // Committed already by an activation that stopped before recording it: it is charged, count it once.
            if (await Wallet.GetReservation(segment.ReservationId) is { Status: ReservationStatus.Committed, CommittedAmount: { } charged })
            {
                S.CommittedCost += charged;
                AddEvent("COST_COMMITTED", null, null, $"{charged} USD for {segment.PricePerHour} USD/h since {segment.From:u} (committed before a restart)");
            }
            else
            {
                AddEvent("BILLING_FAILED", null, null, $"reservation {segment.ReservationId} could not be committed: {e.Message}");
                LogCommitFailed(Id, segment.ReservationId, e.Message);
            }
        }
        catch (WalletNotFoundException e)
        {
            AddEvent("BILLING_FAILED", null, null, $"reservation {segment.ReservationId} could not be committed: {e.Message}");
            LogCommitFailed(Id, segment.ReservationId, e.Message);
        }

        return overdrawn;
    }

    /// <summary>
    /// Renews the open segment's reservation once less than half its TTL is left, so that a segment outliving the
    /// TTL (a long billing period, a stalled tick) never loses its hold. One that expired anyway is charged late.
    /// </summary>
    private async Task RenewBillingIfDueAsync()
    {
        if (S.Billing is not { } segment || segment.ExpiresAt is { } expiresAt && expiresAt - Now > O.ReservationTtl / 2) return;
        try
        {
            var renewed = await Wallet.Extend(segment.ReservationId, O.ReservationTtl);
            S.Billing = segment with { ExpiresAt = renewed.ExpiresAt };
        }
        catch (Exception e) when (e is ReservationStateException or WalletNotFoundException)
        {
            S.Billing = segment with { ExpiresAt = DateTimeOffset.MaxValue }; // nothing left to renew
            AddEvent("RESERVATION_LAPSED", null, null, $"reservation {segment.ReservationId} could not be renewed ({e.Message}); its cost is still charged when the segment closes");
        }

        await state.WriteStateAsync();
    }

    private async Task ReleaseBillingAsync(string reason)
    {
        if (S.Billing is not { } segment) return;
        try
        {
            await Wallet.Release(segment.ReservationId, reason);
        }
        catch (Exception e) when (e is ReservationStateException or WalletNotFoundException)
        {
            LogCommitFailed(Id, segment.ReservationId, e.Message);
        }

        S.Billing = null;
    }

    /// <summary>At the end of a billing period (or when the accrued cost reaches the reservation) commits it and reserves the next.</summary>
    private async Task SettleIfDueAsync(CancellationToken cancellationToken)
    {
        if (S.Billing is not { PricePerHour: > 0 } segment || S.Current is not { } current) return;
        if (Now - segment.From < O.BillingPeriod && Money.Cost(segment.PricePerHour, Now - segment.From) < segment.Reserved) return;

        if (await CloseBillingAsync())
        {
            await StopUnpaidAsync(current, WorkloadReasons.OverdraftLimit, $"the last charge took wallet '{S.ProjectId}' past its overdraft; top it up and start the workload again", cancellationToken);
            return;
        }

        if (await ReserveAsync(Money.RoundUp(current.PricePerHour * (decimal)O.BillingPeriod.TotalHours)) is { } next)
        {
            S.Billing = next with { PricePerHour = current.PricePerHour };
            await state.WriteStateAsync();
            return;
        }

        await StopUnpaidAsync(current, _creditRefusal.Code, $"wallet '{S.ProjectId}' cannot pay for the next {O.BillingPeriod.TotalHours:0.##} h ({_creditRefusal.Message})", cancellationToken);
    }

    /// <summary>Ends a workload its wallet no longer pays for: terminates its instances and says why.</summary>
    private async Task StopUnpaidAsync(WorkloadPlacement current, string code, string detail, CancellationToken cancellationToken)
    {
        await TerminateInstanceAsync(current.Provider, current.InstanceId, cancellationToken);
        EndPlacement(code);
        await RetireAllAsync(cancellationToken);
        await CloseBillingAsync();
        await FinishAsync(WorkloadStatus.Terminated, $"{code}: {detail}");
    }

    [LoggerMessage(EventId = 6221, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: reservation {ReservationId} could not be settled: {Message}")]
    private partial void LogCommitFailed(string workloadId, string reservationId, string message);
}
