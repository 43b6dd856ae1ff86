using Arbitrage.Orleans.Gateway.Apis;
using Microsoft.AspNetCore.Routing;

namespace Arbitrage.Orleans.Gateway;

/// <summary>The HTTP gateway: every route group, in one place.</summary>
public static class GatewayExtensions
{
    public static IEndpointRouteBuilder MapGateway(this IEndpointRouteBuilder routes) => routes.MapHealthApi();
}
