namespace Arbitrage.Orleans.Runtime;

/// <summary>Calls, exceptions and latency of one grain method on this silo since it started.</summary>
public sealed record GrainMethodStatistics(
    string GrainType,
    string Method,
    long Calls,
    long Exceptions,
    double MeanLatencyMs,
    double P50LatencyMs,
    double P99LatencyMs,
    double MaxLatencyMs);

/// <summary>What a silo's runtime is doing: activations per grain type and per-method call statistics.</summary>
public sealed record RuntimeStatistics(
    DateTimeOffset CapturedAt,
    int TotalActivations,
    IReadOnlyDictionary<string, int> ActivationsByGrainType,
    IReadOnlyList<GrainMethodStatistics> Methods,
    int CallsInFlight);

/// <summary>Reads the runtime's statistics (for metrics, tracing and the dashboard).</summary>
public interface IRuntimeStatisticsProvider
{
    RuntimeStatistics GetStatistics();
}
