using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
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
        routes.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithName("Liveness").WithDisplayName("Liveness: the silo process is up").AllowAnonymous().DisableRateLimiting();
        routes.MapHealthChecks("/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WriteAsync })
            .WithName("Readiness").WithDisplayName("Readiness: the silo can reach its database").AllowAnonymous().DisableRateLimiting();
        return routes;
    }

    /// <summary>Anonymous callers learn the status of each check, never why one failed (that is in the silo's log).</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString().ToLowerInvariant() }),
        });
}
