using System.Collections.Frozen;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>Collects every provider's markets (from its adapter's catalog), then lays them out as an <see cref="OfferBook"/>.</summary>
public sealed class OfferBookBuilder
{
    private readonly List<BookProvider> _providers = [];
    private readonly List<(int Provider, InstanceTypeOffer Offer)> _offers = [];
    private readonly Dictionary<(int Provider, string Region, string Zone, string Type), SpotPrice> _spot = [];
    private readonly Dictionary<(int Provider, string Region, string Zone, string Type), double> _observedHazard = [];
    private readonly Dictionary<string, HashSet<string>> _zoneNames = new(StringComparer.OrdinalIgnoreCase);

    public BookProvider AddProvider(string name, CloudKind cloud)
    {
        var provider = new BookProvider(_providers.Count, name, cloud);
        _providers.Add(provider);
        return provider;
    }

    public void AddOffers(BookProvider provider, IEnumerable<InstanceTypeOffer> offers)
    {
        foreach (var offer in offers) _offers.Add((provider.Index, offer));
    }

    /// <summary>
    /// The names a provider's account gives its zones in a region (AWS <c>us-east-1a</c>), mapped to the zone IDs its
    /// offers carry (<c>use1-az4</c>): a placement may then name a zone either way.
    /// </summary>
    public void AddZoneNames(CloudRegion region)
    {
        foreach (var (name, zone) in region.ZoneNames ?? new Dictionary<string, string>())
        {
            if (!_zoneNames.TryGetValue(name, out var zones)) _zoneNames[name] = zones = new HashSet<string>(StringComparer.Ordinal);
            zones.Add(zone);
        }
    }

    public void AddSpotPrices(BookProvider provider, IEnumerable<SpotPrice> prices)
    {
        foreach (var price in prices) _spot[(provider.Index, price.Region, price.Zone, price.InstanceType)] = price;
    }

    /// <summary>
    /// Sets a market's interruption hazard (interruptions per hour) from what was observed on it, in place of the one
    /// derived from its catalog's monthly rate. The catalog's rate is a fraction of instances interrupted per month and
    /// is capped below 1 (hazard ≤ about 0.0096/h); an observed hazard (e.g. a V100 zone taking instances back every few
    /// hours) is not, so it ranks as it was seen.
    /// </summary>
    public void SetObservedHazard(BookProvider provider, string region, string zone, string instanceType, double hazardPerHour)
    {
        if (!(hazardPerHour >= 0) || double.IsInfinity(hazardPerHour)) throw new ArgumentOutOfRangeException(nameof(hazardPerHour), hazardPerHour, "A hazard is zero or a positive number of interruptions per hour.");
        _observedHazard[(provider.Index, region, zone, instanceType)] = hazardPerHour;
    }

    public OfferBook Build()
    {
        var regions = _offers.Select(o => o.Offer.Region).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var regionIndex = regions.Select((r, i) => (r, i)).ToDictionary(x => x.r, x => x.i, StringComparer.Ordinal);
        var gpuTypes = _offers.Where(o => o.Offer.GpuType is not null).Select(o => GpuNames.Normalize(o.Offer.GpuType!))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var gpuIndex = gpuTypes.Select((g, i) => (g, i)).ToDictionary(x => x.g, x => x.i, StringComparer.Ordinal);

        // Grouped by provider and region so a page of current prices reads in a natural order.
        var ordered = _offers
            .OrderBy(o => o.Provider).ThenBy(o => o.Offer.Region, StringComparer.Ordinal)
            .ThenBy(o => o.Offer.InstanceType, StringComparer.Ordinal).ThenBy(o => o.Offer.Zone, StringComparer.Ordinal)
            .ToList();
        var markets = new MarketColumns(ordered.Count);
        var index = new Dictionary<MarketKey, int>(ordered.Count);
        for (int i = 0; i < ordered.Count; i++)
        {
            var (provider, offer) = ordered[i];
            markets.Provider[i] = provider;
            markets.Region[i] = regionIndex[offer.Region];
            markets.Zone[i] = offer.Zone;
            markets.InstanceType[i] = offer.InstanceType;
            markets.VCpus[i] = offer.VCpus;
            markets.MemoryGb[i] = (float)offer.MemoryGiB;
            markets.GpuType[i] = offer.GpuType is null ? -1 : gpuIndex[GpuNames.Normalize(offer.GpuType)];
            markets.GpuCount[i] = offer.GpuCount;
            markets.OnDemand[i] = offer.OnDemandPricePerHour is { } od && od > 0 ? OfferBook.ToUnits(od) : OfferBook.NoPrice;
            markets.Availability[i] = offer.AvailabilityScore;
            markets.Spot[i] = OfferBook.NoPrice;
            markets.InterruptionRate[i] = offer.InterruptionRate;
            markets.HazardPerHour[i] = MarketColumns.Hazard(offer.InterruptionRate);
            if (offer.SpotAvailable && _spot.TryGetValue((provider, offer.Region, offer.Zone, offer.InstanceType), out var spot) && spot.PricePerHour > 0)
            {
                markets.SetSpot(i, OfferBook.ToUnits(spot.PricePerHour), offer.InterruptionRate, spot.Timestamp);
            }

            if (_observedHazard.TryGetValue((provider, offer.Region, offer.Zone, offer.InstanceType), out double hazard))
            {
                markets.HazardPerHour[i] = hazard;
                markets.InterruptionRate[i] = 1 - Math.Exp(-hazard * 720);
            }

            // A duplicate row in a catalog keeps the first market.
            index.TryAdd(new MarketKey(provider, markets.Region[i], offer.Zone, offer.InstanceType), i);
        }

        // A name that is also a zone ID of the book is that zone.
        var zoneIds = markets.Zone.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var zoneNames = _zoneNames.Where(n => !zoneIds.Contains(n.Key))
            .ToFrozenDictionary(n => n.Key, n => (IReadOnlyList<string>)n.Value.Where(zoneIds.Contains).Order(StringComparer.Ordinal).ToArray(), StringComparer.OrdinalIgnoreCase);
        return new OfferBook(_providers.ToList(), regions, gpuTypes, markets, index.ToFrozenDictionary(), zoneNames);
    }
}
