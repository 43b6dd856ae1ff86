using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Backtest.Reporting;

/// <summary>
/// One policy's figures over a set of workloads. Costs are USD; <see cref="SavingVsOnDemand"/> is a fraction
/// (0.6 = 60 % less than on-demand); <see cref="RatioToOptimum"/> is the cost of the workloads the optimum was computed
/// for / the optimum's cost (null without the optimum). <see cref="CostWithOptimumUsd"/> is that numerator (not written).
/// </summary>
public sealed record PolicySummary(
    string Name, double TotalCostUsd, double? SavingVsOnDemand, double? RatioToOptimum, int DeadlinesMissed, int Interruptions, int Moves,
    double LostComputeHours, int Unserved, int Workloads, double ServiceDowntimeHours, double OnDemandHours = 0, [property: JsonIgnore] double CostWithOptimumUsd = 0);

/// <summary>A workload no market could serve, and why.</summary>
public sealed record UnservedWorkload(string Workload, string Reason);

/// <summary>The result of one replay (a price file or a trace folder).</summary>
public sealed record RunReport(
    string Name, string Kind, DateTimeOffset Start, DateTimeOffset End, double StepMinutes, int Markets, string PriceSource, string AvailabilitySource,
    IReadOnlyList<PolicySummary> Policies, IReadOnlyList<UnservedWorkload> UnservedWorkloads, string? Picture, IReadOnlyList<string> Notes,
    IReadOnlyList<UnservedWorkload> OptimumUnavailable);

/// <summary>What the replay was given.</summary>
public sealed record ReportInputs(
    string Data, string Workloads, string Catalog, int Seed, double? StepMinutes, double MaxDays, int MaxTypes, IReadOnlyList<string> Policies,
    int WorkloadCount, IReadOnlyList<string> PriceFiles, IReadOnlyList<string> Traces, double ElapsedSeconds);

/// <summary>report.json: <c>policies</c> over every replay, then each replay, the repairs made to the input, and the inputs.</summary>
public sealed record BacktestReport(
    IReadOnlyList<PolicySummary> Policies, IReadOnlyList<RunReport> Runs, IReadOnlyList<Replay.Repair> Repairs, ReportInputs Inputs, IReadOnlyList<string> Notes);
