namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>The columns of a CSV file by name, so readers do not depend on column order.</summary>
internal sealed class CsvHeader
{
    private readonly string[] _names;
    private readonly string _file;

    public CsvHeader(ReadOnlySpan<char> headerLine, string file)
    {
        _file = file;
        Span<Range> ranges = stackalloc Range[64];
        var count = Math.Min(CsvText.Split(headerLine, ranges), ranges.Length);
        _names = new string[count];
        for (var i = 0; i < count; i++) _names[i] = CsvText.Field(headerLine, ranges[i]).ToString();
    }

    public int Count => _names.Length;

    /// <summary>The index of <paramref name="column"/>; throws naming the file and the column when it is missing.</summary>
    public int IndexOf(string column)
    {
        var index = Array.IndexOf(_names, column);
        return index >= 0 ? index : throw new InvalidDataException($"'{_file}' has no column '{column}' (columns: {string.Join(", ", _names)}).");
    }
}
