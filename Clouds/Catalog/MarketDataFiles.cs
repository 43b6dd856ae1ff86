using System.IO.Compression;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>The files of the market data directory (see its README.md) and how to open them.</summary>
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
                $"The market data directory '{full}' does not exist. Set the simulated clouds' DataDirectory to the folder holding catalog/, interruption/, prices/ and traces/ (by default ../shared/data relative to the repository root).");
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

    /// <summary>The full path of a file of the data set; throws naming the directory and the file when it is missing.</summary>
    public string PathOf(string relative)
    {
        var path = Path.Combine(Directory, relative);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The market data directory '{Directory}' has no file '{relative}' (looked for '{path}').", path);
    }

    /// <summary>The price history file matching <paramref name="pattern"/> in prices/ (the first by name if several).</summary>
    public string PriceHistory(string pattern)
    {
        var folder = Path.Combine(Directory, PricesFolder);
        var matches = System.IO.Directory.Exists(folder) ? System.IO.Directory.GetFiles(folder, pattern) : [];
        if (matches.Length == 0)
        {
            throw new FileNotFoundException($"The market data directory '{Directory}' has no file '{PricesFolder}/{pattern}'.", Path.Combine(folder, pattern));
        }

        Array.Sort(matches, StringComparer.Ordinal);
        return matches[0];
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
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllText(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, bufferSize: 1 << 16);
        return reader.ReadToEnd();
    }
}
