using System.Security.Cryptography;
using System.Text;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Gateway.Http;
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
/// Serves the Orleans dashboard at <c>/dashboard</c>, for operators only: a request must carry a token with
/// <c>tenants:manage</c> (the admin token), as <c>Authorization: Bearer</c> or as the password of HTTP Basic (which a
/// browser asks for), or the dashboard password from settings.
/// </summary>
public static class DashboardEndpoint
{
    private const string Challenge = "Basic realm=\"Orleans dashboard\", charset=\"UTF-8\"";

    public static WebApplication MapDashboard(this WebApplication app, DashboardSettings settings)
    {
        if (!settings.Enabled) return app;
        app.MapOrleansDashboard(settings.Path).AddEndpointFilter(async (context, next) =>
            await IsOperatorAsync(context.HttpContext, settings) ? await next(context) : Deny(context.HttpContext));
        return app;
    }

    private static async Task<bool> IsOperatorAsync(HttpContext context, DashboardSettings settings)
    {
        if (PresentedSecret(context.Request.Headers.Authorization.ToString()) is not { } secret) return false;
        if (settings.Password is { Length: > 0 } password
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(password)))
        {
            return true;
        }

        var grant = await context.RequestServices.GetRequiredService<TokenVerifier>().VerifyAsync(secret);
        return grant?.Allows(Permissions.TenantsManage) == true;
    }

    /// <summary>The bearer token, or the password of HTTP Basic credentials; null when neither is there.</summary>
    private static string? PresentedSecret(string header)
    {
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header["Bearer ".Length..].Trim();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            int colon = decoded.IndexOf(':');
            return colon >= 0 ? decoded[(colon + 1)..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static IResult Deny(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = Challenge;
        return Results.Json(new { error = new { code = "UNAUTHORIZED", message = "The dashboard needs the admin token (Bearer, or as the Basic password) or the dashboard password." } },
            statusCode: StatusCodes.Status401Unauthorized);
    }
}
