namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// A CSV text read line by line: the header (columns by name), then each non-empty data line split into fields,
/// read by column index (<c>csv[column]</c>). A line with fewer fields than the header is an error naming the file,
/// or is skipped when the reader is lenient.
/// </summary>
internal ref struct CsvReader
{
    private readonly string _path;
    private readonly bool _lenient;
    private readonly Range[] _fields;
    private System.Text.SpanLineEnumerator _lines;
    private ReadOnlySpan<char> _line;

    public CsvReader(string text, string path, bool lenient = false)
    {
        _path = path;
        _lenient = lenient;
        _lines = text.AsSpan().EnumerateLines();
        HasHeader = _lines.MoveNext();
        Header = new CsvHeader(HasHeader ? _lines.Current : default, path);
        _fields = new Range[Header.Count + 1];
    }

    /// <summary>False for an empty file (no header line).</summary>
    public bool HasHeader { get; }

    public CsvHeader Header { get; }

    /// <summary>The field of the current line in <paramref name="column"/>, trimmed and unquoted.</summary>
    public readonly ReadOnlySpan<char> this[int column] => CsvText.Field(_line, _fields[column]);

    /// <summary>Moves to the next data line; false at the end.</summary>
    public bool MoveNext()
    {
        while (_lines.MoveNext())
        {
            var line = _lines.Current;
            if (line.IsEmpty) continue;
            if (CsvText.Split(line, _fields) < Header.Count)
            {
                if (_lenient) continue;
                throw new InvalidDataException($"'{_path}': line '{line}' has fewer than {Header.Count} fields.");
            }

            _line = line;
            return true;
        }

        return false;
    }
}
