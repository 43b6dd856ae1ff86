using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Asks the provider's adapter on this silo (<see cref="ICloudAdapter.GetSpotPriceHistoryAsync"/>: EC2's
/// DescribeSpotPriceHistory, the simulated clouds' replayed histories) and shapes the answer into a line per zone.
/// </summary>
public sealed class PriceHistoryService(ProviderRegistry providers, TimeProvider time) : IPriceHistoryService
{
    public async Task<ProviderPriceHistory> GetProviderHistoryAsync(ProviderPriceHistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (providers.Find(query.Provider) is not { } provider) return new ProviderPriceHistory(null, $"Provider '{query.Provider}' is not configured on this silo.");
        IReadOnlyList<SpotPrice> prices;
        try
        {
            prices = await provider.Adapter.GetSpotPriceHistoryAsync(
                new SpotPriceHistoryQuery(query.Region, query.Zone, query.InstanceType, query.From, query.To, query.MaxPoints), cancellationToken);
        }
        catch (CloudException e) when (e.Code == CloudErrorCode.NotSupported)
        {
            return new ProviderPriceHistory(null, $"{provider.Config.Name}'s cloud has no price history API.");
        }
        catch (CloudException e)
        {
            return new ProviderPriceHistory(null, $"{provider.Config.Name}'s price history failed ({e.Code}: {e.Message}).");
        }

        var now = time.GetUtcNow();
        var end = query.To < now ? query.To : now;
        var zones = new Dictionary<string, IReadOnlyList<PricePoint>>(StringComparer.Ordinal);
        foreach (var market in prices.Where(p => string.Equals(p.InstanceType, query.InstanceType, StringComparison.Ordinal)).GroupBy(p => p.Zone))
        {
            var points = new List<PricePoint>();
            foreach (var price in market.OrderBy(p => p.Timestamp))
            {
                if (price.Timestamp > query.To) break;
                var at = price.Timestamp < query.From ? query.From : price.Timestamp;
                if (points.Count > 0 && points[^1].Timestamp == at) points[^1] = new PricePoint(at, price.PricePerHour);
                else if (points.Count == 0 || points[^1].PricePerHour != price.PricePerHour) points.Add(new PricePoint(at, price.PricePerHour));
            }

            if (points.Count > 0 && points[^1].Timestamp < end) points.Add(new PricePoint(end, points[^1].PricePerHour));
            zones[market.Key] = points;
        }

        return new ProviderPriceHistory(zones, null);
    }
}
