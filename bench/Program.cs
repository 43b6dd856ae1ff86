using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Bench.Suites;

// Benchmark harness: dotnet run -c Release --project bench -- <suite> [options]
// Each suite prints progress lines, then its figures as one JSON object on the last line of standard output, and
// keeps the same object in bench/results/<suite>.json. See docs/PERFORMANCE.md.

if (args is [BenchSilo.Command, ..])
{
    // Not a suite: this executable started by the cluster suite as a silo hosting the bench's grains.
    return await BenchSilo.RunAsync(args[1..]);
}

ISuite[] suites =
[
    new RuntimeSuite(),
    new ClusterSuite(),
    new PlacementSuite(),
    new GatewaySuite(),
    new CloudsSuite(),
    new BacktestSuite(),
    new GroupsSuite(),
    new ConsoleSuite(),
];

if (args is ["-h" or "--help" or "help" or "list"])
{
    PrintSuites(Console.Out);
    return 0;
}

var suite = args.Length > 0 ? suites.FirstOrDefault(s => string.Equals(s.Name, args[0], StringComparison.OrdinalIgnoreCase)) : null;
if (suite is null)
{
    Console.Error.WriteLine(args.Length == 0 ? "No suite given." : $"Unknown suite '{args[0]}'.");
    PrintSuites(Console.Error);
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

try
{
    var root = ResultsWriter.FindRepositoryRoot();
    var context = new SuiteContext(Console.Out, root, args[1..], cancellation.Token);
    context.Log($"Suite '{suite.Name}': {suite.Description}");
    var result = await suite.RunAsync(context);
    result.Add("load_average_1m_at_end", BenchEnvironment.LoadAverage());
    var json = ResultsWriter.ToJson(result);
    var path = ResultsWriter.Write(root, suite.Name, json);
    context.Log($"Wrote {Path.GetRelativePath(root, path)}; the figures follow as one JSON line.");
    Console.Out.WriteLine(json);
    Console.Out.Flush();
    return 0;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine($"Suite '{suite.Name}' was cancelled.");
    return 130;
}
catch (Exception e)
{
    Console.Error.WriteLine($"Suite '{suite.Name}' failed: {e}");
    return 1;
}
finally
{
    // No silo the suite started outlives it, however it ended.
    ChildProcess.KillAll();
}

void PrintSuites(TextWriter writer)
{
    writer.WriteLine("Usage: dotnet run -c Release --project bench -- <suite> [options]");
    writer.WriteLine("Suites:");
    foreach (var s in suites) writer.WriteLine($"  {s.Name,-12} {s.Description}");
}
