using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// <c>POST /v1/pricing/estimate</c> (requirements → recommended option and ranked alternatives, or why nothing fits) and
/// <c>GET /v1/pricing/current</c> (current prices, paginated), answered from this silo's offer book.
/// </summary>
public static class PricingApi
{
    public const int DefaultAlternatives = 5;
    public const int DefaultPriceLimit = 100;

    public static IEndpointRouteBuilder MapPricingApi(this IEndpointRouteBuilder routes)
    {
        var pricing = routes.MapGroup("/v1/pricing").WithTags("Pricing");
        pricing.MapPost("/estimate", EstimateAsync)
            .WithName("EstimatePrice").WithSummary("Recommended placement and ranked alternatives for workload requirements")
            .RequirePermission(Permissions.PricingRead);
        pricing.MapGet("/current", Current)
            .WithName("GetCurrentPrices").WithSummary("Current spot and on-demand prices, filtered by provider, region and instance type, paginated")
            .RequirePermission(Permissions.PricingRead);
        return routes;
    }

    private static async Task<IResult> EstimateAsync(HttpContext context, IPlacementService placement, TimeProvider time)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var requirements = ReadRequirements(body);
        int alternatives = QueryInt(context, "alternatives", DefaultAlternatives, 0, 50);
        var estimate = placement.Estimate(requirements, alternatives);
        return Results.Json(new
        {
            recommended = estimate.Recommended,
            alternatives = estimate.Alternatives,
            offersConsidered = estimate.OffersConsidered,
            offersAccepted = estimate.OffersAccepted,
            rejections = estimate.Rejections,
            message = estimate.Recommended is null
                ? "No offer meets every requirement; rejections says how many offers each constraint removed."
                : null,
            generatedAt = time.GetUtcNow(),
        }, ApiJson.CamelCase);
    }

    /// <summary>The Compute Arbitrage API's <c>WorkloadRequirements</c> (also used by workloads).</summary>
    public static PlacementRequirements ReadRequirements(JsonBody body) => new(
        MinCpu: body.Required("minCPU", n => body.Int(n)),
        MinMemoryGb: body.Required("minMemoryGB", n => body.Number(n)),
        GpuCount: body.Int("gpuCount") ?? 0,
        GpuType: body.String("gpuType", 64),
        PreferredRegions: body.Strings("preferredRegions"),
        MaxPricePerHour: body.Decimal("maxPricePerHour"),
        MaxInterruptionRate: body.Number("maxInterruptionRate"),
        Providers: body.Strings("providers"),
        AllowSpot: body.Bool("allowSpot") ?? true,
        AllowOnDemand: body.Bool("allowOnDemand") ?? true);

    private static IResult Current(HttpContext context, IPlacementService placement)
    {
        var q = context.Request.Query;
        var page = placement.CurrentPrices(new CurrentPriceQuery(
            Provider: Text(q["provider"]),
            Cloud: null,
            Region: Text(q["region"]),
            InstanceType: Text(q["instanceType"]),
            Limit: QueryInt(context, "limit", DefaultPriceLimit, 1, 500),
            Cursor: Text(q["cursor"])));
        return Results.Json(new { prices = page.Prices, nextCursor = page.NextCursor, total = page.Total }, ApiJson.CamelCase);
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
