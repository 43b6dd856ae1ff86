using System.Globalization;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>Pages through the book's markets in its order (provider, region, instance type, zone); the cursor is the next index.</summary>
internal static class CurrentPriceReader
{
    public const int MaxLimit = 500;

    public static CurrentPricePage Read(OfferBook book, CurrentPriceQuery query)
    {
        if (query.Limit is < 1 or > MaxLimit) throw new PlacementValidationException("limit", $"limit must be between 1 and {MaxLimit}; got {query.Limit}.");
        int start = 0;
        if (query.Cursor is { Length: > 0 } cursor && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > book.MarketCount))
        {
            throw new PlacementValidationException("cursor", $"cursor '{cursor}' is not one this API returned.");
        }

        var providers = EstimateQuery.ProviderMask(book, query.Provider is null ? null : [query.Provider], "provider");
        var regions = EstimateQuery.RegionMask(book, query.Region is null ? null : [query.Region], "region");
        if (query.InstanceType is { } type && !book.InstanceTypes.Contains(type))
        {
            throw new PlacementValidationException("instanceType", $"Unknown instanceType '{type}'.");
        }

        var m = book.Markets;
        var page = new List<CurrentPrice>(Math.Min(query.Limit, 64));
        int total = 0;
        string? next = null;
        for (int i = 0; i < m.Count; i++)
        {
            if (providers is not null && !providers[m.Provider[i]]) continue;
            if (regions is not null && !regions[m.Region[i]]) continue;
            if (query.InstanceType is { } t && !t.Equals(m.InstanceType[i], StringComparison.OrdinalIgnoreCase)) continue;
            total++;
            if (i < start) continue;
            if (page.Count == query.Limit)
            {
                next ??= i.ToString(CultureInfo.InvariantCulture);
                continue;
            }

            page.Add(Describe(book, i));
        }

        return new CurrentPricePage(page, next, total);
    }

    private static CurrentPrice Describe(OfferBook book, int i)
    {
        var m = book.Markets;
        var provider = book.ProviderOf(i);
        return new CurrentPrice(
            provider.Name, provider.CloudName, book.Regions[m.Region[i]], m.Zone[i], m.InstanceType[i], m.VCpus[i], Math.Round(m.MemoryGb[i], 2),
            book.GpuTypeOf(i), m.GpuCount[i], book.SpotPrice(i), book.OnDemandPrice(i), m.InterruptionRate[i],
            m.SpotUpdatedAt[i] == 0 ? null : new DateTimeOffset(m.SpotUpdatedAt[i], TimeSpan.Zero));
    }
}
