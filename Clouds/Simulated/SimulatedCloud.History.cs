namespace Arbitrage.Orleans.Clouds.Simulated;

public sealed partial class SimulatedCloud
{
    /// <summary>
    /// Most changes listed for one zone; a window holding more (a fast simulation over a long window wraps the history
    /// many times) is answered by sampling the price at evenly spaced times instead.
    /// </summary>
    private const int MaxHistoryChanges = 20_000;

    /// <summary>
    /// The replayed price history on this cloud's clock: the price at a time <c>t</c> is the replay's price at the
    /// history time the simulation maps <c>t</c> to (as <see cref="GetSpotPricesAsync"/> does for now, before this
    /// cloud started too), so a window ending now ends at today's current spot price. Markets with a history
    /// (or following one, scaled) answer its real changes; catalog-priced markets answer their constant price.
    /// The window ends at the present at the latest.
    /// </summary>
    public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var region = RegionOrThrow(query.Region);
        Require(query.InstanceType, nameof(query.InstanceType));
        if (query.Zone is not null && !region.HasZone(query.Zone)) throw InvalidRequest($"Unknown zone '{query.Zone}' in region '{query.Region}' of {Cloud}.");
        var now = _time.GetUtcNow();
        var to = query.To < now ? query.To : now;
        var prices = new List<SpotPrice>();
        var found = false;
        foreach (var zone in query.Zone is null ? region.Zones : [query.Zone])
        {
            if (!region.TryFind(zone, query.InstanceType, out var offerIndex) || _catalog.Prices.SourceOf(offerIndex) == PriceSource.None) continue;
            found = true;
            if (query.From <= to) AppendHistory(prices, _catalog.OfferAt(offerIndex), offerIndex, query.From, to, query.MaxPoints, cancellationToken);
        }

        if (!found)
        {
            throw InvalidRequest($"Instance type '{query.InstanceType}' has no spot market in {(query.Zone is null ? $"region '{query.Region}'" : $"zone '{query.Zone}'")} of {Cloud}.");
        }

        return Task.FromResult<IReadOnlyList<SpotPrice>>(prices);
    }

    private void AppendHistory(List<SpotPrice> prices, InstanceTypeOffer offer, int offerIndex, DateTimeOffset from, DateTimeOffset to, int? maxPoints, CancellationToken cancellationToken)
    {
        var replay = _catalog.Prices;
        long e0 = SimulatedElapsedAt(from).Ticks, e1 = SimulatedElapsedAt(to).Ticks;
        decimal PriceAtElapsed(long elapsed) => replay.PriceAt(offerIndex, replay.HistoryTimeAt(TimeSpan.FromTicks(elapsed)).UtcTicks)!.Value;

        var last = PriceAtElapsed(e0);
        prices.Add(new SpotPrice(offer.Region, offer.Zone, offer.InstanceType, last, from));
        var series = replay.SeriesOf(offerIndex);
        long length = replay.HistoryLength.Ticks;
        if (series is null || length <= 0 || e1 <= e0) return;

        void Emit(long elapsed, decimal price)
        {
            if (price == last) return;
            last = price;
            var at = WallTimeAt(elapsed);
            prices.Add(new SpotPrice(offer.Region, offer.Zone, offer.InstanceType, price, at < from ? from : at > to ? to : at));
        }

        long k0 = FloorDiv(e0, length), k1 = FloorDiv(e1, length);
        if ((k1 - k0 + 1) * (double)series.Count > MaxHistoryChanges)
        {
            // Too many changes to list: the price at evenly spaced times (wrapping a history many times says little more).
            var samples = Math.Clamp(maxPoints ?? 1000, 2, MaxHistoryChanges);
            long fromTicks = from.UtcTicks, span = to.UtcTicks - fromTicks;
            for (var s = 1; s < samples; s++)
            {
                var at = new DateTimeOffset(fromTicks + (long)((double)span * s / (samples - 1)), TimeSpan.Zero);
                var price = PriceAtElapsed(SimulatedElapsedAt(at).Ticks);
                if (price == last) continue;
                last = price;
                prices.Add(new SpotPrice(offer.Region, offer.Zone, offer.InstanceType, price, at));
            }

            return;
        }

        long historyStart = replay.HistoryStart.UtcTicks;
        for (var k = k0; k <= k1; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long cycle = k * length;
            long lower = Math.Max(e0, cycle) - cycle, upper = Math.Min(e1, cycle + length - 1) - cycle;
            if (k > k0) Emit(cycle, replay.PriceAt(offerIndex, historyStart)!.Value); // the history starts over
            for (int i = series.CountAtOrBefore(historyStart + lower), end = series.CountAtOrBefore(historyStart + upper); i < end; i++)
            {
                var ticks = series.TimeAt(i).UtcTicks;
                Emit(cycle + (ticks - historyStart), replay.PriceAt(offerIndex, ticks)!.Value);
            }
        }
    }

    /// <summary>The time of this cloud's clock at which the simulation reaches <paramref name="elapsedTicks"/> (the inverse of <see cref="SimulatedElapsedAt"/>).</summary>
    private DateTimeOffset WallTimeAt(long elapsedTicks) =>
        _startedAt.AddTicks((long)((elapsedTicks - _options.StartOffset.Ticks) / _options.Speed));

    private static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);
}
