namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// A market's spot price history from its provider's cloud (the cloud's own record, days back), registered on every
/// silo and used by the gateway's history route. Clouds without a history API answer <see cref="ProviderPriceHistory.Unavailable"/>,
/// and the route shows what the region's price feed saw instead.
/// </summary>
public interface IPriceHistoryService
{
    Task<ProviderPriceHistory> GetProviderHistoryAsync(ProviderPriceHistoryQuery query, CancellationToken cancellationToken);
}

/// <summary>One instance type in one provider region (one zone, or all when <see cref="Zone"/> is null), from <see cref="From"/> to <see cref="To"/>.</summary>
/// <param name="MaxPoints">How many points a zone will be drawn with; a cloud may sample a far longer history down towards it.</param>
public sealed record ProviderPriceHistoryQuery(string Provider, string Region, string? Zone, string InstanceType, DateTimeOffset From, DateTimeOffset To, int MaxPoints);

/// <summary>
/// Per zone, in time order: the price in force at the window's start (dated then), every change, and the price in
/// force at its end (dated then, now at the latest), so a line drawn through them covers the window. Null
/// <see cref="Zones"/> with the reason in <see cref="Unavailable"/> when the cloud has no history (or failed to answer).
/// </summary>
public sealed record ProviderPriceHistory(IReadOnlyDictionary<string, IReadOnlyList<PricePoint>>? Zones, string? Unavailable);
