using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>Settings of the token scheme.</summary>
public sealed class TokenAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// A password that HTTP Basic may present instead of a token; it opens only what <see cref="ApiPolicies.Dashboard"/>
    /// allows (the Orleans dashboard). None by default.
    /// </summary>
    public string? DashboardPassword { get; set; }
}

/// <summary>
/// The API's authentication: <c>Authorization: Bearer &lt;token&gt;</c>, or the token as the password of HTTP Basic
/// (what a browser asks for, for the dashboard). A malformed token or a failed checksum is refused before any grain
/// or database work; a well-formed one is looked up by <see cref="TokenVerifier"/>. Under <see cref="SpotPathPrefix"/>
/// (the SpotInst-style face) the token may instead come in the <c>X-Auth-Token</c> header, as SpotInst clients send it. No header means no caller (the
/// fallback policy then answers 401); a bad one fails with a message the 401 carries.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<TokenAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, TokenVerifier verifier)
    : AuthenticationHandler<TokenAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ArbitrageToken";
    public const string DashboardClaim = "arbitrage:dashboard";
    private const string GrantKey = "arbitrage.grant";
    private const string FailureKey = "arbitrage.auth-failure";
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string SpotPathPrefix = "/v1/spot";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string header = Request.Headers.Authorization.ToString();
        if (header.Length == 0 && Request.Path.StartsWithSegments(SpotPathPrefix, StringComparison.OrdinalIgnoreCase)
            && Request.Headers[AuthTokenHeader].ToString() is { Length: > 0 } authToken)
        {
            header = "Bearer " + authToken.Trim();
        }

        if (header.Length == 0) return AuthenticateResult.NoResult();
        if (PresentedSecret(header) is not { } secret) return Fail("The Authorization header must be 'Bearer <token>' (or HTTP Basic with the token as the password).");
        if (Options.DashboardPassword is { Length: > 0 } password && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(password)))
        {
            return Success(new ClaimsIdentity([new Claim(DashboardClaim, "password")], SchemeName));
        }

        if (!TokenSecrets.IsWellFormed(secret)) return Fail("The token is malformed: it is not an arb_ token or its checksum does not match (was it copied whole?).");
        var grant = await verifier.VerifyAsync(secret);
        if (grant is null) return Fail("The token is not valid: it is unknown, revoked or expired.");
        Context.Items[GrantKey] = grant;
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, grant.TokenId), new("arbitrage:tenant", grant.TenantId) };
        claims.AddRange(grant.Permissions.Select(p => new Claim(ApiPolicies.PermissionClaim, p)));
        return Success(new ClaimsIdentity(claims, SchemeName));
    }

    private AuthenticateResult Success(ClaimsIdentity identity) => AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private AuthenticateResult Fail(string message)
    {
        Context.Items[FailureKey] = message;
        return AuthenticateResult.Fail(message);
    }

    /// <summary>Why the request's credentials were refused, or null when it carried none.</summary>
    public static string? FailureOf(HttpContext context) => context.Items[FailureKey] as string;

    /// <summary>The grant of the request's token; only on routes that need a caller.</summary>
    public static TokenGrant GrantOf(HttpContext context) =>
        context.Items[GrantKey] as TokenGrant ?? throw new InvalidOperationException("The request was not authenticated with a token, so it has no grant.");

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
}

public static class GrantExtensions
{
    /// <summary>The grant of the request's token (on every route that needs a caller).</summary>
    public static TokenGrant Grant(this HttpContext context) => TokenAuthenticationHandler.GrantOf(context);
}
