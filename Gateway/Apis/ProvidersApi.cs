using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>The host-factory API's provider routes (seed 002, snake_case): list, details, capabilities.</summary>
public static class ProvidersApi
{
    public static IEndpointRouteBuilder MapProvidersApi(this IEndpointRouteBuilder routes)
    {
        var providers = routes.MapGroup("/api/v1/providers").WithTags("Providers");
        providers.MapGet("/", ListAsync)
            .WithName("ListProviders").WithSummary("Every configured provider instance with its health").RequirePermission(Permissions.PricingRead);
        providers.MapGet("/{name}", DetailsAsync)
            .WithName("GetProvider").WithSummary("A provider's configuration, limits, health and statistics").RequirePermission(Permissions.PricingRead);
        providers.MapGet("/{name}/capabilities", CapabilitiesAsync)
            .WithName("GetProviderCapabilities").WithSummary("A provider's launch APIs, pricing models, regions and zones").RequirePermission(Permissions.PricingRead);
        return routes;
    }

    private static async Task<IResult> ListAsync(IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var details = await Task.WhenAll(directory.ProviderNames.Select(n => grains.GetGrain<IProviderGrain>(n).GetDetails().WaitAsync(cancellationToken)));
        return Results.Json(new
        {
            providers = details.Select(d => new { d.Name, d.Type, d.Enabled, d.Priority, d.Weight, d.Capabilities, d.Status }),
            total = details.Length,
            enabled = details.Count(d => d.Enabled),
        }, ApiJson.SnakeCase);
    }

    private static async Task<IResult> DetailsAsync(string name, IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var d = await Provider(name, directory, grains).GetDetails().WaitAsync(cancellationToken);
        return Results.Json(d, ApiJson.SnakeCase);
    }

    private static async Task<IResult> CapabilitiesAsync(string name, IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var c = await Provider(name, directory, grains).GetCapabilities().WaitAsync(cancellationToken);
        return Results.Json(c, ApiJson.SnakeCase);
    }

    private static IProviderGrain Provider(string name, IProviderDirectory directory, IGrainFactory grains)
    {
        var known = directory.ProviderNames;
        var match = known.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.ProviderNotFound,
                $"Provider instance '{name}' not found in configuration.",
                new Dictionary<string, object?>
                {
                    ["requested_provider"] = name,
                    ["available_providers"] = known,
                    ["suggestion"] = "Use 'GET /api/v1/providers' to see available providers",
                });
        return grains.GetGrain<IProviderGrain>(match);
    }
}
