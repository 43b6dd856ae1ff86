using Arbitrage.Orleans.Clouds.Catalog;

namespace Arbitrage.Orleans.Clouds.Simulated;

/// <summary>Where a market's simulated spot price comes from.</summary>
public enum PriceSource
{
    /// <summary>The offer has no spot market.</summary>
    None,

    /// <summary>The market's own history, replayed exactly.</summary>
    History,

    /// <summary>The catalog spot price times the relative movement (ratio to its first value) of the same type's history elsewhere.</summary>
    RelativeHistory,

    /// <summary>No history for the type: the catalog spot price, constant.</summary>
    Catalog,
}

/// <summary>
/// Spot prices that move as they really did. A market with its own history (AWS: us-east-1 zone and type, zone
/// letters mapped to zone IDs; GCP and Azure: region and type) replays it exactly; a market without one follows the
/// relative movement of the same instance type's longest history elsewhere in the cloud (GCP host+GPU combinations:
/// the host type's), applied to its catalog spot price and rounded to 6 decimals; otherwise it stays at the catalog
/// price. Immutable: lookups are lock-free binary searches over precomputed arrays.
/// </summary>
public sealed class PriceReplay
{
    private readonly PriceSource[] _sources;
    private readonly PriceSeries?[] _series;
    private readonly decimal[] _scales;
    private readonly decimal[] _catalogPrices;

    private PriceReplay(PriceSource[] sources, PriceSeries?[] series, decimal[] scales, decimal[] catalogPrices, DateTimeOffset start, TimeSpan length, int seriesCount)
    {
        _sources = sources;
        _series = series;
        _scales = scales;
        _catalogPrices = catalogPrices;
        HistoryStart = start;
        HistoryLength = length;
        SeriesCount = seriesCount;
        foreach (var source in sources)
        {
            switch (source)
            {
                case PriceSource.History: HistoryMarkets++; break;
                case PriceSource.RelativeHistory: RelativeMarkets++; break;
                case PriceSource.Catalog: CatalogMarkets++; break;
            }
        }
    }

    /// <summary>The first change of the cloud's history; simulated time starts here (plus the start offset).</summary>
    public DateTimeOffset HistoryStart { get; }

    /// <summary>From the first to the last change of the cloud's history; simulated time wraps around it.</summary>
    public TimeSpan HistoryLength { get; }

    /// <summary>Price histories of the cloud mapped to its catalog.</summary>
    public int SeriesCount { get; }

    public int HistoryMarkets { get; }

    public int RelativeMarkets { get; }

    public int CatalogMarkets { get; }

    public PriceSource SourceOf(int offerIndex) => _sources[offerIndex];

    /// <summary>The history the market replays or follows, if any.</summary>
    public PriceSeries? SeriesOf(int offerIndex) => _series[offerIndex];

    /// <summary>The history time of a simulated elapsed time: <see cref="HistoryStart"/> plus it, wrapped around <see cref="HistoryLength"/>.</summary>
    public DateTimeOffset HistoryTimeAt(TimeSpan simulatedElapsed)
    {
        var length = HistoryLength.Ticks;
        if (length <= 0) return HistoryStart;
        var offset = simulatedElapsed.Ticks % length;
        if (offset < 0) offset += length;
        return HistoryStart.AddTicks(offset);
    }

    /// <summary>The market's spot price at a history time (UTC ticks), or null when the offer has no spot market.</summary>
    public decimal? PriceAt(int offerIndex, long historyUtcTicks)
    {
        switch (_sources[offerIndex])
        {
            case PriceSource.History:
                return _series[offerIndex]!.PriceAt(historyUtcTicks);
            case PriceSource.RelativeHistory:
                return decimal.Round(_series[offerIndex]!.PriceAt(historyUtcTicks) * _scales[offerIndex], 6, MidpointRounding.AwayFromZero);
            case PriceSource.Catalog:
                return _catalogPrices[offerIndex];
            default:
                return null;
        }
    }

    internal static PriceReplay Build(CloudCatalog catalog, IReadOnlyDictionary<(string Location, string Type), PriceSeries> history)
    {
        var zonal = catalog.Cloud == CloudKind.Aws;
        var own = new Dictionary<(string Location, string Type), PriceSeries>(history.Count);
        foreach (var ((location, type), series) in history)
        {
            if (!zonal)
            {
                own[(location, type)] = series;
            }
            else if (location.Length > 1 && catalog.TryMapZoneLetter(location[..^1], location[^1], out var zone))
            {
                // AWS histories name zones by the collecting account's letters; markets are zone IDs.
                own[(zone, type)] = series;
            }
        }

        // The reference history of each type: the longest, ties broken by location name.
        var reference = new Dictionary<string, PriceSeries>(StringComparer.Ordinal);
        foreach (var ((_, type), series) in own)
        {
            if (!reference.TryGetValue(type, out var best) || series.Count > best.Count
                || (series.Count == best.Count && string.CompareOrdinal(series.Location, best.Location) < 0))
            {
                reference[type] = series;
            }
        }

        long start = long.MaxValue, end = long.MinValue;
        foreach (var series in own.Values)
        {
            start = Math.Min(start, series.Start.UtcTicks);
            end = Math.Max(end, series.End.UtcTicks);
        }

        var offers = catalog.Offers;
        var sources = new PriceSource[offers.Count];
        var seriesOf = new PriceSeries?[offers.Count];
        var scales = new decimal[offers.Count];
        var catalogPrices = new decimal[offers.Count];
        for (var i = 0; i < offers.Count; i++)
        {
            var offer = offers[i];
            if (!offer.SpotAvailable || catalog.CatalogSpotPrice(i) is not { } catalogPrice)
            {
                sources[i] = PriceSource.None;
                continue;
            }

            catalogPrices[i] = catalogPrice;
            var location = zonal ? offer.Zone : offer.Region;
            var plus = offer.InstanceType.IndexOf('+');
            var type = plus < 0 ? offer.InstanceType : offer.InstanceType[..plus];
            if (plus < 0 && own.TryGetValue((location, type), out var exact))
            {
                sources[i] = PriceSource.History;
                seriesOf[i] = exact;
            }
            else if ((own.TryGetValue((location, type), out var follow) || reference.TryGetValue(type, out follow)) && follow.First > 0)
            {
                sources[i] = PriceSource.RelativeHistory;
                seriesOf[i] = follow;
                scales[i] = catalogPrice / follow.First;
            }
            else
            {
                sources[i] = PriceSource.Catalog;
            }
        }

        return own.Count == 0
            ? new PriceReplay(sources, seriesOf, scales, catalogPrices, DateTimeOffset.UnixEpoch, TimeSpan.Zero, 0)
            : new PriceReplay(sources, seriesOf, scales, catalogPrices, new DateTimeOffset(start, TimeSpan.Zero), TimeSpan.FromTicks(end - start), own.Count);
    }
}
