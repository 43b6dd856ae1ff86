using Arbitrage.Orleans.Contracts.Pricing;
using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Gateway.Pricing;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;
using PricePoint = Arbitrage.Orleans.Grains.Market.PricePoint;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// <c>POST /v1/pricing/estimate</c> (requirements → recommended option and ranked alternatives, or why nothing fits) and
/// <c>GET /v1/pricing/current</c> (current prices, paginated), answered from this silo's offer book, and
/// <c>GET /v1/pricing/history</c> (a market's spot prices over time: the cloud's own history where it has one, else what
/// its region's price feed grain saw).
/// </summary>
public static class PricingApi
{
    public const int DefaultAlternatives = 5;
    public const int DefaultPriceLimit = 100;
    public const int DefaultHistoryPoints = 1000;
    public const int MaxHistoryPoints = 10_000;

    /// <summary>The history window when <c>from</c> is not given: the week before <c>to</c> (now by default).</summary>
    public static readonly TimeSpan DefaultHistoryWindow = TimeSpan.FromDays(7);

    /// <summary>The history's <c>source</c>: the cloud's price history API …</summary>
    public const string ProviderHistory = "provider";

    /// <summary>… or, for a cloud without one (or failing), the prices this silo's price feed saw since it started.</summary>
    public const string FeedHistory = "feed";

    public static IEndpointRouteBuilder MapPricingApi(this IEndpointRouteBuilder routes)
    {
        var pricing = routes.MapGroup("/v1/pricing").WithTags("Pricing");
        pricing.MapPost("/estimate", Estimate)
            .WithName("EstimatePrice").WithSummary("Recommended placement and ranked alternatives for workload requirements")
            .Accepts<WorkloadRequirements>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.PricingRead);
        pricing.MapGet("/current", Current)
            .WithName("GetCurrentPrices").WithSummary("Current spot and on-demand prices, filtered by provider, region and instance type, paginated")
            .ProducesApiErrors(StatusCodes.Status400BadRequest).RequirePermission(Permissions.PricingRead);
        pricing.MapGet("/history", HistoryAsync)
            .WithName("GetPriceHistory").WithSummary("Spot prices of one instance type in one provider region over time, a series per zone, at most maxPoints a series")
            .Produces<PriceHistory>().ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound).RequirePermission(Permissions.PricingRead);
        return routes;
    }

    private static Ok<PriceEstimate> Estimate(RequestBody<WorkloadRequirements> requirements, HttpContext context, IPlacementService placement, TimeProvider time)
    {
        int alternatives = QueryInt(context, "alternatives", DefaultAlternatives, 0, 50);
        return TypedResults.Ok(placement.Estimate(requirements.Value.ToPlacement(), alternatives).ToContract(time.GetUtcNow()));
    }

    private static Ok<SpotPriceList> Current(HttpContext context, IPlacementService placement)
    {
        var q = context.Request.Query;
        var page = placement.CurrentPrices(new CurrentPriceQuery(
            Provider: Text(q["provider"]),
            Cloud: null,
            Region: Text(q["region"]),
            InstanceType: Text(q["instanceType"]),
            Limit: QueryInt(context, "limit", DefaultPriceLimit, 1, 500),
            Cursor: Text(q["cursor"])));
        return TypedResults.Ok(page.ToContract());
    }

    private static async Task<Ok<PriceHistory>> HistoryAsync(HttpContext context, IPlacementService placement, IGrainFactory grains, PriceHistoryCache histories)
    {
        var q = context.Request.Query;
        string provider = Text(q["provider"]) ?? throw ApiErrorException.Validation("provider", "provider is required: a configured provider's name (e.g. sim-aws).");
        string region = Text(q["region"]) ?? throw ApiErrorException.Validation("region", "region is required (e.g. us-east-1).");
        string instanceType = Text(q["instanceType"]) ?? throw ApiErrorException.Validation("instanceType", "instanceType is required (e.g. m5.large).");
        string? zone = Text(q["zone"]);
        var from = QueryTime(context, "from");
        var to = QueryTime(context, "to");
        if (from is not null && to is not null && from > to) throw ApiErrorException.Validation("from", $"from ({from:O}) must not be after to ({to:O}).");
        int maxPoints = QueryInt(context, "maxPoints", DefaultHistoryPoints, 2, MaxHistoryPoints);

        // The offer book says which zones have a spot market for the type (an unknown provider, region or type is a 400
        // naming it, as for /current), so a price feed is never activated for a region the provider does not serve.
        var markets = placement.CurrentPrices(new CurrentPriceQuery(provider, null, region, instanceType, 500, null)).Prices
            .Where(p => p.SpotPricePerHour is not null && (zone is null || string.Equals(p.Zone, zone, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(p => p.Zone, StringComparer.Ordinal).ToList();
        if (markets.Count == 0)
        {
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.NotFound,
                $"{provider} has no spot market for {instanceType} in {region}{(zone is null ? "" : $" zone {zone}")}; GET /v1/pricing/current lists the markets.",
                new Dictionary<string, object?> { ["field"] = zone is null ? "instanceType" : "zone" });
        }

        // The window: the week before to (now), so the chart shows days even when this silo started minutes ago. Its
        // start, and an end of now, are aligned down to the history cache's period, so requests within one period
        // share one call to the cloud (PriceHistory:CachePeriod, a minute by default).
        var now = histories.Now;
        var end = to ?? (from is { } f && f > now ? f : now);
        var start = histories.Align(from ?? end - DefaultHistoryWindow);
        var zones = markets.Select(m => m.Zone).Distinct().ToList();
        instanceType = markets[0].InstanceType;
        var provided = await histories.GetAsync(
            new ProviderPriceHistoryQuery(markets[0].Provider, markets[0].Region, zone is null ? null : zones[0], instanceType, start, end, maxPoints), context.RequestAborted);
        var source = provided.Zones is null ? FeedHistory : ProviderHistory;
        var history = provided.Zones is { } fromProvider ? new Dictionary<string, IReadOnlyList<PricePoint>>(fromProvider) : [];
        if (provided.Zones is null)
        {
            // No history from the cloud: what this silo's price feed saw of the window since it started.
            var feed = grains.GetGrain<IRegionPriceFeedGrain>($"{markets[0].Provider}/{markets[0].Region}");
            foreach (var z in zones)
            {
                history[z] = (await feed.GetHistory(z, instanceType).WaitAsync(context.RequestAborted))
                    .Where(p => p.Timestamp >= start && p.Timestamp <= end).ToList();
            }
        }

        var series = new List<PriceSeries>(zones.Count);
        bool downsampled = false;
        foreach (var z in zones)
        {
            var points = history.GetValueOrDefault(z) ?? [];
            var kept = Downsample(points, maxPoints);
            downsampled |= kept.Count < points.Count;
            series.Add(new PriceSeries(z, points.Count, kept.Select(p => p.ToContract()).ToList()));
        }

        var message = string.Join(" ", new[]
        {
            provided.Unavailable is null ? null : $"{provided.Unavailable} These are the prices this silo's price feed saw since it started.",
            downsampled ? $"Series with more than {maxPoints} points keep the lowest and highest price of {maxPoints / 2} equal time buckets; sourcePoints says how many there were." : null,
        }.Where(m => m is not null));
        return TypedResults.Ok(new PriceHistory(markets[0].Provider, markets[0].Region, instanceType, start, end, maxPoints, downsampled, series,
            message.Length == 0 ? null : message, source));
    }

    /// <summary>
    /// At most <paramref name="maxPoints"/> points: the first and the last, and between them the lowest and highest
    /// price of each of <c>(maxPoints - 2) / 2</c> equal time buckets, in time order, so spikes survive (a plain stride
    /// would drop them).
    /// </summary>
    public static IReadOnlyList<PricePoint> Downsample(IReadOnlyList<PricePoint> points, int maxPoints)
    {
        if (points.Count <= maxPoints) return points;
        int buckets = Math.Max(0, (maxPoints - 2) / 2);
        long start = points[0].Timestamp.UtcTicks, span = Math.Max(1, points[^1].Timestamp.UtcTicks - start);
        var kept = new List<PricePoint>(maxPoints) { points[0] };
        int i = 1, last = points.Count - 1;
        for (int b = 0; b < buckets && i < last; b++)
        {
            long end = start + (long)((double)span * (b + 1) / buckets);
            int first = i, low = i, high = i;
            for (; i < last && (points[i].Timestamp.UtcTicks <= end || b == buckets - 1); i++)
            {
                if (points[i].PricePerHour < points[low].PricePerHour) low = i;
                if (points[i].PricePerHour > points[high].PricePerHour) high = i;
            }

            if (i == first) continue;
            kept.Add(points[Math.Min(low, high)]);
            if (low != high) kept.Add(points[Math.Max(low, high)]);
        }

        kept.Add(points[last]);
        return kept;
    }

    private static DateTimeOffset? QueryTime(HttpContext context, string name)
    {
        var raw = context.Request.Query[name].ToString();
        if (raw.Length == 0) return null;
        return DateTimeOffset.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw ApiErrorException.Validation(name, $"{name} must be an ISO-8601 time such as 2026-11-30T00:00:00Z; got '{(raw.Length > 40 ? raw[..40] + "…" : raw)}'.");
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) => string.IsNullOrWhiteSpace(value) ? null : value.ToString();

    public static int QueryInt(HttpContext context, string name, int fallback, int min, int max)
    {
        var raw = context.Request.Query[name];
        if (string.IsNullOrEmpty(raw)) return fallback;
        if (!int.TryParse(raw, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw ApiErrorException.Validation(name, $"{name} must be a whole number between {min} and {max}; got '{raw}'.");
        }

        return value;
    }
}
