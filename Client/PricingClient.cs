using System.Globalization;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Pricing;
using Arbitrage.Orleans.Contracts.Workloads;

namespace Arbitrage.Orleans.Client;

/// <summary>The Compute Arbitrage API's pricing (<c>/v1/pricing</c>): an estimate for requirements, the current prices, a market's history.</summary>
public sealed class PricingClient
{
    private readonly ApiTransport _api;

    internal PricingClient(ApiTransport api) => _api = api;

    /// <summary>
    /// The recommended placement for <paramref name="requirements"/> and up to <paramref name="alternatives"/> ranked
    /// alternatives (0 to 50), or, when nothing fits, what each constraint removed.
    /// </summary>
    public Task<PriceEstimate> EstimateAsync(WorkloadRequirements requirements, int? alternatives = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, ApiTransport.Query("/v1/pricing/estimate", ("alternatives", Number(alternatives))),
            ApiTransport.Json(requirements, CamelCaseJsonContext.Default.WorkloadRequirements), CamelCaseJsonContext.Default.PriceEstimate, cancellationToken);

    /// <summary>One page of current prices (<c>limit</c> 1 to 500), with the total that match.</summary>
    public Task<SpotPriceList> GetCurrentPageAsync(CurrentPriceQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        query ??= new CurrentPriceQuery();
        string path = ApiTransport.Query("/v1/pricing/current", ("provider", query.Provider), ("region", query.Region), ("instanceType", query.InstanceType),
            ("limit", Number(query.PageSize)), ("cursor", cursor));
        return _api.SendAsync(HttpMethod.Get, path, null, CamelCaseJsonContext.Default.SpotPriceList, cancellationToken);
    }

    /// <summary>Every current price that matches, following the cursors.</summary>
    public IAsyncEnumerable<SpotPrice> ListCurrentAsync(CurrentPriceQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetCurrentPageAsync(query, cursor, ct), p => p.Prices, p => p.NextCursor, cancellationToken);

    /// <summary>
    /// The spot prices of <paramref name="instanceType"/> in one provider region over time, a series per zone (or only
    /// <c>zone</c>), at most <c>maxPoints</c> a series (2 to 10 000); the window is the week before now unless given.
    /// </summary>
    public Task<PriceHistory> GetHistoryAsync(
        string provider, string region, string instanceType, string? zone = null, DateTimeOffset? from = null, DateTimeOffset? to = null, int? maxPoints = null,
        CancellationToken cancellationToken = default)
    {
        string path = ApiTransport.Query("/v1/pricing/history", ("provider", provider), ("region", region), ("instanceType", instanceType), ("zone", zone),
            ("from", from?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)), ("to", to?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture)),
            ("maxPoints", Number(maxPoints)));
        return _api.SendAsync(HttpMethod.Get, path, null, CamelCaseJsonContext.Default.PriceHistory, cancellationToken);
    }

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
