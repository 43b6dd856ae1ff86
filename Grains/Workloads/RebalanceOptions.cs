namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Moving a healthy workload to a cheaper offer (configuration section <c>Workloads:Rebalance</c>): what Spot.io
/// Elastigroup calls "revert to spot" and Karpenter calls consolidation. See <see cref="RebalanceRule"/>.
/// </summary>
public sealed class RebalanceOptions
{
    public const string SectionName = WorkloadOptions.SectionName + ":Rebalance";

    /// <summary>Whether running workloads are moved to a cheaper offer at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a placement must have been up before it is checked (a fresh move is left alone this long).</summary>
    public TimeSpan MinUptime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often a running workload looks for a cheaper offer; at most one move per interval.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The least saving worth a move, as a fraction of the current placement's expected cost per useful hour (0.2:
    /// the best offer must be at least 20 % cheaper). Both figures are the placement engine's expected cost.
    /// </summary>
    public double MinSaving { get; set; } = 0.2;

    /// <summary>Problems with the settings, each naming the setting.</summary>
    public IEnumerable<string> Problems()
    {
        if (MinUptime < TimeSpan.Zero) yield return $"{SectionName}:MinUptime must be zero or a positive time span (was {MinUptime}).";
        if (CheckInterval <= TimeSpan.Zero) yield return $"{SectionName}:CheckInterval must be a positive time span (was {CheckInterval}).";
        if (!(MinSaving is > 0 and < 1)) yield return $"{SectionName}:MinSaving must be a fraction above 0 and below 1, e.g. 0.2 for 20 % (was {MinSaving}).";
    }
}
