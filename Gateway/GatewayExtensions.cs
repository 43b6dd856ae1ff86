using Arbitrage.Orleans.Gateway.Apis;
using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway;

/// <summary>The HTTP gateway: the error handling every route shares, then every route group, in one place.</summary>
public static class GatewayExtensions
{
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseMiddleware<ApiErrorMiddleware>();
        app.MapHealthApi();
        app.MapPricingApi();
        app.MapProvidersApi();
        return app;
    }
}
