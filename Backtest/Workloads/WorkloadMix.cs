using System.Text.Json;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Backtest.History;

namespace Arbitrage.Orleans.Backtest.Workloads;

/// <summary>
/// A workload mix (docs/BACKTEST.md, "Workload mixes"): the workloads to replay, and the lifecycle figures they run by.
/// </summary>
public sealed record WorkloadMix(string? Name, LifecycleSettings? Lifecycle, IReadOnlyList<WorkloadShape> Workloads)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNameCaseInsensitive = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    public LifecycleSettings EffectiveLifecycle => Lifecycle ?? new LifecycleSettings();

    /// <summary>Reads and checks a mix; every problem names the file and the workload's field.</summary>
    public static WorkloadMix Load(string file)
    {
        if (!File.Exists(file)) throw new HistoryFormatException(file, null, "no such workload file (--workloads)");
        WorkloadMix? mix;
        try
        {
            mix = JsonSerializer.Deserialize<WorkloadMix>(File.ReadAllText(file), Json);
        }
        catch (JsonException e)
        {
            throw new HistoryFormatException(file, (int)(e.LineNumber ?? 0) + 1, $"not a workload mix: {e.Message}");
        }

        if (mix?.Workloads is not { Count: > 0 }) throw new HistoryFormatException(file, null, "a workload mix needs a non-empty 'workloads' list");
        var problems = mix.Workloads.SelectMany((w, i) => w.Problems().Select(p => $"workloads[{i}] ({w.Name ?? "unnamed"}): {p}"))
            .Concat(mix.EffectiveLifecycle.Problems().Select(p => $"lifecycle: {p}"))
            .ToList();
        if (problems.Count > 0) throw new HistoryFormatException(file, null, string.Join("; ", problems));
        return mix;
    }
}

/// <summary>
/// One workload shape, repeated <see cref="Count"/> times. Requirements use the product's workload fields (cpu,
/// memoryGb, gpu, gpuCount, regions, providers, maxPrice, maxInterruptionRate). A shape with <see cref="WorkHours"/>
/// is a batch job (done when the work is done; <see cref="DeadlineHours"/> after its start, else by the end of the
/// history); without, a service that must run for <see cref="Hours"/> (else to the end of the history).
/// </summary>
public sealed record WorkloadShape(
    string? Name = null,
    int Count = 1,
    int Cpu = 1,
    double MemoryGb = 1,
    string? Gpu = null,
    int GpuCount = 0,
    IReadOnlyList<string>? Regions = null,
    IReadOnlyList<string>? Providers = null,
    decimal? MaxPrice = null,
    double? MaxInterruptionRate = null,
    double? WorkHours = null,
    double? DeadlineHours = null,
    double? Hours = null,
    double RestartOverheadMinutes = 0,
    double CheckpointMinutes = 0,
    double StartHours = 0,
    bool RandomStart = false)
{
    public bool IsService => WorkHours is null;

    public IEnumerable<string> Problems()
    {
        if (Count is < 1 or > 100_000) yield return $"count must be between 1 and 100000 (was {Count})";
        if (Cpu < 1) yield return $"cpu must be at least 1 (was {Cpu})";
        if (!(MemoryGb > 0)) yield return $"memoryGb must be positive (was {MemoryGb})";
        if (GpuCount < 0) yield return $"gpuCount cannot be negative (was {GpuCount})";
        if (MaxPrice is <= 0) yield return $"maxPrice must be positive (was {MaxPrice})";
        if (MaxInterruptionRate is < 0 or > 1) yield return $"maxInterruptionRate must be between 0 and 1 (was {MaxInterruptionRate})";
        if (WorkHours is <= 0) yield return $"workHours must be positive (was {WorkHours})";
        if (DeadlineHours is { } d && (WorkHours is null ? true : d < WorkHours)) yield return WorkHours is null ? "deadlineHours needs workHours (a service has no deadline)" : $"deadlineHours ({d}) must be at least workHours ({WorkHours})";
        if (Hours is <= 0) yield return $"hours must be positive (was {Hours})";
        if (Hours is not null && WorkHours is not null) yield return "hours is for services; a batch job has workHours (and deadlineHours)";
        if (RestartOverheadMinutes < 0) yield return $"restartOverheadMinutes cannot be negative (was {RestartOverheadMinutes})";
        if (CheckpointMinutes < 0) yield return $"checkpointMinutes cannot be negative (was {CheckpointMinutes})";
        if (StartHours < 0) yield return $"startHours cannot be negative (was {StartHours})";
    }
}

/// <summary>
/// The lifecycle figures of a replay. Every start (first launch, move, restart after an interruption) costs
/// <see cref="BootMinutes"/> plus the workload's restart overhead before work progresses; an interruption notice
/// (<see cref="NoticeSeconds"/>, per cloud) shorter than the workload's checkpoint time adds the difference to every start.
/// </summary>
public sealed record LifecycleSettings(double BootMinutes = 2, IReadOnlyDictionary<string, double>? NoticeSeconds = null)
{
    /// <summary>The clouds' interruption notices: AWS two minutes, Azure and GCP thirty seconds.</summary>
    public static IReadOnlyDictionary<string, double> DefaultNoticeSeconds { get; } = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase)
    {
        ["aws"] = 120,
        ["azure"] = 30,
        ["gcp"] = 30,
    };

    public double NoticeSecondsOf(Clouds.CloudKind cloud) =>
        (NoticeSeconds ?? DefaultNoticeSeconds).TryGetValue(cloud.ToString(), out var s) ? s : DefaultNoticeSeconds[cloud.ToString()];

    public IEnumerable<string> Problems()
    {
        if (BootMinutes < 0) yield return $"bootMinutes cannot be negative (was {BootMinutes})";
        foreach (var (cloud, seconds) in NoticeSeconds ?? new Dictionary<string, double>())
        {
            if (!Enum.TryParse<Clouds.CloudKind>(cloud, true, out _)) yield return $"noticeSeconds: unknown cloud '{cloud}' (aws, azure, gcp)";
            if (seconds < 0) yield return $"noticeSeconds.{cloud} cannot be negative (was {seconds})";
        }
    }
}
