using System.Security.Cryptography;
using System.Text;
using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Tenancy;

/// <summary>Who a valid token speaks for and what it may do.</summary>
public sealed record TokenGrant(string TenantId, string TokenId, IReadOnlyList<string> Permissions, DateTimeOffset? ExpiresAt)
{
    public bool Allows(string permission) => Permissions.Contains(permission, StringComparer.Ordinal);
}

/// <summary>A token as listed: never its secret.</summary>
public sealed record ApiTokenInfo(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>A token just made: its listing and the secret, which is shown only this once.</summary>
public sealed record CreatedToken(ApiTokenInfo Token, string Secret);

/// <summary>What a token grain records: the grant it stands for, and whether it was revoked.</summary>
public sealed record IssueToken(string TenantId, ApiTokenInfo Token);

public sealed record TenantInfo(string Id, string Name, DateTimeOffset CreatedAt);

/// <summary>A new tenant with its default wallet and a first token (all permissions but tenants:manage).</summary>
public sealed record CreatedTenant(TenantInfo Tenant, CreatedToken FirstToken);

public sealed record CreateTokenRequest(string Name, IReadOnlyList<string> Permissions, int? ExpiresInDays);

/// <summary>
/// One token, keyed by the SHA-256 of its secret (see <see cref="TokenSecrets"/>): the only place a token is looked
/// up. There is one activation of it in the cluster, so a revocation is seen by the next request on every silo.
/// </summary>
public interface IApiTokenGrain : IGrainWithStringKey
{
    /// <summary>The grant, or null when the token is unknown, revoked or expired.</summary>
    [ReadOnly]
    Task<TokenGrant?> Authenticate();

    Task Issue(IssueToken token);

    Task Revoke();
}

/// <summary>A tenant: its name, its tokens (as listings and hashes) and its default wallet.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant, its default wallet (project id = tenant id) with the initial credit, and its first token.</summary>
    /// <exception cref="TenantExistsException">The tenant exists.</exception>
    Task<CreatedTenant> Create(string name, decimal initialCredit);

    /// <summary>
    /// The bootstrap tenant: creates it and its funded wallet when missing, and makes the token whose hash is given
    /// its admin token (revoking a previous admin token). Safe to repeat on every start of every silo.
    /// </summary>
    Task EnsureBootstrap(string name, decimal initialCredit, string adminTokenHash);

    [ReadOnly]
    Task<TenantInfo?> Get();

    /// <summary>A new token holding <paramref name="request"/>'s permissions (each must be held by <paramref name="creator"/>).</summary>
    /// <exception cref="PermissionDeniedException">The creator lacks a permission it tried to grant.</exception>
    Task<CreatedToken> CreateToken(CreateTokenRequest request, TokenGrant creator);

    [ReadOnly]
    Task<IReadOnlyList<ApiTokenInfo>> ListTokens();

    /// <summary>Revokes the token; false when the tenant has no such token.</summary>
    Task<bool> RevokeToken(string tokenId);
}

/// <summary>Token secrets: high-entropy, with a recognisable prefix, stored only as their SHA-256.</summary>
public static class TokenSecrets
{
    public const string Prefix = "arb_";

    public static string NewSecret() => Prefix + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewId(string prefix, int bytes = 8) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>The hex SHA-256 of a secret: the key of its <see cref="IApiTokenGrain"/>.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether the text could be one of our tokens (prefix, length, alphabet), before any lookup.</summary>
    public static bool LooksValid(string text) =>
        text.Length is > 16 and <= 200 && text.StartsWith(Prefix, StringComparison.Ordinal)
        && text.AsSpan(Prefix.Length).IndexOfAnyExcept("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") < 0;
}

/// <summary>A tenant with that id exists already.</summary>
public sealed class TenantExistsException(string message) : Exception(message);

/// <summary>The caller lacks a permission the operation needs or tried to grant.</summary>
public sealed class PermissionDeniedException(string message) : Exception(message);
