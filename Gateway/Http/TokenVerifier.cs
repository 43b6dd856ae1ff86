using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>How long and how many unknown tokens <see cref="TokenVerifier"/> remembers.</summary>
public sealed class TokenVerifierOptions
{
    /// <summary>How long a token found unknown, revoked or expired is refused without asking its grain again.</summary>
    public TimeSpan UnknownLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most unknown token hashes remembered; the oldest go first.</summary>
    public int UnknownCapacity { get; set; } = 100_000;
}

/// <summary>
/// Turns a presented token into its grant, for the API's authentication and the dashboard alike. A malformed token (its
/// checksum fails) is refused without any grain or database work; a well-formed one is looked up by its hash in its
/// <see cref="IApiTokenGrain"/>, so a revocation applies at once everywhere. A token found unknown, revoked or expired
/// is remembered as such for a short while, so a client retrying a dead token, or guessing, costs no activation each
/// time. A hash leaves that state only by expiring from the cache, and a new token is a fresh random secret, so
/// remembering never refuses a valid token.
/// </summary>
public sealed class TokenVerifier(IGrainFactory grains, TimeProvider time, IOptions<TokenVerifierOptions> options) : IDisposable
{
    private readonly MemoryCache _unknown = new(new MemoryCacheOptions { SizeLimit = options.Value.UnknownCapacity, Clock = new TimeProviderCacheClock(time) });

    /// <summary>The token's grant; null when it is malformed, unknown, revoked or expired.</summary>
    public async Task<TokenGrant?> VerifyAsync(string token)
    {
        if (!TokenSecrets.IsWellFormed(token)) return null;
        string hash = TokenSecrets.Hash(token);
        if (_unknown.TryGetValue(hash, out _)) return null;
        var grant = await grains.GetGrain<IApiTokenGrain>(hash).Authenticate();
        if (grant is null) _unknown.Set(hash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.UnknownLifetime });
        return grant;
    }

    public void Dispose() => _unknown.Dispose();
}
