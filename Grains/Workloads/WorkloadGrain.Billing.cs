using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Money: each billing segment reserves credit for one billing period at the placement's price; cost accrues per
/// second and is committed when the period ends, when the placement changes, and at termination (the reservation's
/// rest returns to the wallet). A segment that cannot be renewed stops the workload with INSUFFICIENT_CREDIT.
/// </summary>
public sealed partial class WorkloadGrain
{
    private IWalletGrain Wallet => GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(S.TenantId, S.ProjectId));

    private decimal CostToDate() => S.CommittedCost + (S.Billing is { PricePerHour: > 0 } b ? Money.Cost(b.PricePerHour, Now - b.From) : 0);

    /// <summary>Reserves <paramref name="amount"/>; on failure the workload waits (or the caller stops it) and this returns null.</summary>
    private async Task<BillingSegment?> ReserveAsync(decimal amount)
    {
        S.BillingSegments++;
        string reservationId = WalletKeys.ReservationIdFor(S.ProjectId, $"{Id}/{S.BillingSegments}");
        try
        {
            var reservation = await Wallet.Reserve(new ReserveCredit(amount, $"workload {Id} ({S.Name})", "workload", Id, O.ReservationTtl, reservationId));
            return new BillingSegment(reservation.Id, reservation.Amount, 0, Now);
        }
        catch (InsufficientCreditException e)
        {
            if (S.Status != WorkloadStatus.Running) await WaitAsync(WorkloadReasons.InsufficientCredit, e.Message);
            return null;
        }
        catch (WalletNotFoundException)
        {
            if (S.Status != WorkloadStatus.Running) await WaitAsync(WorkloadReasons.WalletNotFound, $"wallet '{S.ProjectId}' does not exist; create it or set metadata.project_id");
            return null;
        }
    }

    /// <summary>Commits what the open segment accrued (at most what it reserved) and closes it.</summary>
    private async Task CloseBillingAsync()
    {
        if (S.Billing is not { } segment) return;
        decimal accrued = Math.Min(segment.Reserved, Money.Cost(segment.PricePerHour, Now - segment.From));
        try
        {
            await Wallet.Commit(segment.ReservationId, accrued, Id);
            S.CommittedCost += accrued;
            if (accrued > 0) AddEvent("COST_COMMITTED", null, null, $"{accrued} USD for {segment.PricePerHour} USD/h since {segment.From:u}");
        }
        catch (Exception e) when (e is ReservationStateException or WalletNotFoundException)
        {
            AddEvent("BILLING_FAILED", null, null, $"reservation {segment.ReservationId} could not be committed: {e.Message}");
            LogCommitFailed(Id, segment.ReservationId, e.Message);
        }

        S.Billing = null;
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

        await CloseBillingAsync();
        if (await ReserveAsync(Money.RoundUp(current.PricePerHour * (decimal)O.BillingPeriod.TotalHours)) is { } next)
        {
            S.Billing = next with { PricePerHour = current.PricePerHour };
            await state.WriteStateAsync();
            return;
        }

        await TerminateInstanceAsync(current.Provider, current.InstanceId, cancellationToken);
        EndPlacement(WorkloadReasons.InsufficientCredit);
        await RetireAllAsync(cancellationToken);
        await FinishAsync(WorkloadStatus.Terminated, $"{WorkloadReasons.InsufficientCredit}: wallet '{S.ProjectId}' has too little credit for the next {O.BillingPeriod.TotalHours:0.##} h");
    }

    [LoggerMessage(EventId = 6221, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: reservation {ReservationId} could not be settled: {Message}")]
    private partial void LogCommitFailed(string workloadId, string reservationId, string message);
}
