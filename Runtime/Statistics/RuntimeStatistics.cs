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
    int CallsInFlight)
{
    /// <summary>When the runtime started; with <see cref="TotalCalls"/> gives the average call rate.</summary>
    public DateTimeOffset StartedAt { get; init; }

    public long TotalCalls => Methods.Sum(m => m.Calls);

    public long TotalExceptions => Methods.Sum(m => m.Exceptions);

    /// <summary>Calls per second since the runtime started (diff two snapshots for the current rate).</summary>
    public double CallsPerSecond => CapturedAt > StartedAt ? TotalCalls / (CapturedAt - StartedAt).TotalSeconds : 0;
}

/// <summary>One silo as the cluster sees it, with its runtime statistics when it answered.</summary>
public sealed record SiloStatistics(string SiloId, string Address, string Status, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, int Partitions, RuntimeStatistics? Runtime, string? Error);

/// <summary>The whole cluster: every silo, partitions per silo, and activations and calls summed over the silos that answered.</summary>
public sealed record ClusterStatistics(DateTimeOffset CapturedAt, int PartitionCount, IReadOnlyList<SiloStatistics> Silos)
{
    public IReadOnlyDictionary<string, int> ActivationsByGrainType =>
        Silos.Where(s => s.Runtime is not null).SelectMany(s => s.Runtime!.ActivationsByGrainType)
            .GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value));

    public long TotalCalls => Silos.Sum(s => s.Runtime?.TotalCalls ?? 0);

    public long TotalExceptions => Silos.Sum(s => s.Runtime?.TotalExceptions ?? 0);
}

/// <summary>Reads statistics of every live silo of the cluster (for the dashboard).</summary>
public interface IClusterStatisticsProvider
{
    Task<ClusterStatistics> GetClusterStatisticsAsync(CancellationToken cancellationToken);
}

/// <summary>Reads the runtime's statistics (for metrics, tracing and the dashboard).</summary>
public interface IRuntimeStatisticsProvider
{
    RuntimeStatistics GetStatistics();
}
