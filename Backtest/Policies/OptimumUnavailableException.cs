namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>
/// Why the offline optimum has no answer for a workload (too large to solve, or no plan finishes the work within the
/// replay). The report lists the workload and this reason; it is never dropped silently.
/// </summary>
public sealed class OptimumUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
