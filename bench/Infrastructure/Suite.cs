namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>One benchmark suite, run by name: <c>dotnet run -c Release --project bench -- &lt;name&gt;</c>.</summary>
internal interface ISuite
{
    /// <summary>The name given on the command line; also the name of its results file, bench/results/&lt;name&gt;.json.</summary>
    string Name { get; }

    /// <summary>One line for the list of suites.</summary>
    string Description { get; }

    /// <summary>Runs the suite, printing progress to <see cref="SuiteContext.Progress"/>, and returns its figures.</summary>
    Task<BenchResult> RunAsync(SuiteContext context);
}

/// <summary>What a suite gets from the harness.</summary>
internal sealed class SuiteContext(TextWriter progress, string repositoryRoot, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
{
    /// <summary>Progress lines (standard output); the harness prints the result JSON after the suite returns.</summary>
    public TextWriter Progress { get; } = progress;

    public string RepositoryRoot { get; } = repositoryRoot;

    /// <summary>Arguments after the suite name.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    /// <summary>Cancelled by Ctrl-C.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Prints one progress line, prefixed with the time since the suite started.</summary>
    public void Log(string message) => Progress.WriteLine($"[{Elapsed.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>The value of <c>--name value</c> among the arguments, or <paramref name="fallback"/>.</summary>
    public double Option(string name, double fallback)
    {
        for (int i = 0; i + 1 < Arguments.Count; i++)
        {
            if (Arguments[i] == "--" + name)
            {
                return double.TryParse(Arguments[i + 1], System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
                    ? value
                    : throw new ArgumentException($"--{name} needs a positive number (was '{Arguments[i + 1]}').");
            }
        }

        return fallback;
    }

    /// <summary>The text after <c>--name</c> among the arguments, or <paramref name="fallback"/>.</summary>
    public string Text(string name, string fallback)
    {
        for (int i = 0; i < Arguments.Count; i++)
        {
            if (Arguments[i] == "--" + name)
            {
                return i + 1 < Arguments.Count && !string.IsNullOrWhiteSpace(Arguments[i + 1])
                    ? Arguments[i + 1]
                    : throw new ArgumentException($"--{name} needs a value.");
            }
        }

        return fallback;
    }

    /// <summary>Whether the flag <c>--name</c> is among the arguments.</summary>
    public bool Flag(string name) => Arguments.Contains("--" + name);

    private System.Diagnostics.Stopwatch Elapsed { get; } = System.Diagnostics.Stopwatch.StartNew();
}

/// <summary>The figures of a suite in the order they were added: becomes one JSON object.</summary>
internal sealed class BenchResult
{
    private readonly List<KeyValuePair<string, object?>> _values = [];

    public IReadOnlyList<KeyValuePair<string, object?>> Values => _values;

    /// <summary>Adds (or replaces) a figure: a number, bool, string or list of strings. Keys are snake_case and name their unit.</summary>
    public BenchResult Add(string key, object? value)
    {
        int existing = _values.FindIndex(v => v.Key == key);
        if (existing >= 0) _values[existing] = new(key, value);
        else _values.Add(new(key, value));
        return this;
    }

    public object? this[string key] => _values.FirstOrDefault(v => v.Key == key).Value;
}

/// <summary>Facts about the run that every suite records beside its figures.</summary>
internal static class BenchEnvironment
{
#if DEBUG
    public static readonly string BuildConfiguration = "Debug";
#else
    public static readonly string BuildConfiguration = "Release";
#endif

    public static BenchResult AddTo(BenchResult result, string suite) => result
        .Add("suite", suite)
        .Add("build_configuration", BuildConfiguration)
        .Add("processor_count", Environment.ProcessorCount)
        .Add("gc_server", System.Runtime.GCSettings.IsServerGC)
        .Add("dotnet_version", Environment.Version.ToString())
        .Add("measured_at_utc", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))
        .Add("load_average_1m_at_start", LoadAverage());

    /// <summary>
    /// The machine's 1-minute load average (Linux /proc/loadavg), null elsewhere. Recorded at a suite's start and end:
    /// well above the suite's own use of the cores means something else ran beside it and the figures are low.
    /// </summary>
    public static double? LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Rounds to <paramref name="digits"/> significant digits, for readable figures.</summary>
    public static double Significant(double value, int digits = 4)
    {
        if (value == 0 || !double.IsFinite(value)) return value;
        int scale = digits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value)));
        return scale >= 0 ? Math.Round(value, Math.Min(scale, 15)) : Math.Round(value / Math.Pow(10, -scale)) * Math.Pow(10, -scale);
    }
}

/// <summary>Checks figures against their targets and logs one line each.</summary>
internal static class Targets
{
    /// <summary>Logs <paramref name="key"/> against <paramref name="target"/>; adds it to <paramref name="missed"/> when missed. A figure the run did not produce is skipped.</summary>
    public static void Check(SuiteContext context, BenchResult result, List<string> missed, string key, double target, bool higherIsBetter, string unit)
    {
        if (result[key] is not { } raw) return;
        double value = Convert.ToDouble(raw, System.Globalization.CultureInfo.InvariantCulture);
        bool met = higherIsBetter ? value >= target : value <= target;
        if (!met) missed.Add(key);
        context.Log($"  {key,-44} {value.ToString("#,0.####", System.Globalization.CultureInfo.InvariantCulture),14} {unit,-14} target {(higherIsBetter ? ">=" : "<=")} {target.ToString("#,0.####", System.Globalization.CultureInfo.InvariantCulture),-8} {(met ? "met" : "MISSED")}");
    }
}
