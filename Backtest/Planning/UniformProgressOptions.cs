namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// Settings of the <see cref="UniformProgressPolicy"/> (Can't Be Late).
/// <para><see cref="BufferOverheads"/> (default 2): the hysteresis buffer, in restart overheads (at least one step): once
/// the job runs on on-demand, it leaves it only when its progress is that far ahead of the uniform line, so it does not
/// thrash between on-demand and spot or waiting.</para>
/// <para><see cref="SafetyMarginHours"/> (default 0): extra slack kept back by the safety net. The net already looks one
/// step ahead (it commits to on-demand while a fresh start on it, one step from now, would still finish in time), so 0
/// meets every deadline on-demand alone could meet under the step rules; a margin covers on-demand capacity that can go down.</para>
/// </summary>
public sealed record UniformProgressOptions(double BufferOverheads = 2, double SafetyMarginHours = 0)
{
    public static UniformProgressOptions Default { get; } = new();

    /// <summary>What is wrong with these settings, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(BufferOverheads >= 0) || double.IsInfinity(BufferOverheads)) problems.Add($"{nameof(BufferOverheads)} must be zero or a positive number of restart overheads; it is {BufferOverheads}.");
        if (!(SafetyMarginHours >= 0) || double.IsInfinity(SafetyMarginHours)) problems.Add($"{nameof(SafetyMarginHours)} must be zero or a positive number of hours; it is {SafetyMarginHours}.");
        return problems;
    }
}
