using System.Globalization;

namespace Arbitrage.Orleans.Backtest;

/// <summary>A command-line problem: names the option and says what it takes.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The command's options (see <see cref="Usage"/>), parsed and checked.</summary>
public sealed record BacktestArguments(
    string Data, string Workloads, IReadOnlyList<string> Policies, string? Out, int Seed, double? StepMinutes, string? Catalog, double MaxDays, int MaxTypes, bool Help)
{
    public const string Usage = """
        Replays price and availability history through placement policies and reports what each would have cost.

        usage: dotnet run --project Backtest -- --data <folder|file> --workloads <file> [options]

          --data <path>        history: a folder of price files (*.csv, *.csv.gz) and traces (*.json), or one file
                               (data/market reads its prices/ and traces/); formats in docs/BACKTEST.md
          --workloads <file>   the workload mix (JSON; see Backtest/examples/)
          --policy <names>     all (default), or a comma-separated list of: on-demand, cheapest-spot, product,
                               and whatever else is registered (uniform-progress, optimal)
          --out <folder>       writes report.json and one SVG per replay there
          --seed <n>           seed of the random workload starts (default 1)
          --step <minutes>     the replay's step (default: the traces' sample gap, else 5)
          --catalog <folder>   the instance catalog (default: data/market of this repository)
          --max-days <n>       replay at most this many days of each history (default 90)
          --max-types <n>      instance types per workload: the n cheapest on-demand that fit (default 6)
          --help               this text
        """;

    public static BacktestArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool help = false;
        string[] known = ["--data", "--workloads", "--policy", "--out", "--seed", "--step", "--catalog", "--max-days", "--max-types"];
        for (int i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "--help" or "-h")
            {
                help = true;
                continue;
            }

            var split = arg.IndexOf('=', StringComparison.Ordinal);
            var name = split > 0 ? arg[..split] : arg;
            if (!known.Contains(name)) throw new UsageException($"unknown option '{arg}' (see --help)");
            string value = split > 0 ? arg[(split + 1)..] : i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value (see --help)");
            if (!values.TryAdd(name, value)) throw new UsageException($"{name} is given twice");
        }

        if (help) return new BacktestArguments("", "", [], null, 1, null, null, 90, 6, true);
        string Required(string name) => values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new UsageException($"{name} is required (see --help)");
        double? Number(string name, double min, double max)
        {
            if (!values.TryGetValue(name, out var text)) return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            {
                throw new UsageException($"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}; got '{text}'");
            }

            return n;
        }

        int? Integer(string name, int min, int max) => Number(name, min, max) is { } n
            ? n == Math.Floor(n) ? (int)n : throw new UsageException($"{name} must be a whole number; got '{values[name]}'")
            : null;

        var policies = (values.GetValueOrDefault("--policy") ?? "all").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (policies.Length == 0) throw new UsageException("--policy needs a name or 'all'");
        return new BacktestArguments(Required("--data"), Required("--workloads"), policies, values.GetValueOrDefault("--out"),
            Integer("--seed", int.MinValue, int.MaxValue) ?? 1, Number("--step", 1.0 / 60, 24 * 60), values.GetValueOrDefault("--catalog"),
            Number("--max-days", 1.0 / 24, 3660) ?? 90, Integer("--max-types", 1, 100) ?? 6, false);
    }
}
