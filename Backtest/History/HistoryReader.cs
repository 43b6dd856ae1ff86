using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Backtest.History;

/// <summary>
/// Reads a history folder (or one file): every <c>*.csv</c> / <c>*.csv.gz</c> is a price history whose format is
/// told by its header (<see cref="PriceFileFormat"/>), every <c>*.json</c> an availability trace
/// (<c>{"metadata": {"gap_seconds": N}, "data": [0/1, ...], "prices": [USD/h, ...]}</c>, prices optional; zone and kind in the file name, cloud and start date
/// in the folder name), in the folder and every folder below; but when the folder has <c>prices/</c> or <c>traces/</c>
/// sub-folders (as the bundled data/market does, beside its catalogs) only its own files and those two are read. Anything malformed is a <see cref="HistoryFormatException"/> naming file and line.
/// </summary>
public static class HistoryReader
{
    public static HistoryData Read(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        IEnumerable<string> files;
        if (File.Exists(full)) files = [full];
        else if (Directory.Exists(full))
        {
            // A market data directory (data/market) also holds catalogs: read its own files and prices/ and traces/ only.
            var roots = new[] { "prices", "traces" }.Select(d => System.IO.Path.Combine(full, d)).Where(Directory.Exists).ToList();
            files = roots.Count == 0
                ? Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList()
                : Directory.EnumerateFiles(full).Concat(roots.SelectMany(r => Directory.EnumerateFiles(r, "*", SearchOption.AllDirectories))).Order(StringComparer.Ordinal).ToList();
        }
        else throw new HistoryFormatException(full, null, "no such file or folder (--data)");

        var prices = new List<PriceHistoryFile>();
        var traces = new List<AvailabilityTrace>();
        foreach (var file in files)
        {
            var name = System.IO.Path.GetFileName(file);
            if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)) prices.Add(ReadPrices(file));
            else if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) traces.Add(ReadTrace(file));
        }

        if (prices.Count == 0 && traces.Count == 0) throw new HistoryFormatException(full, null, "holds no price history (*.csv, *.csv.gz) and no trace (*.json)");
        return new HistoryData(full, prices, traces);
    }

    private sealed class Builder(string region, string? zone, string type)
    {
        public readonly string Region = region;
        public readonly string? Zone = zone;
        public readonly string Type = type;
        public readonly List<long> Ticks = [];
        public readonly List<double> Spot = [];
        public readonly List<double> OnDemand = [];
        public int LastLine;
    }

    public static PriceHistoryFile ReadPrices(string file)
    {
        using var reader = OpenText(file);
        var headerLine = reader.ReadLine() ?? throw new HistoryFormatException(file, 1, "the file is empty: expected a header line");
        var header = SplitCsv(headerLine).Select(h => h.Trim()).ToList();
        var format = PriceFileFormat.Detect(header) ?? throw new HistoryFormatException(file, 1,
            $"unknown columns '{string.Join(",", header)}'; a price history has exactly the columns of one of: {string.Join("; ", PriceFileFormat.All.Select(f => f.Describe()))}");
        int time = header.IndexOf(format.TimeColumn), location = header.IndexOf(format.LocationColumn), type = header.IndexOf(format.TypeColumn),
            spot = header.IndexOf(format.SpotColumn), onDemand = format.OnDemandColumn is { } od ? header.IndexOf(od) : -1;
        var series = new Dictionary<(string, string), Builder>();
        int lineNumber = 1, zeros = 0;
        long first = long.MaxValue, last = long.MinValue;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var fields = SplitCsv(line);
            if (fields.Count != header.Count) throw new HistoryFormatException(file, lineNumber, $"{fields.Count} fields, the header has {header.Count}");
            long ticks = ParseTime(fields[time], file, lineNumber, format.TimeColumn);
            string where = fields[location].Trim(), what = fields[type].Trim();
            if (where.Length == 0 || what.Length == 0) throw new HistoryFormatException(file, lineNumber, $"'{format.LocationColumn}' and '{format.TypeColumn}' must not be empty");
            double spotPrice = ParsePrice(fields[spot], file, lineNumber, format.SpotColumn, format.IsSnapshot, ref zeros);
            double onDemandPrice = onDemand >= 0 ? ParsePrice(fields[onDemand], file, lineNumber, format.OnDemandColumn!, format.IsSnapshot, ref zeros) : double.NaN;
            if (!format.IsSnapshot && double.IsNaN(spotPrice)) throw new HistoryFormatException(file, lineNumber, $"'{format.SpotColumn}' is empty: a change row needs a price");
            if (!series.TryGetValue((where, what), out var builder))
            {
                string region = where;
                string? zone = null;
                if (format.LocationIsZone)
                {
                    if (where.Length < 2 || !char.IsAsciiLetterLower(where[^1]) || !char.IsAsciiDigit(where[^2]))
                    {
                        throw new HistoryFormatException(file, lineNumber, $"'{where}' in '{format.LocationColumn}' is not a zone (a region and a letter, e.g. us-east-1a)");
                    }

                    region = where[..^1];
                    zone = where;
                }

                series[(where, what)] = builder = new Builder(region, zone, what);
            }

            if (builder.Ticks.Count > 0)
            {
                long previous = builder.Ticks[^1];
                if (ticks < previous)
                {
                    throw new HistoryFormatException(file, lineNumber,
                        $"rows out of time order: {Iso(ticks)} for {what} in {where} comes after {Iso(previous)} (line {builder.LastLine}); sort the file by time");
                }

                if (ticks == previous)
                {
                    throw new HistoryFormatException(file, lineNumber,
                        $"overlapping rows: {what} in {where} at {Iso(ticks)} is also on line {builder.LastLine}; keep one row per market and time");
                }
            }

            builder.Ticks.Add(ticks);
            builder.Spot.Add(spotPrice);
            builder.OnDemand.Add(onDemandPrice);
            builder.LastLine = lineNumber;
            first = Math.Min(first, ticks);
            last = Math.Max(last, ticks);
        }

        if (series.Count == 0) throw new HistoryFormatException(file, null, "has a header but no rows");
        var markets = series.Values
            .OrderBy(b => b.Region, StringComparer.Ordinal).ThenBy(b => b.Zone, StringComparer.Ordinal).ThenBy(b => b.Type, StringComparer.Ordinal)
            .Select(b => new MarketHistory(format.Cloud, b.Region, b.Zone, b.Type, [.. b.Ticks], [.. b.Spot], [.. b.OnDemand]))
            .ToList();
        return new PriceHistoryFile(file, format, markets, new DateTimeOffset(first, TimeSpan.Zero), new DateTimeOffset(last, TimeSpan.Zero), zeros);
    }

    /// <summary>
    /// Reads one trace. The file name is <c>{zone}_{kind}.json</c> (kind: v100_1, v100_8, k80_1, k80_8, intel_64, or
    /// an instance type); the folder name is <c>{cloud}-{MM}-{DD}-{YYYY}</c>, the date the first sample was taken (UTC midnight).
    /// </summary>
    public static AvailabilityTrace ReadTrace(string file)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(file);
        var split = name.IndexOf('_');
        var zone = split > 0 ? name[..split] : "";
        if (zone.Length < 2 || !char.IsAsciiLetterLower(zone[^1]) || !char.IsAsciiDigit(zone[^2]))
        {
            throw new HistoryFormatException(file, null, "a trace's file name is {zone}_{kind}.json, e.g. us-east-1a_v100_1.json");
        }

        var kind = name[(split + 1)..];
        var instanceType = InstanceTypeOfTraceKind(kind) ?? kind;
        var folder = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(file)) ?? "";
        var parts = folder.Split('-', 2);
        if (parts.Length != 2 || !Enum.TryParse<CloudKind>(parts[0], ignoreCase: true, out var cloud)
            || !DateTime.TryParseExact(parts[1], "MM-dd-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            throw new HistoryFormatException(file, null, $"a trace's folder is named {{cloud}}-{{MM}}-{{DD}}-{{YYYY}} (e.g. aws-02-15-2023, the day its first sample was taken); got '{folder}'");
        }

        int gap;
        bool[] up;
        double[]? prices = null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object
                || !metadata.TryGetProperty("gap_seconds", out var gapElement) || gapElement.ValueKind != JsonValueKind.Number
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                throw new HistoryFormatException(file, 1, "not a trace: expected {\"metadata\": {\"gap_seconds\": N}, \"data\": [0 or 1, ...]}");
            }

            var unknown = root.EnumerateObject().Select(p => p.Name).Where(n => n is not ("metadata" or "data" or "prices")).ToList();
            if (unknown.Count > 0) throw new HistoryFormatException(file, 1, $"unknown properties {string.Join(", ", unknown)}; a trace has metadata, data and (optionally) prices");
            gap = (int)Math.Round(gapElement.GetDouble());
            if (gap <= 0) throw new HistoryFormatException(file, 1, $"gap_seconds is {gapElement.GetRawText()}; it must be a positive number of seconds");
            up = new bool[data.GetArrayLength()];
            if (up.Length == 0) throw new HistoryFormatException(file, 1, "data is empty");
            int i = 0;
            foreach (var sample in data.EnumerateArray())
            {
                if (sample.ValueKind != JsonValueKind.Number || !sample.TryGetDouble(out var value) || value < 0)
                {
                    throw new HistoryFormatException(file, 1, $"data[{i}] is {sample.GetRawText()}; a sample is the number of instances up (0 or more)");
                }

                up[i++] = value > 0;
            }

            if (root.TryGetProperty("prices", out var priceArray))
            {
                if (priceArray.ValueKind != JsonValueKind.Array || priceArray.GetArrayLength() != up.Length)
                {
                    throw new HistoryFormatException(file, 1, $"prices must be a list with one spot price per sample ({up.Length}, as data)");
                }

                prices = new double[up.Length];
                i = 0;
                foreach (var sample in priceArray.EnumerateArray())
                {
                    if (sample.ValueKind != JsonValueKind.Number || !sample.TryGetDouble(out var value) || !(value > 0) || !double.IsFinite(value))
                    {
                        throw new HistoryFormatException(file, 1, $"prices[{i}] is {sample.GetRawText()}; a price must be greater than 0");
                    }

                    prices[i++] = value;
                }
            }
        }
        catch (JsonException e)
        {
            throw new HistoryFormatException(file, (int)(e.LineNumber ?? 0) + 1, $"not valid JSON: {e.Message}");
        }

        return new AvailabilityTrace(file, cloud, zone[..^1], zone, instanceType, new DateTimeOffset(date, TimeSpan.Zero), gap, up, prices);
    }

    /// <summary>The instance types of the NSDI'24 trace kinds (V100 x1/x8 = p3.2xlarge/p3.16xlarge, K80 x1/x8 = p2, intel_64 = r5.16xlarge).</summary>
    public static string? InstanceTypeOfTraceKind(string kind) => kind switch
    {
        "v100_1" => "p3.2xlarge",
        "v100_8" => "p3.16xlarge",
        "k80_1" => "p2.xlarge",
        "k80_8" => "p2.8xlarge",
        "intel_64" => "r5.16xlarge",
        _ => null,
    };

    private static TextReader OpenText(string file)
    {
        Stream stream = File.OpenRead(file);
        if (file.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) stream = new GZipStream(stream, CompressionMode.Decompress);
        return new StreamReader(stream);
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>(6);
        int start = 0;
        bool quoted = false;
        for (int i = 0; i <= line.Length; i++)
        {
            if (i < line.Length && line[i] == '"') quoted = !quoted;
            else if (i == line.Length || (line[i] == ',' && !quoted))
            {
                fields.Add(line[start..i].Trim().Trim('"'));
                start = i + 1;
            }
        }

        return fields;
    }

    private static long ParseTime(string text, string file, int line, string column) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time.UtcTicks
            : throw new HistoryFormatException(file, line, $"'{text}' in '{column}' is not a time (ISO 8601, e.g. 2021-03-02T01:39:04Z)");

    /// <summary>
    /// A price per hour; NaN for an empty field. A price ≤ 0 is an error, except a 0 in a snapshot file, which the
    /// snapshot sources use for "not offered here at this time" and is read as empty (counted in <paramref name="zeros"/>).
    /// </summary>
    private static double ParsePrice(string text, string file, int line, string column, bool snapshot, ref int zeros)
    {
        if (text.Length == 0) return double.NaN;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var price) || !double.IsFinite(price))
        {
            throw new HistoryFormatException(file, line, $"'{text}' in '{column}' is not a price");
        }

        if (price == 0 && snapshot)
        {
            zeros++;
            return double.NaN;
        }

        return price > 0 ? price : throw new HistoryFormatException(file, line, $"price {text} in '{column}' must be greater than 0");
    }

    private static string Iso(long ticks) => new DateTimeOffset(ticks, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
