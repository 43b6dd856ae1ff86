namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// The bundled catalog of one cloud without its price histories and traces: what a real adapter joins with the
/// cloud's own answers (the cloud's APIs give shapes and spot prices, but not on-demand prices nor the Spot
/// Advisor's interruption rates). Offers are keyed by region, zone and instance type, and by region and type.
/// </summary>
public sealed class BundledCatalog
{
    private readonly Dictionary<(string Region, string Zone, string Type), InstanceTypeOffer> _byZone = [];
    private readonly Dictionary<(string Region, string Type), InstanceTypeOffer> _byRegion = [];

    private BundledCatalog(IEnumerable<InstanceTypeOffer> offers)
    {
        foreach (var offer in offers)
        {
            _byZone.TryAdd((offer.Region, offer.Zone, offer.InstanceType), offer);
            if (offer.OnDemandPricePerHour is not null || !_byRegion.ContainsKey((offer.Region, offer.InstanceType))) _byRegion[(offer.Region, offer.InstanceType)] = offer;
        }
    }

    /// <summary>An empty catalog (no on-demand prices; default interruption figures).</summary>
    public static BundledCatalog Empty { get; } = new([]);

    /// <summary>Loads the AWS catalog (catalog/aws_vms.csv with the Spot Advisor and SpotLake figures) from a market data directory.</summary>
    public static BundledCatalog LoadAws(string directory)
    {
        var files = MarketDataFiles.Open(directory);
        var pool = new StringPool();
        return new BundledCatalog(AwsCatalogLoader.Load(files, pool, AwsInterruptionData.Load(files, pool)).Offers);
    }

    /// <summary>The offer of the type in the zone (zone IDs for AWS, e.g. use1-az4), or null.</summary>
    public InstanceTypeOffer? Find(string region, string zone, string instanceType) => _byZone.GetValueOrDefault((region, zone, instanceType));

    /// <summary>An offer of the type anywhere in the region (the on-demand price is the region's), or null.</summary>
    public InstanceTypeOffer? FindInRegion(string region, string instanceType) => _byRegion.GetValueOrDefault((region, instanceType));
}
