using Arbitrage.Orleans.Cli;

namespace Arbitrage.Orleans.Tests.Cli;

/// <summary>What one run of the CLI printed and how it exited.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs <c>arb</c> in-process: its own environment (no variable of the test process leaks in), a config folder of its
/// own, captured output, not a terminal.
/// </summary>
public sealed class CliRunner : IDisposable
{
    public CliRunner(Uri? url = null, string? apiKey = null)
    {
        ConfigDirectory = Path.Combine(Path.GetTempPath(), $"arb-config-{Guid.NewGuid():N}");
        if (url is not null) Environment["ARB_URL"] = url.ToString();
        if (apiKey is not null) Environment["ARB_API_KEY"] = apiKey;
    }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);
    public string ConfigDirectory { get; }

    /// <summary>Runs as if standard output were a terminal (live views; colour unless NO_COLOR is set).</summary>
    public bool Terminal { get; init; }

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync("", args);

    public async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var context = new CliContext(output, error, new StringReader(input), new Dictionary<string, string>(Environment), ConfigDirectory)
        {
            PollInterval = TimeSpan.FromMilliseconds(100),
            OutputIsTerminal = Terminal,
        };
        int exit = await ArbCli.RunAsync(args, context);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    public void Dispose()
    {
        if (Directory.Exists(ConfigDirectory)) Directory.Delete(ConfigDirectory, recursive: true);
    }
}
