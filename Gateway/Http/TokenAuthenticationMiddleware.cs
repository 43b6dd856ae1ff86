namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Every route marked with <see cref="RequiresPermission"/> needs <c>Authorization: Bearer &lt;token&gt;</c>: a missing,
/// malformed, unknown, revoked or expired token is 401; a valid token without the permission is 403. Tokens are
/// checked by <see cref="TokenVerifier"/>. Routes without the marker (health, the OpenAPI document) are open.
/// </summary>
public sealed class TokenAuthenticationMiddleware(RequestDelegate next, TokenVerifier verifier)
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
        // A malformed token or a failed checksum is refused here, before any grain or database work.
        if (!TokenSecrets.IsWellFormed(token)) throw Unauthorized("The token is malformed: it is not an arb_ token or its checksum does not match (was it copied whole?).");
        var grant = await verifier.VerifyAsync(token) ?? throw Unauthorized("The token is not valid: it is unknown, revoked or expired.");
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
