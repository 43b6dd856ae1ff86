using Arbitrage.Orleans.Contracts.Health;
using Arbitrage.Orleans.Gateway.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary><c>GET /health</c>: the process is alive. <c>GET /ready</c>: it can serve (the database answers).</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", (HealthCheckService health, CancellationToken cancellationToken) => CheckAsync(health, _ => false, cancellationToken))
            .WithName("Liveness").WithSummary("Liveness: the silo process is up")
            .Produces<HealthAnswer>().Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable).ProducesUnexpectedError().AllowAnonymous().DisableRateLimiting();
        routes.MapGet("/ready", (HealthCheckService health, CancellationToken cancellationToken) => CheckAsync(health, check => check.Tags.Contains("ready"), cancellationToken))
            .WithName("Readiness").WithSummary("Readiness: the silo can reach its database (503 when it cannot)")
            .Produces<HealthAnswer>().Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable).ProducesUnexpectedError().AllowAnonymous().DisableRateLimiting();
        return routes;
    }

    /// <summary>200 while healthy or degraded, 503 when unhealthy (as ASP.NET Core's health check endpoints answer).</summary>
    private static async Task<JsonHttpResult<HealthAnswer>> CheckAsync(HealthCheckService health, Func<HealthCheckRegistration, bool> predicate, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(predicate, cancellationToken);
        var answer = new HealthAnswer(Name(report.Status), report.Entries.ToDictionary(e => e.Key, e => new HealthCheckAnswer(Name(e.Value.Status))));
        return TypedResults.Json(answer, statusCode: report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}
