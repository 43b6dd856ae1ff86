using System.Text.Json;
using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Backtest.Policies;
using Arbitrage.Orleans.Backtest.Replay;
using Arbitrage.Orleans.Backtest.Reporting;
using Arbitrage.Orleans.Backtest.Workloads;

namespace Arbitrage.Orleans.Backtest;

/// <summary>
/// The backtest command: reads the history and the workload mix, replays every workload through every policy on every
/// replay, prints a table per replay and over all, and writes report.json and the pictures to --out.
/// Exit codes: 0 done, 2 a command-line problem, 3 an input problem (file and line on stderr).
/// </summary>
public sealed class BacktestCommand(PolicyRegistry registry, TextWriter output, TextWriter error, TimeProvider time)
{
    public static readonly JsonSerializerOptions ReportJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    public int Run(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        BacktestArguments arguments;
        try
        {
            arguments = BacktestArguments.Parse(args);
            if (arguments.Help)
            {
                output.WriteLine(BacktestArguments.Usage);
                return 0;
            }

            var unknown = arguments.Policies.Where(p => p != "all" && !registry.Contains(p)).ToList();
            if (unknown.Count > 0)
            {
                var known = registry.Names.Concat(registry.Optimum is null ? [] : [PolicyRegistry.OptimalName]);
                throw new UsageException($"--policy: unknown policy '{string.Join("', '", unknown)}'; known: {string.Join(", ", known)}, all"
                    + (registry.Optimum is null && unknown.Contains(PolicyRegistry.OptimalName) ? " (the offline optimum is not plugged in to this build)" : ""));
            }
        }
        catch (UsageException e)
        {
            error.WriteLine($"backtest: {e.Message}");
            return 2;
        }

        try
        {
            Execute(arguments, cancellationToken);
            return 0;
        }
        catch (HistoryFormatException e)
        {
            error.WriteLine($"backtest: {e.Message}");
            return 3;
        }
        catch (UsageException e)
        {
            error.WriteLine($"backtest: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error.WriteLine($"backtest: {e.Message}");
            return 3;
        }
    }

    public BacktestReport Execute(BacktestArguments arguments, CancellationToken cancellationToken = default)
    {
        long started = time.GetTimestamp();
        var mix = WorkloadMix.Load(arguments.Workloads);
        var history = HistoryReader.Read(arguments.Data);
        var catalogDirectory = arguments.Catalog ?? FindBundledCatalog()
            ?? throw new UsageException("--catalog: no data/market folder found above the current folder or the program; give the catalog folder");
        error.WriteLine($"backtest: loading the catalog from {catalogDirectory}");
        var catalog = CatalogIndex.Load(catalogDirectory);
        var repairs = new RepairLog();
        var runs = RunBuilder.Build(history, catalog, arguments.StepMinutes, arguments.MaxDays, repairs);

        var selected = arguments.Policies.Contains("all") ? registry.Names : arguments.Policies.Where(p => p != PolicyRegistry.OptimalName).ToList();
        var runner = new BacktestRunner(registry, selected, arguments.MaxTypes, error, time);
        var results = runner.Run(runs, mix, arguments.Seed, cancellationToken);

        if (arguments.Out is { } outFolder) Directory.CreateDirectory(outFolder);
        var runReports = new List<RunReport>();
        foreach (var result in results)
        {
            string? picture = null;
            var sample = result.Cases.FirstOrDefault(c => c.Case.Problem is not null);
            if (arguments.Out is { } folder && sample is not null)
            {
                picture = $"{Sanitize(result.Run.Name)}.svg";
                File.WriteAllText(Path.Combine(folder, picture), SvgChart.Render($"{result.Run.Name}: {sample.Case.Workload.Name}", sample));
            }

            var report = ReportBuilder.ForRun(result, runner.Replayed, picture);
            runReports.Add(report);
            output.WriteLine(ReportTable.Render($"{result.Run.Name} ({result.Run.Kind}, {result.Cases.Count} workloads, {result.Run.Start:yyyy-MM-dd} to {result.Run.End:yyyy-MM-dd})", report.Policies));
            foreach (var note in report.Notes) output.WriteLine($"  {note}");
            output.WriteLine();
        }

        var overall = ReportBuilder.Compare(runner.Replayed.Select(p => ReportBuilder.Summarize(p, results.SelectMany(r => r.Cases).ToList())).ToList());
        if (results.Count > 1) output.WriteLine(ReportTable.Render("all replays", overall));
        var repairList = repairs.ToList();
        foreach (var repair in repairList) output.WriteLine($"repair: {repair.Kind} x{repair.Count}: {repair.Detail}");
        var notes = new List<string>
        {
            "product: the silo re-places only when an instance is lost (interruption, failed health); it has no rule to move a healthy instance to a cheaper offer, so the replay has none.",
            "product: the deadline guard (on-demand when slack runs out) is the backtest's; the silo has no deadlines yet.",
            "product: the placement engine ranks every spot zone as its own choice (on-demand once per region and type), so after a preemption the other zones of the region are tried; the hazard it learns from interruptions seen goes into the book as an hourly rate.",
        };
        if (registry.Optimum is null) notes.Add("optimal: the offline optimum is not plugged in to this build; ratio_to_optimum is null.");
        var inputs = new ReportInputs(history.Path, Path.GetFullPath(arguments.Workloads), catalog.Directory, arguments.Seed, arguments.StepMinutes, arguments.MaxDays, arguments.MaxTypes,
            runner.Replayed, results.Sum(r => r.Cases.Count), history.PriceFiles.Select(f => f.Path).ToList(), history.Traces.Select(t => t.Path).ToList(),
            Math.Round(time.GetElapsedTime(started).TotalSeconds, 2));
        var full = new BacktestReport(overall, runReports, repairList, inputs, notes);
        if (arguments.Out is { } outDirectory)
        {
            File.WriteAllText(Path.Combine(outDirectory, "report.json"), JsonSerializer.Serialize(full, ReportJson));
            error.WriteLine($"backtest: wrote {Path.Combine(outDirectory, "report.json")}");
        }

        return full;
    }

    /// <summary>The repository's data/market, looked for above the current folder, then above the program.</summary>
    public static string? FindBundledCatalog()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, "data", "market");
                if (Directory.Exists(Path.Combine(candidate, "catalog"))) return candidate;
            }
        }

        return null;
    }

    private static string Sanitize(string name) => string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
}
