namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Interns the few thousand distinct names (regions, zones, instance types) that the hundred thousand catalog rows
/// repeat, so each is allocated once. Not thread-safe: one pool per loader.
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public StringPool() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    public string Get(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return string.Empty;
        if (_lookup.TryGetValue(text, out var existing)) return existing;
        var created = text.ToString();
        _strings.Add(created, created);
        return created;
    }

    /// <summary>Null for an empty span.</summary>
    public string? GetOrNull(ReadOnlySpan<char> text) => text.IsEmpty ? null : Get(text);
}
