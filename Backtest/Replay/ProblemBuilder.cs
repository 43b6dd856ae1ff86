using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Backtest.Workloads;
using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>One copy of a workload shape in one replay, starting <see cref="StartHours"/> after the replay's start.</summary>
public sealed record WorkloadInstance(string Name, WorkloadShape Shape, double StartHours);

/// <summary>A workload ready to replay (its problem and, option by option, the market behind it), or why it cannot be served.</summary>
public sealed record ReplayCase(WorkloadInstance Workload, PlanningProblem? Problem, IReadOnlyList<RunMarket> Markets, string? Unserved);

/// <summary>
/// Builds a workload's <see cref="PlanningProblem"/> on a replay's step grid: the markets that meet its requirements
/// (the <see cref="MaxTypes"/> instance types with the lowest catalog on-demand price among them, every zone),
/// their prices at the start of each step (the last row at or before it; before the first row, the first price),
/// their capacity (spot: up when the trace, if any, has every sample in the step up and the history has a spot price
/// then; on-demand: always up), and the hours each start costs (boot + restart overhead, plus the checkpoint time
/// the interruption notice does not cover).
/// </summary>
public sealed class ProblemBuilder(ReplayRun run, LifecycleSettings lifecycle, int maxTypes)
{
    public int MaxTypes => maxTypes;

    public ReplayCase Build(WorkloadInstance workload)
    {
        var shape = workload.Shape;
        var fitting = run.Markets.Where(m => Fits(m, shape)).ToList();
        if (fitting.Count == 0) return new ReplayCase(workload, null, [], $"no market in {run.Name} meets its requirements ({Describe(shape)})");

        // Fewer candidates, chosen without foresight: the cheapest types by their catalog on-demand price.
        var types = fitting.GroupBy(m => m.InstanceType, StringComparer.Ordinal)
            .Select(g => (Type: g.Key, Price: g.Select(m => m.Shape.OnDemandPricePerHour is { } p ? (double)p : double.MaxValue).Min()))
            .OrderBy(t => t.Price).ThenBy(t => t.Type, StringComparer.Ordinal).Take(maxTypes).Select(t => t.Type).ToHashSet(StringComparer.Ordinal);
        var markets = fitting.Where(m => types.Contains(m.InstanceType)).ToList();

        double length = shape.IsService ? shape.Hours ?? run.Hours - workload.StartHours : shape.DeadlineHours ?? run.Hours - workload.StartHours;
        if (workload.StartHours + length > run.Hours + 1e-9 || length <= 0)
        {
            return new ReplayCase(workload, null, [], $"{run.Name} covers {run.Hours:0.#} h; the workload needs {length:0.#} h from hour {workload.StartHours:0.#}");
        }

        double step = run.StepHours;
        int steps = (int)Math.Ceiling(length / step - 1e-9);
        var start = run.Start.AddHours(workload.StartHours);
        var options = markets.Select(m => Option(m, start, step, steps)).ToList();
        double checkpointGap = markets.Where(m => m.Spot).Select(m => Math.Max(0, shape.CheckpointMinutes - lifecycle.NoticeSecondsOf(m.Cloud) / 60)).DefaultIfEmpty(0).Max();
        double overheadHours = (lifecycle.BootMinutes + shape.RestartOverheadMinutes + checkpointGap) / 60;
        var problem = new PlanningProblem(start, step, steps, options, shape.WorkHours, shape.IsService ? null : shape.DeadlineHours ?? length, overheadHours);
        return new ReplayCase(workload, problem, markets, null);
    }

    public static bool Fits(RunMarket m, WorkloadShape shape)
    {
        var o = m.Shape;
        if (o.VCpus < shape.Cpu || o.MemoryGiB < shape.MemoryGb) return false;
        int gpus = Math.Max(shape.GpuCount, shape.Gpu is null ? 0 : 1);
        if (o.GpuCount < gpus) return false;
        if (shape.Gpu is { } gpu && !string.Equals(m.GpuType, NormalizeGpu(gpu), StringComparison.OrdinalIgnoreCase)) return false;
        if (shape.Regions is { Count: > 0 } regions && !regions.Contains(m.Region, StringComparer.OrdinalIgnoreCase)) return false;
        if (shape.Providers is { Count: > 0 } providers && !providers.Contains(m.Cloud.ToString(), StringComparer.OrdinalIgnoreCase)) return false;
        return true;
    }

    /// <summary>V100 and nvidia-v100 name the same GPU.</summary>
    public static string NormalizeGpu(string name) =>
        name.Contains('-', StringComparison.Ordinal) && (name.StartsWith("nvidia-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("amd-", StringComparison.OrdinalIgnoreCase))
            ? name.ToLowerInvariant() : GpuNames.Normalize(name);

    private static string Describe(WorkloadShape s) =>
        $"{s.Cpu} vCPU, {s.MemoryGb:0.#} GiB{(s.Gpu is null && s.GpuCount == 0 ? "" : $", {Math.Max(1, s.GpuCount)}x {s.Gpu ?? "GPU"}")}"
        + (s.Regions is { Count: > 0 } r ? $", in {string.Join("/", r)}" : "") + (s.Providers is { Count: > 0 } p ? $", on {string.Join("/", p)}" : "");

    private static MarketOption Option(RunMarket m, DateTimeOffset start, double step, int steps)
    {
        var prices = new double[steps];
        bool[]? up = null;
        if (m.History is { } h)
        {
            var series = m.Spot ? h.Spot : h.OnDemand;
            int next = 0;
            double last = FirstFinite(series);
            bool offered = true;
            for (int t = 0; t < steps; t++)
            {
                long at = start.AddHours(t * step).UtcTicks;
                while (next < h.Ticks.Length && h.Ticks[next] <= at)
                {
                    offered = double.IsFinite(series[next]);
                    if (offered) last = series[next];
                    next++;
                }

                // A snapshot with no spot price says the spot market was not offered then (on-demand carries its last price).
                prices[t] = last;
                if (m.Spot && !offered)
                {
                    up ??= Filled(steps);
                    up[t] = false;
                }
            }
        }
        else Array.Fill(prices, m.ConstantPrice);

        if (m.Trace is { } trace)
        {
            up ??= Filled(steps);
            for (int t = 0; t < steps; t++)
            {
                if (up[t] && !trace.UpThroughout(start.AddHours(t * step), start.AddHours((t + 1) * step))) up[t] = false;
            }
        }

        return new MarketOption(m.Name, m.Spot, m.Cloud.ToString().ToLowerInvariant(), m.Region, m.Zone, m.InstanceType, prices, up);
    }

    private static bool[] Filled(int steps)
    {
        var up = new bool[steps];
        Array.Fill(up, true);
        return up;
    }

    private static double FirstFinite(double[] series)
    {
        foreach (var p in series)
        {
            if (double.IsFinite(p)) return p;
        }

        return double.NaN;
    }
}
