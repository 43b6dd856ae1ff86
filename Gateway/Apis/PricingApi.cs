using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.AspNetCore.Http.HttpResults;

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
        var pricing = routes.MapGroup("/v1/pricing").WithTags("Pricing").AddEndpointFilter<RequestValidationFilter>();
        pricing.MapPost("/estimate", Estimate)
            .WithName("EstimatePrice").WithSummary("Recommended placement and ranked alternatives for workload requirements")
            .Accepts<WorkloadRequirements>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.PricingRead);
        pricing.MapGet("/current", Current)
            .WithName("GetCurrentPrices").WithSummary("Current spot and on-demand prices, filtered by provider, region and instance type, paginated")
            .ProducesApiErrors(StatusCodes.Status400BadRequest).RequirePermission(Permissions.PricingRead);
        return routes;
    }

    private static Ok<PriceEstimate> Estimate(WorkloadRequirements requirements, HttpContext context, IPlacementService placement, TimeProvider time)
    {
        int alternatives = QueryInt(context, "alternatives", DefaultAlternatives, 0, 50);
        return TypedResults.Ok(PriceEstimate.From(placement.Estimate(requirements.ToPlacement(), alternatives), time.GetUtcNow()));
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
        return TypedResults.Ok(SpotPriceList.From(page));
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
