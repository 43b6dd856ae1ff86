using System.Collections;
using Arbitrage.Orleans.Cli.Configuration;

namespace Arbitrage.Orleans.Cli;

/// <summary>
/// Everything the CLI takes from the world it runs in: its streams, its environment, where its configuration lives,
/// how it reaches the gateway and how it tells time. <see cref="ForProcess"/> is the real process; tests build one
/// with writers, a fixed environment and a temporary config folder.
/// </summary>
public sealed record CliContext(
    TextWriter Out,
    TextWriter Error,
    TextReader In,
    IReadOnlyDictionary<string, string> Environment,
    string ConfigDirectory)
{
    /// <summary>Whether standard output is a terminal: tables get colour and live views only then.</summary>
    public bool OutputIsTerminal { get; init; }

    /// <summary>The handler under the CLI's HttpClient; null uses a new <see cref="SocketsHttpHandler"/>.</summary>
    public HttpMessageHandler? HttpHandler { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often <c>workloads watch</c> and <c>create --wait</c> ask for news.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The process's console, environment and the user's config folder.</summary>
    public static CliContext ForProcess()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && entry.Value is string value) environment[key] = value;
        }

        return new CliContext(Console.Out, Console.Error, Console.In, environment, ConfigStore.DefaultDirectory(environment))
        {
            OutputIsTerminal = !Console.IsOutputRedirected,
        };
    }

    public string? Variable(string name) => Environment.TryGetValue(name, out var value) && value.Length > 0 ? value : null;
}
