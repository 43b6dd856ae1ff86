namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>The offers of one region with lookups by zone and instance type (indices into the cloud's offers).</summary>
internal sealed class RegionOffers
{
    private readonly Dictionary<(string Zone, string Type), int> _byZoneAndType;
    private readonly HashSet<string> _zones;

    public RegionOffers(string name, IReadOnlyList<InstanceTypeOffer> allOffers, List<int> indices)
    {
        Name = name;
        OfferIndices = [.. indices];
        var offers = new InstanceTypeOffer[OfferIndices.Length];
        _byZoneAndType = new Dictionary<(string, string), int>(OfferIndices.Length);
        _zones = new HashSet<string>(StringComparer.Ordinal);
        var spot = new List<int>(OfferIndices.Length);
        for (var i = 0; i < OfferIndices.Length; i++)
        {
            var offer = allOffers[OfferIndices[i]];
            offers[i] = offer;
            _zones.Add(offer.Zone);
            _byZoneAndType.TryAdd((offer.Zone, offer.InstanceType), OfferIndices[i]);
            if (offer.SpotAvailable) spot.Add(OfferIndices[i]);
        }

        Offers = Array.AsReadOnly(offers);
        SpotOfferIndices = [.. spot];
        var zones = _zones.ToArray();
        Array.Sort(zones, StringComparer.Ordinal);
        Zones = zones;
        Region = new CloudRegion(name, Array.AsReadOnly(zones));
    }

    public string Name { get; }

    /// <summary>The region's zones, sorted by name.</summary>
    public string[] Zones { get; }

    public CloudRegion Region { get; }

    public int[] OfferIndices { get; }

    public IReadOnlyList<InstanceTypeOffer> Offers { get; }

    /// <summary>Indices of the offers that have a spot market.</summary>
    public int[] SpotOfferIndices { get; }

    public bool HasZone(string zone) => _zones.Contains(zone);

    public bool TryFind(string zone, string instanceType, out int offerIndex) => _byZoneAndType.TryGetValue((zone, instanceType), out offerIndex);
}
