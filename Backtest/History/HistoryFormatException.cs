namespace Arbitrage.Orleans.Backtest.History;

/// <summary>A history or workload file the backtest cannot read: names the file and, where there is one, the line.</summary>
public sealed class HistoryFormatException(string file, int? line, string problem)
    : Exception(line is { } l ? $"{file}:{l}: {problem}" : $"{file}: {problem}")
{
    public string File { get; } = file;

    /// <summary>The 1-based line of the problem (the header is line 1), or null when it is about the whole file.</summary>
    public int? Line { get; } = line;

    public string Problem { get; } = problem;
}
