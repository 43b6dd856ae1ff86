using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Rebalancing ("revert to spot", consolidation): a healthy RUNNING workload whose placement has been up
/// <see cref="RebalanceOptions.MinUptime"/> is looked at once per <see cref="RebalanceOptions.CheckInterval"/>; when
/// an offer of another market the placement engine ranks for its requirements has an expected cost per useful hour at
/// least <see cref="RebalanceOptions.MinSaving"/> below the current market's (computed the same way, at today's price
/// and hazard), it moves make-before-break: the new instance is launched, the old one serves (and is billed) until the
/// new one passes its health check. The old placement ends CHEAPER_OFFER; the event REBALANCE says from what to what.
/// </summary>
public sealed partial class WorkloadGrain
{
    /// <summary>When this activation last looked for a cheaper offer (a new activation looks at once; MinUptime still holds).</summary>
    private DateTimeOffset? _lastRebalanceCheck;

    private async Task RebalanceIfDueAsync(CancellationToken cancellationToken)
    {
        var rule = O.Rebalance;
        // Only a healthy, settled workload: no launch, retirement or other move in flight, no provider trouble.
        if (S.Status != WorkloadStatus.Running || S.Health != EndpointHealth.Healthy || S.Current is not { } current
            || S.Launching is not null || S.Retiring.Count > 0 || S.ProviderUnreachableSince is not null) return;
        var now = Now;
        if (!RebalanceRule.IsDue(rule, now - current.Start, now - _lastRebalanceCheck)) return;
        _lastRebalanceCheck = now;

        if (placement.ExpectedCostPerHour(current.Provider, current.Region, current.Zone, current.InstanceType, current.Market) is not { } currentCost) return;
        List<PlacementOption> worthwhile;
        try
        {
            worthwhile = RebalanceRule.Worthwhile(rule, Candidates(exclude: current, out _), currentCost, current.Provider, current.Zone, current.InstanceType, current.Market);
        }
        catch (PlacementValidationException)
        {
            return; // requirements the market no longer accepts: the workload stays where it runs
        }

        if (worthwhile.Count == 0) return;
        var launched = await LaunchFirstAsync(worthwhile, cancellationToken);
        if (launched.Result is not { } result)
        {
            // Nothing cheaper had capacity: the workload stays; the next check looks again.
            LogRebalanceRefused(Id, current.InstanceId, launched.Failures);
            await state.WriteStateAsync();
            return;
        }

        decimal to = result.Option.ExpectedCostPerHour;
        double saving = RebalanceRule.Saving(currentCost, to);
        string detail = $"{result.Option.InstanceType} {result.Option.Market} in {result.Option.Zone} ({result.Provider}) at ${to:0.####}/h expected "
            + $"saves {saving:P0} against {current.InstanceType} {current.Market} in {current.Zone} ({current.Provider}) at ${currentCost:0.####}/h";
        AddEvent("REBALANCE", null, null, $"{current.InstanceId} → {result.Instance.InstanceId}: {detail} (at least {rule.MinSaving:P0} asked)", result.LaunchCalledAt);
        LogRebalance(Id, current.InstanceId, result.Instance.InstanceId, saving);
        await MoveAsync(current, launched, WorkloadReasons.CheaperOffer, detail, now + O.BootTimeout, cancellationToken);
    }

    [LoggerMessage(EventId = 6261, Level = LogLevel.Information, Message = "Workload {WorkloadId}: moves from {From} to {To} for a cheaper offer (saves {Saving:P1} of the expected cost)")]
    private partial void LogRebalance(string workloadId, string from, string to, double saving);

    [LoggerMessage(EventId = 6262, Level = LogLevel.Information, Message = "Workload {WorkloadId}: no cheaper offer for {InstanceId} had capacity ({Failures}); it stays")]
    private partial void LogRebalanceRefused(string workloadId, string instanceId, string failures);
}
