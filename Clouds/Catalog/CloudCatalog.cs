using Arbitrage.Orleans.Clouds.Simulated;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// The offers of one cloud as loaded from the market data, with their regions and zones, the catalog spot price of
/// each offer, its interruption hazard, its availability trace (where a real one exists) and its price replay.
/// Immutable and shared by every simulated cloud built on the same <see cref="MarketDataSet"/>.
/// </summary>
public sealed class CloudCatalog
{
    private readonly InstanceTypeOffer[] _offers;
    private readonly decimal?[] _spotPrices;
    private readonly double[] _hourlyHazards;
    private readonly Dictionary<string, RegionOffers> _regions;
    private readonly IReadOnlyList<CloudRegion> _regionList;
    private readonly Dictionary<int, AvailabilityTrace> _availabilityTraces = [];

    internal CloudCatalog(
        CloudKind cloud,
        OfferTable table,
        IReadOnlyDictionary<(string Location, string Type), PriceSeries> history,
        IReadOnlyList<AvailabilityTrace> availabilityTraces)
    {
        Cloud = cloud;
        _offers = [.. table.Offers];
        _spotPrices = [.. table.SpotPrices];
        _hourlyHazards = [.. table.HourlyHazards];

        var byRegion = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < _offers.Length; i++)
        {
            if (!byRegion.TryGetValue(_offers[i].Region, out var list)) byRegion[_offers[i].Region] = list = [];
            list.Add(i);
        }

        _regions = new Dictionary<string, RegionOffers>(byRegion.Count, StringComparer.Ordinal);
        foreach (var (name, indices) in byRegion) _regions[name] = new RegionOffers(name, _offers, indices);
        _regionList = Array.AsReadOnly(_regions.Values.Select(r => cloud == CloudKind.Aws ? r.Region with { ZoneNames = ZoneLetterNames(r) } : r.Region)
            .OrderBy(r => r.Name, StringComparer.Ordinal).ToArray());
        OffersView = Array.AsReadOnly(_offers);

        foreach (var trace in availabilityTraces)
        {
            if (TryMapZoneLetter(trace.Region, trace.ZoneLetter, out var zone) && TryFindOffer(trace.Region, zone, trace.InstanceType, out var index))
            {
                _availabilityTraces[index] = trace;
            }
        }

        Prices = PriceReplay.Build(this, history);
    }

    public CloudKind Cloud { get; }

    /// <summary>Every offer of the cloud, in catalog order; an offer's index here identifies its market.</summary>
    public IReadOnlyList<InstanceTypeOffer> Offers => OffersView;

    /// <summary>Regions sorted by name, each with its zones sorted by name.</summary>
    public IReadOnlyList<CloudRegion> Regions => _regionList;

    /// <summary>How the spot price of each market moves.</summary>
    public PriceReplay Prices { get; }

    /// <summary>Offers with a spot market.</summary>
    public int SpotOfferCount => _offers.Count(static o => o.SpotAvailable);

    /// <summary>Markets whose spot capacity follows a real availability trace.</summary>
    public int TracedMarketCount => _availabilityTraces.Count;

    /// <summary>The spot price the catalog lists for the offer (null when it has no spot market).</summary>
    public decimal? CatalogSpotPrice(int offerIndex) => _spotPrices[offerIndex];

    /// <summary>The offer's spot interruption hazard per hour (0 when it has no spot market).</summary>
    public double HourlyHazard(int offerIndex) => _hourlyHazards[offerIndex];

    public bool HasRegion(string region) => _regions.ContainsKey(region);

    /// <summary>The offers of a region (empty for an unknown region).</summary>
    public IReadOnlyList<InstanceTypeOffer> OffersIn(string region) => _regions.TryGetValue(region, out var r) ? r.Offers : [];

    public bool TryFindOffer(string region, string zone, string instanceType, out int offerIndex)
    {
        offerIndex = -1;
        return _regions.TryGetValue(region, out var r) && r.TryFind(zone, instanceType, out offerIndex);
    }

    /// <summary>
    /// The catalog zone of a zone letter as an account names it (us-east-1 + 'c'): the letter's index (a = 0) into
    /// the region's zone IDs sorted by name. AWS maps letters to zone IDs per account; this is the simulation's fixed map.
    /// </summary>
    public bool TryMapZoneLetter(string region, char letter, out string zone)
    {
        zone = string.Empty;
        if (!_regions.TryGetValue(region, out var r)) return false;
        var index = letter - 'a';
        if (index < 0 || index >= r.Zones.Length) return false;
        zone = r.Zones[index];
        return true;
    }

    /// <summary>The zone names of an AWS region by the simulation's fixed letter map (us-east-1a → the first zone ID by name).</summary>
    private static Dictionary<string, string> ZoneLetterNames(RegionOffers region) =>
        region.Zones.Take(26).Select((zone, i) => (Name: $"{region.Name}{(char)('a' + i)}", Zone: zone)).ToDictionary(x => x.Name, x => x.Zone, StringComparer.Ordinal);

    private IReadOnlyList<InstanceTypeOffer> OffersView { get; }

    internal InstanceTypeOffer OfferAt(int offerIndex) => _offers[offerIndex];

    internal RegionOffers? Region(string region) => _regions.GetValueOrDefault(region);

    internal AvailabilityTrace? AvailabilityTraceOf(int offerIndex) => _availabilityTraces.GetValueOrDefault(offerIndex);
}
