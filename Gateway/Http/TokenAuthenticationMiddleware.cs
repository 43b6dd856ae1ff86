using Orleans;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Every route marked with <see cref="RequiresPermission"/> needs <c>Authorization: Bearer &lt;token&gt;</c>: a missing,
/// malformed, unknown, revoked or expired token is 401; a valid token without the permission is 403. The token is
/// looked up by its hash in its <see cref="IApiTokenGrain"/> on every request, so a revocation applies at once
/// everywhere. Routes without the marker (health, the OpenAPI document) are open.
/// </summary>
public sealed class TokenAuthenticationMiddleware(RequestDelegate next, IGrainFactory grains)
{
    private const string GrantKey = "arbitrage.grant";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RequiresPermission>() is not { } required)
        {
            await next(context);
            return;
        }

        string header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            throw Unauthorized(header.Length == 0 ? "An Authorization: Bearer <token> header is required." : "The Authorization header must be 'Bearer <token>'.");
        }

        string token = header["Bearer ".Length..].Trim();
        var grant = TokenSecrets.LooksValid(token) ? await grains.GetGrain<IApiTokenGrain>(TokenSecrets.Hash(token)).Authenticate() : null;
        if (grant is null) throw Unauthorized("The token is not valid: it is unknown, revoked or expired.");
        if (!grant.Allows(required.Permission))
        {
            throw new ApiErrorException(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, $"This token lacks the permission '{required.Permission}'.",
                new Dictionary<string, object?> { ["permission"] = required.Permission });
        }

        context.Items[GrantKey] = grant;
        await next(context);
    }

    /// <summary>The grant of the request's token (routes marked with <see cref="RequiresPermission"/> only).</summary>
    public static TokenGrant GrantOf(HttpContext context) =>
        context.Items[GrantKey] as TokenGrant ?? throw new InvalidOperationException("The route has no RequiresPermission metadata, so it has no token grant.");

    private static ApiErrorException Unauthorized(string message) => new(StatusCodes.Status401Unauthorized, ErrorCodes.Unauthorized, message);
}

public static class GrantExtensions
{
    public static TokenGrant Grant(this HttpContext context) => TokenAuthenticationMiddleware.GrantOf(context);
}
