using Microsoft.Extensions.DependencyInjection.Extensions;
using Arbitrage.Orleans.Gateway.Apis;
using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway;

/// <summary>The HTTP gateway: the error handling and authentication every route shares, then every route group, in one place.</summary>
public static class GatewayExtensions
{
    /// <summary>The gateway's services: the OpenAPI document of every route.</summary>
    public static IServiceCollection AddGateway(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<TokenVerifierOptions>();
        services.AddSingleton<TokenVerifier>();
        services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Arbitrage.Orleans API";
            document.Info.Description = "Workloads, pricing, tokens and tenants (/v1), providers (/api/v1/providers), wallets and credit reservations (/api/v1). "
                                        + "Every route but /health and this document needs Authorization: Bearer <token>.";
            return Task.CompletedTask;
        }));
        return services;
    }

    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseRouting();
        app.UseMiddleware<TokenAuthenticationMiddleware>();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapHealthApi();
        app.MapPricingApi();
        app.MapProvidersApi();
        app.MapTenantsApi();
        app.MapTokensApi();
        app.MapWorkloadsApi();
        app.MapWalletsApi();
        app.MapSimulationApi();
        return app;
    }
}
