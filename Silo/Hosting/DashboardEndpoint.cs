using Arbitrage.Orleans.Gateway.Http;
using Microsoft.AspNetCore.RateLimiting;
using Orleans.Dashboard;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>The Orleans dashboard (configuration section <c>Dashboard</c>).</summary>
public sealed class DashboardSettings
{
    public const string SectionName = "Dashboard";

    public bool Enabled { get; set; } = true;

    /// <summary>Where it is served on the HTTP port.</summary>
    public string Path { get; set; } = "/dashboard";

    /// <summary>A password that opens it besides the admin token (HTTP Basic, any user name); none by default.</summary>
    public string? Password { get; set; }
}

/// <summary>
/// Serves the Orleans dashboard at <c>/dashboard</c>, for operators only (the <see cref="ApiPolicies.Dashboard"/>
/// policy): a token with <c>tenants:manage</c> (the admin token) as <c>Authorization: Bearer</c> or as the password of
/// HTTP Basic (which a browser asks for), or the dashboard password from settings. It is not rate limited: it polls.
/// </summary>
public static class DashboardEndpoint
{
    public static WebApplication MapDashboard(this WebApplication app, DashboardSettings settings)
    {
        if (!settings.Enabled) return app;
        app.MapOrleansDashboard(settings.Path).RequireAuthorization(ApiPolicies.Dashboard).DisableRateLimiting();
        return app;
    }
}
