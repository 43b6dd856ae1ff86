using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// The real market data the simulated clouds run on (catalogs, interruption data, spot price histories, spot
/// traces), loaded once from a data directory and shared, immutable, by every simulated cloud. See
/// docs/SIMULATED_CLOUDS.md for what comes from which file.
/// </summary>
public sealed class MarketDataSet
{
    private MarketDataSet(string directory, CloudCatalog aws, CloudCatalog azure, CloudCatalog gcp, SpotTraces traces, TraceMarketFigures figures, TimeSpan loadTime)
    {
        Directory = directory;
        Aws = aws;
        Azure = azure;
        Gcp = gcp;
        GpuHourlyHazard = traces.GpuHourlyHazard;
        CpuHourlyHazard = figures.HourlyHazard(gpu: false);
        TraceCpuHourlyHazard = traces.CpuHourlyHazard;
        GpuAvailabilityScore = traces.GpuUpFraction;
        LoadTime = loadTime;
    }

    /// <summary>The full path of the directory the data came from.</summary>
    public string Directory { get; }

    public CloudCatalog Aws { get; }

    public CloudCatalog Azure { get; }

    public CloudCatalog Gcp { get; }

    /// <summary>Azure and GCP GPU spot hazard per hour: 1→0 transitions per hour up in the V100 preemption traces.</summary>
    public double GpuHourlyHazard { get; }

    /// <summary>Azure and GCP non-GPU spot hazard per hour: from the AWS Spot Advisor's mean monthly rate (see <see cref="TraceMarketFigures"/>).</summary>
    public double CpuHourlyHazard { get; }

    /// <summary>1→0 transitions per hour up in the intel/r5 preemption traces (reported, not used: a period of heavy contention).</summary>
    public double TraceCpuHourlyHazard { get; }

    /// <summary>Azure and GCP GPU availability score: the time-weighted up-fraction of the availability traces.</summary>
    public double GpuAvailabilityScore { get; }

    /// <summary>How long <see cref="Load"/> took.</summary>
    public TimeSpan LoadTime { get; }

    public int TotalOfferCount => Aws.Offers.Count + Azure.Offers.Count + Gcp.Offers.Count;

    public CloudCatalog this[CloudKind cloud] => cloud switch
    {
        CloudKind.Aws => Aws,
        CloudKind.Azure => Azure,
        CloudKind.Gcp => Gcp,
        _ => throw new ArgumentOutOfRangeException(nameof(cloud), cloud, "Unknown cloud."),
    };

    /// <summary>
    /// Loads the data set from <paramref name="directory"/> (the three clouds in parallel). Throws
    /// <see cref="DirectoryNotFoundException"/> or <see cref="FileNotFoundException"/> naming the path and the
    /// missing file, <see cref="InvalidDataException"/> naming the file for malformed content.
    /// </summary>
    public static MarketDataSet Load(string directory)
    {
        var stopwatch = Stopwatch.StartNew();
        var files = MarketDataFiles.Open(directory);
        var traces = SpotTraces.Load(files);
        var interruption = AwsInterruptionData.Load(files, new StringPool());
        var figures = new TraceMarketFigures(traces, interruption.MeanAdvisorRate);
        CloudCatalog? aws = null, azure = null, gcp = null;
        try
        {
            Parallel.Invoke(
                () =>
                {
                    var pool = new StringPool();
                    aws = new CloudCatalog(CloudKind.Aws, AwsCatalogLoader.Load(files, pool, interruption), PriceHistoryLoader.LoadAws(files, pool), traces.Availability);
                },
                () =>
                {
                    var pool = new StringPool();
                    gcp = new CloudCatalog(CloudKind.Gcp, GcpCatalogLoader.Load(files, pool, figures), PriceHistoryLoader.LoadGcp(files, pool), []);
                },
                () =>
                {
                    var pool = new StringPool();
                    azure = new CloudCatalog(CloudKind.Azure, AzureCatalogLoader.Load(files, pool, figures), PriceHistoryLoader.LoadAzure(files, pool), []);
                });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        return new MarketDataSet(files.Directory, aws!, azure!, gcp!, traces, figures, stopwatch.Elapsed);
    }
}
