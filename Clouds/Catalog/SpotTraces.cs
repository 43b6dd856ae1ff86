using System.Globalization;
using System.Text.Json;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// One real spot availability trace (NSDI'24 "Can't Be Late" traces): whether one spot instance of
/// <see cref="InstanceType"/> could be held in a zone, sampled every <see cref="GapSeconds"/>. The zone is the
/// collecting account's letter (<c>us-east-1a</c>), mapped to a catalog zone ID by the catalog.
/// </summary>
internal sealed class AvailabilityTrace(string region, char zoneLetter, string instanceType, int gapSeconds, bool[] up, string source)
{
    public string Region { get; } = region;
    public char ZoneLetter { get; } = zoneLetter;
    public string InstanceType { get; } = instanceType;
    public int GapSeconds { get; } = gapSeconds;
    public string Source { get; } = source;
    public TimeSpan Duration => TimeSpan.FromSeconds((double)GapSeconds * up.Length);

    /// <summary>Whether capacity was there <paramref name="simulatedElapsed"/> into the trace, wrapping around its length.</summary>
    public bool IsAvailableAt(TimeSpan simulatedElapsed)
    {
        if (up.Length == 0) return true;
        var index = (long)Math.Floor(simulatedElapsed.TotalSeconds / GapSeconds) % up.Length;
        if (index < 0) index += up.Length;
        return up[index];
    }
}

/// <summary>
/// What the real spot traces say: the preemption hazard of a running spot instance (1→0 transitions per hour up,
/// pooled over the V100 traces for GPU types and the intel/r5 traces for the others), the up-fraction of the
/// availability traces, and the availability traces themselves (AWS p3/p2 zones).
/// </summary>
internal sealed class SpotTraces
{
    private SpotTraces(double gpuHazard, double cpuHazard, double gpuUpFraction, IReadOnlyList<AvailabilityTrace> availability)
    {
        GpuHourlyHazard = gpuHazard;
        CpuHourlyHazard = cpuHazard;
        GpuUpFraction = gpuUpFraction;
        Availability = availability;
    }

    /// <summary>Preemptions per hour up, pooled over the p3.2xlarge (V100) preemption traces.</summary>
    public double GpuHourlyHazard { get; }

    /// <summary>Preemptions per hour up, pooled over the intel (r5.16xlarge-class) preemption traces.</summary>
    public double CpuHourlyHazard { get; }

    /// <summary>The time-weighted fraction of samples up over every availability trace.</summary>
    public double GpuUpFraction { get; }

    public IReadOnlyList<AvailabilityTrace> Availability { get; }

    /// <summary>AWS instance types of the trace file names' GPU kinds (V100 x1/x8 = p3.2xlarge/p3.16xlarge, K80 x1/x8 = p2.xlarge/p2.8xlarge).</summary>
    public static string? InstanceTypeOfTraceKind(string kind) => kind switch
    {
        "v100_1" => "p3.2xlarge",
        "v100_8" => "p3.16xlarge",
        "k80_1" => "p2.xlarge",
        "k80_8" => "p2.8xlarge",
        _ => null,
    };

    public static SpotTraces Load(MarketDataFiles files)
    {
        long gpuTransitions = 0, cpuTransitions = 0;
        double gpuUpSeconds = 0, cpuUpSeconds = 0;
        foreach (var path in files.TraceFolder(MarketDataFiles.PreemptionTraces))
        {
            var (gap, data) = ReadTrace(path);
            long transitions = 0, upSamples = 0;
            for (var i = 0; i < data.Length; i++)
            {
                if (!data[i]) continue;
                upSamples++;
                if (i + 1 < data.Length && !data[i + 1]) transitions++;
            }

            if (Path.GetFileName(path).Contains("v100", StringComparison.OrdinalIgnoreCase))
            {
                gpuTransitions += transitions;
                gpuUpSeconds += upSamples * (double)gap;
            }
            else
            {
                cpuTransitions += transitions;
                cpuUpSeconds += upSamples * (double)gap;
            }
        }

        var byMarket = new Dictionary<(string Region, char Letter, string Type), AvailabilityTrace>();
        double upSeconds = 0, totalSeconds = 0;
        foreach (var path in files.TraceFolder(MarketDataFiles.AvailabilityTraces))
        {
            var (gap, data) = ReadTrace(path);
            var up = 0;
            foreach (var sample in data) if (sample) up++;
            upSeconds += up * (double)gap;
            totalSeconds += data.Length * (double)gap;

            // us-east-1a_v100_1.json: zone, then the GPU kind.
            var name = Path.GetFileNameWithoutExtension(path);
            var split = name.IndexOf('_');
            if (split < 2) continue;
            var zone = name[..split];
            var type = InstanceTypeOfTraceKind(name[(split + 1)..]);
            if (type is null || !char.IsAsciiLetterLower(zone[^1])) continue;
            var trace = new AvailabilityTrace(zone[..^1], zone[^1], type, gap, data, Path.GetRelativePath(files.Directory, path));
            var key = (trace.Region, trace.ZoneLetter, type);
            if (!byMarket.TryGetValue(key, out var existing) || trace.Duration > existing.Duration) byMarket[key] = trace;
        }

        var traces = byMarket.Values.OrderBy(t => t.Region, StringComparer.Ordinal).ThenBy(t => t.ZoneLetter).ThenBy(t => t.InstanceType, StringComparer.Ordinal).ToArray();
        return new SpotTraces(
            gpuUpSeconds > 0 ? gpuTransitions / (gpuUpSeconds / 3600) : 0,
            cpuUpSeconds > 0 ? cpuTransitions / (cpuUpSeconds / 3600) : 0,
            totalSeconds > 0 ? upSeconds / totalSeconds : 1,
            traces);
    }

    private static (int Gap, bool[] Data) ReadTrace(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (!root.TryGetProperty("metadata", out var metadata) || !metadata.TryGetProperty("gap_seconds", out var gapElement)
            || !root.TryGetProperty("data", out var dataElement) || dataElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"'{path}' is not a trace: expected {{\"metadata\": {{\"gap_seconds\": N}}, \"data\": [...]}}.");
        }

        var gap = (int)Math.Round(gapElement.GetDouble(), MidpointRounding.AwayFromZero);
        if (gap <= 0) throw new InvalidDataException($"'{path}': gap_seconds is {gap.ToString(CultureInfo.InvariantCulture)}, expected a positive number.");
        var data = new bool[dataElement.GetArrayLength()];
        var i = 0;
        foreach (var sample in dataElement.EnumerateArray()) data[i++] = sample.GetDouble() > 0;
        return (gap, data);
    }
}
