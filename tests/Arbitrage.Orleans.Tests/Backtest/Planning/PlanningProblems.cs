using System.Text.Json;
using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>Problems for the planning tests: hand-made, seeded random ones, and windows of the real availability traces.</summary>
internal static class PlanningProblems
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MarketOption Spot(string name, double price, params bool[] up) =>
        new(name, true, "aws", "us-west-2", name, "p3.2xlarge", Enumerable.Repeat(price, up.Length).ToArray(), up);

    public static MarketOption OnDemand(double price, int steps) =>
        new("on-demand", false, "aws", "us-west-2", null, "p3.2xlarge", Enumerable.Repeat(price, steps).ToArray());

    public static PlanningProblem Job(double stepHours, double overheadHours, double work, double? deadline, params MarketOption[] options) =>
        new(Start, stepHours, options[0].PricePerHour.Length, options, work, deadline, overheadHours);

    public static PlanningProblem Service(double stepHours, double overheadHours, params MarketOption[] options) =>
        new(Start, stepHours, options[0].PricePerHour.Length, options, null, null, overheadHours);

    /// <summary>A small random problem: 3–7 steps, 1–3 options (spot with random prices and outages, maybe on-demand).</summary>
    public static PlanningProblem Random(Random random, bool service = false)
    {
        int steps = random.Next(3, 8);
        int count = random.Next(1, 4);
        double step = new[] { 1.0, 0.5, 0.25 }[random.Next(3)];
        double overhead = step * new[] { 0.0, 0.1, 0.25, 0.4, 1.0, 1.3, 2.0, 2.5 }[random.Next(8)];
        var options = new MarketOption[count];
        for (int o = 0; o < count; o++)
        {
            bool spot = o > 0 || random.Next(3) > 0;
            var prices = Enumerable.Range(0, steps).Select(_ => Math.Round(0.1 + 3 * random.NextDouble(), 3)).ToArray();
            bool[]? up = spot ? Enumerable.Range(0, steps).Select(_ => random.NextDouble() < 0.7).ToArray() : null;
            options[o] = new MarketOption($"option-{o}", spot, "aws", "us-west-2", spot ? $"us-west-2{(char)('a' + o)}" : null, "p3.2xlarge", prices, up);
        }

        if (service) return new PlanningProblem(Start, step, steps, options, null, null, overhead);
        double grid = steps * step;
        double work = Math.Round(grid * (0.1 + 0.85 * random.NextDouble()), 3);
        double? deadline = random.Next(4) == 0 ? null : Math.Round(work + (grid - work) * 1.2 * random.NextDouble(), 3);
        return new PlanningProblem(Start, step, steps, options, work, deadline, overhead);
    }

    /// <summary>
    /// A GPU job on real V100 availability traces: one spot option per trace file (in the order given), priced a little
    /// apart, plus on-demand at the p3.2xlarge list price; <paramref name="windowHours"/> from sample <paramref name="offset"/>.
    /// </summary>
    public static PlanningProblem OnTraces(string folder, string[] files, int offset, double windowHours, double work, double overheadHours)
    {
        var traces = files.Select(f => ReadTrace(Path.Combine(folder, f))).ToArray();
        double stepHours = traces[0].GapSeconds / 3600.0;
        int steps = (int)Math.Round(windowHours / stepHours);
        var options = new List<MarketOption>();
        for (int i = 0; i < traces.Length; i++)
        {
            Assert.Equal(traces[0].GapSeconds, traces[i].GapSeconds);
            Assert.True(offset + steps <= traces[i].Up.Length, $"{files[i]} has {traces[i].Up.Length} samples; the window needs {offset + steps}.");
            var up = traces[i].Up.AsSpan(offset, steps).ToArray();
            string zone = files[i][..files[i].IndexOf('_')];
            options.Add(new MarketOption(Path.GetFileNameWithoutExtension(files[i]), true, "aws", zone[..^1], zone, "p3.2xlarge",
                Enumerable.Repeat(0.918 + 0.02 * i, steps).ToArray(), up));
        }

        options.Add(OnDemand(3.06, steps));
        return new PlanningProblem(Start, stepHours, steps, options, work, windowHours, overheadHours);
    }

    public static string TraceFolder(string kind, string date) => Path.Combine(SharedData.Directory, "traces", kind, "1-node", date);

    private static (int GapSeconds, bool[] Up) ReadTrace(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        int gap = document.RootElement.GetProperty("metadata").GetProperty("gap_seconds").GetInt32();
        var up = document.RootElement.GetProperty("data").EnumerateArray().Select(e => e.GetInt32() > 0).ToArray();
        return (gap, up);
    }
}
