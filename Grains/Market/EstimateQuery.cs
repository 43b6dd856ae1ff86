namespace Arbitrage.Orleans.Grains.Market;

/// <summary>Requirements checked against the book and turned into what the scan compares (indexes, price units).</summary>
internal sealed record EstimateQuery(
    int MinCpu,
    float MinMemoryGb,
    int GpuCount,
    int GpuType,
    bool[]? Providers,
    bool[]? Regions,
    long MaxPrice,
    double MaxInterruptionRate,
    bool AllowSpot,
    bool AllowOnDemand,
    int Alternatives,
    IReadOnlySet<string>? InstanceTypes = null,
    IReadOnlySet<string>? Zones = null)
{
    public static EstimateQuery From(PlacementRequirements r, OfferBook book, int alternatives)
    {
        if (r.MinCpu < 1) throw new PlacementValidationException("minCPU", $"minCPU must be at least 1; got {r.MinCpu}.");
        if (!(r.MinMemoryGb > 0) || double.IsInfinity(r.MinMemoryGb)) throw new PlacementValidationException("minMemoryGB", $"minMemoryGB must be a positive number; got {r.MinMemoryGb}.");
        if (r.GpuCount < 0) throw new PlacementValidationException("gpuCount", $"gpuCount cannot be negative; got {r.GpuCount}.");
        if (r.MaxPricePerHour is <= 0) throw new PlacementValidationException("maxPricePerHour", $"maxPricePerHour must be positive; got {r.MaxPricePerHour}.");
        if (r.MaxInterruptionRate is { } rate && (double.IsNaN(rate) || rate < 0 || rate > 1))
        {
            throw new PlacementValidationException("maxInterruptionRate", $"maxInterruptionRate must be between 0 and 1; got {rate}.");
        }

        if (!r.AllowSpot && !r.AllowOnDemand) throw new PlacementValidationException("allowSpot", "At least one of allowSpot and allowOnDemand must be true.");

        int gpuType = -1;
        if (r.GpuType is { } name)
        {
            if (!book.GpuTypeByName.TryGetValue(name, out gpuType))
            {
                throw new PlacementValidationException("gpuType", $"Unknown gpuType '{name}'; known types: {string.Join(", ", book.GpuTypes)}.");
            }
        }

        return new EstimateQuery(
            r.MinCpu,
            (float)r.MinMemoryGb,
            // A GPU type without a count asks for at least one.
            Math.Max(r.GpuCount, gpuType >= 0 ? 1 : 0),
            gpuType,
            ProviderMask(book, r.Providers, "providers"),
            RegionMask(book, r.PreferredRegions, "preferredRegions"),
            r.MaxPricePerHour is { } max ? OfferBook.ToUnits(max) : long.MaxValue,
            r.MaxInterruptionRate ?? 1,
            r.AllowSpot,
            r.AllowOnDemand,
            alternatives,
            r.InstanceTypes is { Count: > 0 } types ? types.ToHashSet(StringComparer.OrdinalIgnoreCase) : null,
            ZoneSet(book, r.Zones));
    }

    /// <summary>
    /// Availability zones by the zone ID the offer book keys them by (<c>use1-az4</c>, <c>us-central1-a</c>) or by the
    /// name an account gives the zone (AWS <c>us-east-1a</c>, mapped to its ID); null when not filtered. An unknown zone
    /// is refused, naming it and its place in the list (<c>zones[1]</c>).
    /// </summary>
    public static IReadOnlySet<string>? ZoneSet(OfferBook book, IReadOnlyList<string>? zones)
    {
        if (zones is not { Count: > 0 }) return null;
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < zones.Count; i++)
        {
            string zone = zones[i];
            if (book.Zones.Contains(zone)) set.Add(zone);
            else if (book.ZoneNames.TryGetValue(zone, out var ids) && ids.Count > 0) set.UnionWith(ids);
            else throw new PlacementValidationException($"zones[{i}]", $"Unknown zone '{zone}': no market of the offer book is in it (give a zone ID such as use1-az4 or an AWS zone name such as us-east-1a).");
        }

        return set;
    }

    /// <summary>Providers by name (<c>sim-aws</c>) or by cloud (<c>aws</c>); null when not filtered.</summary>
    public static bool[]? ProviderMask(OfferBook book, IReadOnlyList<string>? names, string field)
    {
        if (names is null || names.Count == 0) return null;
        var mask = new bool[book.Providers.Count];
        foreach (var name in names)
        {
            var matches = book.Providers.Where(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase) || p.CloudName.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (matches.Count == 0)
            {
                throw new PlacementValidationException(field,
                    $"Unknown provider '{name}'; known providers: {string.Join(", ", book.Providers.Select(p => p.Name))} (or a cloud: aws, azure, gcp).");
            }

            foreach (var p in matches) mask[p.Index] = true;
        }

        return mask;
    }

    public static bool[]? RegionMask(OfferBook book, IReadOnlyList<string>? names, string field)
    {
        if (names is null || names.Count == 0) return null;
        var mask = new bool[book.Regions.Count];
        foreach (var name in names)
        {
            if (!book.RegionByName.TryGetValue(name, out int region))
            {
                throw new PlacementValidationException(field, $"Unknown region '{name}'; GET /v1/pricing/current lists the regions offered.");
            }

            mask[region] = true;
        }

        return mask;
    }
}

/// <summary>One offer that passed every constraint: a market, spot or on-demand, and its expected cost (price units per useful hour).</summary>
internal readonly record struct Candidate(double Cost, int Market, bool IsSpot);

/// <summary>
/// The best few candidates, cheapest first. Every spot zone is its own choice (its own price and its own capacity: when
/// one zone has none or takes the instance back, a launch in the next zone of the region may succeed), while on-demand,
/// priced per region, appears once per provider, region and instance type (at its first zone), so the same on-demand
/// offer in six zones does not crowd out the alternatives.
/// </summary>
internal sealed class TopOffers(int capacity)
{
    private readonly Candidate[] _items = new Candidate[Math.Max(1, capacity)];
    private int _count;

    public void Offer(double cost, int market, bool isSpot, MarketColumns m)
    {
        if (_count == _items.Length && cost >= _items[_count - 1].Cost) return;

        // The same on-demand offer in another zone of the region: keep the cheaper one.
        for (int j = 0; j < _count && !isSpot; j++)
        {
            int other = _items[j].Market;
            if (!_items[j].IsSpot && m.Provider[other] == m.Provider[market] && m.Region[other] == m.Region[market]
                && string.Equals(m.InstanceType[other], m.InstanceType[market], StringComparison.Ordinal))
            {
                if (cost >= _items[j].Cost) return;
                Array.Copy(_items, j + 1, _items, j, _count - j - 1);
                _count--;
                break;
            }
        }

        int at = _count == _items.Length ? _count - 1 : _count++;
        while (at > 0 && _items[at - 1].Cost > cost)
        {
            _items[at] = _items[at - 1];
            at--;
        }

        _items[at] = new Candidate(cost, market, isSpot);
    }

    /// <summary>The cost an offer must be under to be kept (the last kept one's once full).</summary>
    public double Bound => _count == _items.Length ? _items[_count - 1].Cost : double.PositiveInfinity;

    public IEnumerable<Candidate> Ranked() => _items.Take(_count);
}
