namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>One kind of repair made to the input, how often, and a few examples (report.json <c>repairs</c>).</summary>
public sealed record Repair(string Kind, string Detail, int Count, IReadOnlyList<string> Examples);

/// <summary>Collects the repairs a replay makes to its input (gaps, missing prices, short traces), by kind.</summary>
public sealed class RepairLog
{
    public const int MaxExamples = 5;

    /// <summary>A price series with no row for longer than this is a gap (the last price is carried over it).</summary>
    public static readonly TimeSpan GapThreshold = TimeSpan.FromDays(8);

    private readonly Dictionary<string, (string Detail, int Count, List<string> Examples)> _kinds = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public void Add(string kind, string detail, string example, int count = 1)
    {
        lock (_lock)
        {
            if (!_kinds.TryGetValue(kind, out var entry)) entry = (detail, 0, []);
            if (entry.Examples.Count < MaxExamples) entry.Examples.Add(example);
            _kinds[kind] = (entry.Detail, entry.Count + count, entry.Examples);
        }
    }

    public IReadOnlyList<Repair> ToList()
    {
        lock (_lock) return _kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new Repair(k.Key, k.Value.Detail, k.Value.Count, [.. k.Value.Examples])).ToList();
    }
}
