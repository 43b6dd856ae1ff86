using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Catalog;

namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>
/// The bundled instance catalog (the silo's data/market) as the backtest uses it: the shape (vCPUs, memory, GPUs),
/// on-demand and catalog spot price, interruption rate and availability score of an instance type in a region or
/// zone. AWS zone letters (us-east-1a) map to the catalog's zone IDs as the simulated clouds map them.
/// </summary>
public sealed class CatalogIndex
{
    private readonly MarketDataSet _data;
    private readonly Dictionary<(CloudKind, string Region, string Type), int> _byRegion = [];

    public CatalogIndex(MarketDataSet data)
    {
        _data = data;
        foreach (var cloud in Enum.GetValues<CloudKind>())
        {
            var offers = data[cloud].Offers;
            for (int i = 0; i < offers.Count; i++)
            {
                var key = (cloud, offers[i].Region, offers[i].InstanceType);
                // The region's offer with an on-demand price wins, as in BundledCatalog.
                if (!_byRegion.TryGetValue(key, out var existing) || (offers[existing].OnDemandPricePerHour is null && offers[i].OnDemandPricePerHour is not null)) _byRegion[key] = i;
            }
        }
    }

    public string Directory => _data.Directory;

    public static CatalogIndex Load(string directory) => new(MarketDataSet.Load(directory));

    /// <summary>The catalog offer of a type in a zone (AWS letter zone) or, failing that, anywhere in its region.</summary>
    public CatalogOffer? Find(CloudKind cloud, string region, string? zone, string instanceType)
    {
        var catalog = _data[cloud];
        if (zone is not null && catalog.TryMapZoneLetter(region, zone[^1], out var zoneId) && catalog.TryFindOffer(region, zoneId, instanceType, out var exact))
        {
            return Describe(catalog, exact);
        }

        return _byRegion.TryGetValue((cloud, region, instanceType), out var index) ? Describe(catalog, index) : null;
    }

    private static CatalogOffer Describe(CloudCatalog catalog, int index) =>
        new(catalog.Offers[index], catalog.CatalogSpotPrice(index) is { } spot ? (double)spot : null);
}

/// <summary>A catalog offer with its catalog spot price (null when it has no spot market).</summary>
public sealed record CatalogOffer(InstanceTypeOffer Offer, double? SpotPrice)
{
    public double? OnDemandPrice => Offer.OnDemandPricePerHour is { } p && p > 0 ? (double)p : null;
}
