using System.Globalization;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Hand-written CSV splitting and field parsing for the market data files. A comma splits fields except inside
/// double quotes or inside <c>{...}</c> / <c>[...]</c> (the catalogs' GpuInfo column holds Python-style dicts such as
/// <c>{'Gpus': [{'MemoryInfo': {'SizeInMiB': 40960}}]}</c>, which may contain commas).
/// </summary>
internal static class CsvText
{
    /// <summary>Splits <paramref name="line"/> into <paramref name="fields"/>; returns the number of fields in the line.</summary>
    public static int Split(ReadOnlySpan<char> line, Span<Range> fields)
    {
        var count = 0;
        var start = 0;
        var depth = 0;
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"') quoted = false;
                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    break;
                case '{' or '[':
                    depth++;
                    break;
                case '}' or ']':
                    if (depth > 0) depth--;
                    break;
                case ',' when depth == 0:
                    if (count < fields.Length) fields[count] = new Range(start, i);
                    count++;
                    start = i + 1;
                    break;
            }
        }

        if (count < fields.Length) fields[count] = new Range(start, line.Length);
        return count + 1;
    }

    /// <summary>The field's text without surrounding whitespace or double quotes.</summary>
    public static ReadOnlySpan<char> Field(ReadOnlySpan<char> line, Range range)
    {
        var field = line[range].Trim();
        if (field.Length >= 2 && field[0] == '"' && field[^1] == '"') field = field[1..^1];
        return field;
    }

    public static double ParseDouble(ReadOnlySpan<char> text, string file, string column) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"'{file}': column {column} has '{text}', which is not a number.");

    /// <summary>Parses a price exactly; plain <c>digits[.digits]</c> (up to 18 digits) takes a fast path without culture handling.</summary>
    public static decimal ParseDecimal(ReadOnlySpan<char> text, string file, string column)
    {
        if (TryParsePlainDecimal(text, out var fast)) return fast;
        return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"'{file}': column {column} has '{text}', which is not a number.");
    }

    private static bool TryParsePlainDecimal(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 19) return false;
        long mantissa = 0;
        var digits = 0;
        var scale = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '.')
            {
                if (scale >= 0) return false;
                scale = 0;
                continue;
            }

            if (c is < '0' or > '9') return false;
            mantissa = mantissa * 10 + (c - '0');
            digits++;
            if (scale >= 0) scale++;
        }

        if (digits == 0 || digits > 18) return false;
        value = new decimal((int)(mantissa & 0xFFFFFFFF), (int)(mantissa >> 32), 0, false, (byte)Math.Max(scale, 0));
        return true;
    }

    /// <summary>Null for an empty field.</summary>
    public static decimal? ParseOptionalDecimal(ReadOnlySpan<char> text, string file, string column) =>
        text.IsEmpty ? null : ParseDecimal(text, file, column);

    /// <summary>
    /// Parses a UTC timestamp as UTC ticks: the fast path reads <c>yyyy-MM-ddTHH:mm:ssZ</c> (and a space instead of
    /// the <c>T</c>); anything else goes through <see cref="DateTimeOffset.Parse(string, IFormatProvider?, DateTimeStyles)"/>.
    /// </summary>
    public static long ParseUtcTicks(ReadOnlySpan<char> text, string file)
    {
        if (text.Length == 20 && text[4] == '-' && text[7] == '-' && (text[10] == 'T' || text[10] == ' ') && text[13] == ':'
            && text[16] == ':' && text[19] == 'Z'
            && TryDigits(text[..4], out var year) && TryDigits(text.Slice(5, 2), out var month) && TryDigits(text.Slice(8, 2), out var day)
            && TryDigits(text.Slice(11, 2), out var hour) && TryDigits(text.Slice(14, 2), out var minute)
            && TryDigits(text.Slice(17, 2), out var second))
        {
            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).Ticks;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.UtcTicks
            : throw new InvalidDataException($"'{file}': '{text}' is not a UTC timestamp.");
    }

    private static bool TryDigits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9') return false;
            value = value * 10 + (c - '0');
        }

        return true;
    }
}
