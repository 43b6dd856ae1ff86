using Orleans;
using System.Security.Cryptography;
using System.Text;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.Tenancy;

/// <summary>Who a valid token speaks for and what it may do.</summary>
[GenerateSerializer, Alias("arb.TokenGrant")]
public sealed record TokenGrant([property: Id(0)] string TenantId, [property: Id(1)] string TokenId, [property: Id(2)] IReadOnlyList<string> Permissions, [property: Id(3)] DateTimeOffset? ExpiresAt)
{
    public bool Allows(string permission) => Permissions.Contains(permission, StringComparer.Ordinal);
}

/// <summary>A token as listed: never its secret.</summary>
[GenerateSerializer, Alias("arb.ApiTokenInfo")]
public sealed record ApiTokenInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] IReadOnlyList<string> Permissions, [property: Id(3)] DateTimeOffset CreatedAt, [property: Id(4)] DateTimeOffset? ExpiresAt);

/// <summary>A token just made: its listing and the secret, which is shown only this once.</summary>
[GenerateSerializer, Alias("arb.CreatedToken")]
public sealed record CreatedToken([property: Id(0)] ApiTokenInfo Token, [property: Id(1)] string Secret);

/// <summary>What a token grain records: the grant it stands for, and whether it was revoked.</summary>
[GenerateSerializer, Alias("arb.IssueToken")]
public sealed record IssueToken([property: Id(0)] string TenantId, [property: Id(1)] ApiTokenInfo Token);

[GenerateSerializer, Alias("arb.TenantInfo")]
public sealed record TenantInfo([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>A new tenant with its default wallet and a first token (all permissions but tenants:manage).</summary>
[GenerateSerializer, Alias("arb.CreatedTenant")]
public sealed record CreatedTenant([property: Id(0)] TenantInfo Tenant, [property: Id(1)] CreatedToken FirstToken);

[GenerateSerializer, Alias("arb.CreateTokenRequest")]
public sealed record CreateTokenRequest([property: Id(0)] string Name, [property: Id(1)] IReadOnlyList<string> Permissions, [property: Id(2)] int? ExpiresInDays, [property: Id(3)] DateTimeOffset? ExpiresAt = null);

/// <summary>
/// One token, keyed by the SHA-256 of its secret (see <see cref="TokenSecrets"/>): the only place a token is looked
/// up. There is one activation of it in the cluster, so a revocation is seen by the next request on every silo.
/// </summary>
[Alias("arb.IApiTokenGrain")]
public interface IApiTokenGrain : IGrainWithStringKey
{
    /// <summary>The grant, or null when the token is unknown, revoked or expired.</summary>
    [ReadOnly]
    [Alias("Authenticate")]
    Task<TokenGrant?> Authenticate();

    [Alias("Issue")]
    Task Issue(IssueToken token);

    [Alias("Revoke")]
    Task Revoke();
}

/// <summary>A tenant: its name, its tokens (as listings and hashes) and its default wallet.</summary>
[Alias("arb.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant, its default wallet (project id = tenant id) with the initial credit, and its first token.</summary>
    /// <exception cref="TenantExistsException">The tenant exists.</exception>
    [Alias("Create")]
    Task<CreatedTenant> Create(string name, decimal initialCredit);

    /// <summary>
    /// The bootstrap tenant: creates it and its funded wallet when missing, and makes the token whose hash is given
    /// its admin token (revoking a previous admin token). Safe to repeat on every start of every silo.
    /// </summary>
    [Alias("EnsureBootstrap")]
    Task EnsureBootstrap(string name, decimal initialCredit, string adminTokenHash);

    [ReadOnly]
    [Alias("Get")]
    Task<TenantInfo?> Get();

    /// <summary>A new token holding <paramref name="request"/>'s permissions (each must be held by <paramref name="creator"/>).</summary>
    /// <exception cref="TokenScopeExceededException">
    /// The creator lacks a permission it tried to grant, or the new token would outlive the creator (a later expiry, or none).
    /// </exception>
    [Alias("CreateToken")]
    Task<CreatedToken> CreateToken(CreateTokenRequest request, TokenGrant creator);

    [ReadOnly]
    [Alias("ListTokens")]
    Task<IReadOnlyList<ApiTokenInfo>> ListTokens();

    /// <summary>Revokes the token; false when the tenant has no such token.</summary>
    /// <exception cref="PermissionDeniedException">The token is an operator's (it holds tenants:manage) and <paramref name="revoker"/> is not.</exception>
    [Alias("RevokeToken")]
    Task<bool> RevokeToken(string tokenId, TokenGrant revoker);

    /// <summary>Counts a new workload against the tenant's quotas; admitting the same workload again is a no-op.</summary>
    /// <exception cref="QuotaExceededException">The tenant has its most live workloads, or created its most this minute.</exception>
    [Alias("AdmitWorkload")]
    Task AdmitWorkload(string workloadId);

    /// <summary>The workload ended (terminated or failed): it no longer counts as live.</summary>
    [OneWay]
    [Alias("WorkloadEnded")]
    Task WorkloadEnded(string workloadId);
}

/// <summary>
/// Token secrets, in the shape of GitHub's tokens: the prefix <c>arb_</c>, 40 random base62 characters (238 bits) and
/// 6 base62 characters of the CRC-32 of everything before them. The checksum lets a malformed or mistyped token be
/// refused before any grain or database work; only the SHA-256 of a secret is stored.
/// </summary>
public static class TokenSecrets
{
    public const string Prefix = "arb_";
    public const int RandomLength = 40;
    public const int ChecksumLength = 6;
    public const int Length = 4 + RandomLength + ChecksumLength;
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewSecret()
    {
        var body = Prefix + RandomNumberGenerator.GetString(Base62, RandomLength);
        return body + Checksum(body);
    }

    public static string NewId(string prefix, int bytes = 8) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>The hex SHA-256 of a secret: the key of its <see cref="IApiTokenGrain"/>.</summary>
    public static string Hash(string secret) => TextDigest.Sha256Hex(secret);

    /// <summary>Whether the text is one of our tokens by its shape and checksum (no lookup).</summary>
    public static bool IsWellFormed(string text) =>
        text.Length == Length && text.StartsWith(Prefix, StringComparison.Ordinal)
        && text.AsSpan(Prefix.Length).IndexOfAnyExcept(Base62) < 0
        && text.AsSpan(Length - ChecksumLength).SequenceEqual(Checksum(text[..(Length - ChecksumLength)]));

    /// <summary>The CRC-32 of <paramref name="body"/> as 6 base62 digits (most significant first).</summary>
    private static string Checksum(string body)
    {
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(Encoding.ASCII.GetBytes(body));
        Span<char> digits = stackalloc char[ChecksumLength];
        for (int i = ChecksumLength - 1; i >= 0; i--)
        {
            digits[i] = Base62[(int)(crc % 62)];
            crc /= 62;
        }

        return new string(digits);
    }
}

/// <summary>A token tried to mint a token with a permission it lacks or an expiry later than its own.</summary>
[GenerateSerializer, Alias("arb.TokenScopeExceededException")]
public sealed class TokenScopeExceededException(string field, string message) : Exception(message)
{
    /// <summary>The request field that asked for too much: <c>permissions</c> or <c>expiresAt</c>.</summary>
    [Id(0)] public string Field { get; } = field;
}

/// <summary>A tenant with that id exists already.</summary>
[GenerateSerializer, Alias("arb.TenantExistsException")]
public sealed class TenantExistsException(string message) : Exception(message);

/// <summary>The caller lacks a permission the operation needs or tried to grant.</summary>
[GenerateSerializer, Alias("arb.PermissionDeniedException")]
public sealed class PermissionDeniedException(string message) : Exception(message);

/// <summary>A tenant's quota refused a creation: <see cref="Quota"/> names it; <see cref="RetryAfter"/> is when it may pass, if time alone frees it.</summary>
[GenerateSerializer, Alias("arb.QuotaExceededException")]
public sealed class QuotaExceededException(string quota, int limit, TimeSpan? retryAfter, string message) : Exception(message)
{
    /// <summary><c>max_live_workloads</c> or <c>workload_creations_per_minute</c>.</summary>
    [Id(0)] public string Quota { get; } = quota;
    [Id(1)] public int Limit { get; } = limit;
    [Id(2)] public TimeSpan? RetryAfter { get; } = retryAfter;
}
