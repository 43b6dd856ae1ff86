using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// The rule that moves a healthy workload to a cheaper offer, shared by the silo (WorkloadGrain.Rebalance) and the
/// backtest's <c>product</c> policy so that the backtest measures what the silo does. A placement up at least
/// <see cref="RebalanceOptions.MinUptime"/> is looked at once per <see cref="RebalanceOptions.CheckInterval"/>; it
/// moves to a ranked offer of another market whose expected cost per useful hour is at least
/// <see cref="RebalanceOptions.MinSaving"/> below the current market's, both as the placement engine computes them.
/// </summary>
public static class RebalanceRule
{
    /// <summary>Whether a placement up <paramref name="uptime"/> and last checked <paramref name="sinceLastCheck"/> ago (null: never) is checked now.</summary>
    public static bool IsDue(RebalanceOptions options, TimeSpan uptime, TimeSpan? sinceLastCheck) =>
        options.Enabled && uptime >= options.MinUptime && (sinceLastCheck is not { } since || since >= options.CheckInterval);

    /// <summary>The saving of <paramref name="candidate"/> over <paramref name="current"/> as a fraction of the current expected cost (0 when the current is free).</summary>
    public static double Saving(decimal current, decimal candidate) => current > 0 ? (double)(1 - candidate / current) : 0;

    /// <summary>Whether moving from an expected cost of <paramref name="current"/> to <paramref name="candidate"/> saves enough.</summary>
    public static bool IsWorthMoving(RebalanceOptions options, decimal current, decimal candidate) =>
        current > 0 && Saving(current, candidate) >= options.MinSaving - 1e-12;

    /// <summary>
    /// The ranked offers worth moving to, best first: those of another market than the current one whose expected cost
    /// saves at least MinSaving against <paramref name="currentExpectedCost"/>.
    /// </summary>
    public static List<PlacementOption> Worthwhile(RebalanceOptions options, IEnumerable<PlacementOption> ranked, decimal currentExpectedCost,
        string provider, string zone, string instanceType, string market) =>
        ranked.Where(o => !(o.Provider == provider && o.Zone == zone && o.InstanceType == instanceType && o.Market == market))
            .Where(o => IsWorthMoving(options, currentExpectedCost, o.ExpectedCostPerHour))
            .ToList();
}
