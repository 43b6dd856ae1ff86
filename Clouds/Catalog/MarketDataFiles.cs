using System.IO.Compression;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// The files of the market data directory (see its README.md; the repository ships one in data/market) and how to
/// open them. Any CSV or JSON file may be stored gzip-compressed as <c>name.gz</c>: <see cref="PathOf"/> and
/// <see cref="PriceHistory"/> find either name (the plain one when both exist) and <see cref="ReadText"/> and
/// <see cref="OpenRead"/> decompress .gz files. Trace files are read as plain <c>*.json</c> only.
/// </summary>
internal sealed class MarketDataFiles
{
    public const string AwsCatalog = "catalog/aws_vms.csv";
    public const string AzureCatalog = "catalog/azure_vms.csv";
    public const string GcpCatalog = "catalog/gcp_vms.csv";
    public const string AwsSpotAdvisor = "interruption/aws_spot_advisor.json";
    public const string AwsSpotLake = "interruption/aws_spotlake_2022-07-12.csv";
    public const string AwsPriceHistoryPattern = "aws_us-east-1_spot_*.csv.gz";
    public const string GcpPriceHistoryPattern = "gcp_spot_ondemand_weekly_*.csv.gz";
    public const string AzurePriceHistoryPattern = "azure_spot_ondemand_*.csv";
    public const string PricesFolder = "prices";
    public const string PreemptionTraces = "traces/preemption/1-node";
    public const string AvailabilityTraces = "traces/availability/1-node";

    /// <summary>The name suffix of a gzip-compressed copy of a data file.</summary>
    private const string GzipSuffix = ".gz";

    private MarketDataFiles(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Checks that the directory and every file the data set needs exist, naming the first one missing.</summary>
    public static MarketDataFiles Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            throw new DirectoryNotFoundException(
                $"The market data directory '{full}' does not exist. Set the simulated clouds' DataDirectory to the folder holding catalog/, interruption/, prices/ and traces/ (by default data/market relative to the repository root).");
        }

        var files = new MarketDataFiles(full);
        foreach (var file in new[] { AwsCatalog, AzureCatalog, GcpCatalog, AwsSpotAdvisor, AwsSpotLake }) files.PathOf(file);
        files.PriceHistory(AwsPriceHistoryPattern);
        files.PriceHistory(GcpPriceHistoryPattern);
        files.PriceHistory(AzurePriceHistoryPattern);
        files.TraceFolder(PreemptionTraces);
        files.TraceFolder(AvailabilityTraces);
        return files;
    }

    /// <summary>
    /// The full path of a file of the data set: <paramref name="relative"/> itself or, when only that exists, its
    /// gzip-compressed copy <c>relative.gz</c>. Throws naming the directory and the file when both are missing.
    /// </summary>
    public string PathOf(string relative)
    {
        var path = Path.Combine(Directory, relative);
        if (File.Exists(path)) return path;
        var compressed = path + GzipSuffix;
        if (File.Exists(compressed)) return compressed;
        throw new FileNotFoundException(
            $"The market data directory '{Directory}' has no file '{relative}' nor '{relative}{GzipSuffix}' (looked for '{path}' and '{compressed}').", path);
    }

    /// <summary>
    /// The price history file matching <paramref name="pattern"/> in prices/, plain or gzip-compressed whichever the
    /// pattern names (the first by name, without .gz, if several; the plain file when both exist).
    /// </summary>
    public string PriceHistory(string pattern)
    {
        var folder = Path.Combine(Directory, PricesFolder);
        var plainPattern = IsCompressed(pattern) ? pattern[..^GzipSuffix.Length] : pattern;
        string[] matches = System.IO.Directory.Exists(folder)
            ? [
                .. System.IO.Directory.GetFiles(folder, plainPattern).Where(path => !IsCompressed(path)),
                .. System.IO.Directory.GetFiles(folder, plainPattern + GzipSuffix).Where(IsCompressed),
            ]
            : [];
        if (matches.Length == 0)
        {
            throw new FileNotFoundException(
                $"The market data directory '{Directory}' has no file '{PricesFolder}/{plainPattern}' nor '{PricesFolder}/{plainPattern}{GzipSuffix}'.",
                Path.Combine(folder, pattern));
        }

        return matches
            .OrderBy(path => IsCompressed(path) ? path[..^GzipSuffix.Length] : path, StringComparer.Ordinal)
            .ThenBy(IsCompressed)
            .First();
    }

    /// <summary>The trace JSON files under <paramref name="relative"/>, sorted by path.</summary>
    public string[] TraceFolder(string relative)
    {
        var folder = Path.Combine(Directory, relative);
        if (!System.IO.Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"The market data directory '{Directory}' has no folder '{relative}'.");
        }

        var files = System.IO.Directory.GetFiles(folder, "*.json", SearchOption.AllDirectories);
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    /// <summary>The whole text of a file, decompressing .gz files.</summary>
    public static string ReadText(string path)
    {
        if (!IsCompressed(path)) return File.ReadAllText(path);
        using var reader = new StreamReader(OpenRead(path), bufferSize: 1 << 16);
        return reader.ReadToEnd();
    }

    /// <summary>A stream of a file's content, decompressing .gz files; the caller disposes it.</summary>
    public static Stream OpenRead(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return IsCompressed(path) ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }

    private static bool IsCompressed(string path) => path.EndsWith(GzipSuffix, StringComparison.OrdinalIgnoreCase);
}
