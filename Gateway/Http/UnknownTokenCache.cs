using Microsoft.Extensions.Caching.Memory;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>Options of <see cref="UnknownTokenCache"/> (configuration section <c>Gateway:UnknownTokens</c>).</summary>
public sealed class UnknownTokenCacheOptions
{
    /// <summary>How long a token found unknown, revoked or expired is refused without asking its grain again.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most token hashes remembered (each a few hundred bytes); the oldest go first.</summary>
    public int Capacity { get; set; } = 100_000;
}

/// <summary>
/// Well-formed tokens (their checksum holds) that turned out unknown, revoked or expired, remembered for a short
/// while by their hash, so that a client retrying a dead token, or guessing, costs no grain activation or database
/// read each time. A token can only leave this state by being created, and a new token is a fresh random secret,
/// so remembering a hash never refuses a valid token.
/// </summary>
public sealed class UnknownTokenCache(TimeProvider time, Microsoft.Extensions.Options.IOptions<UnknownTokenCacheOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.Capacity, Clock = new SystemClockAdapter(time) });

    public bool IsKnownUnknown(string tokenHash) => _cache.TryGetValue(tokenHash, out _);

    public void Remember(string tokenHash) =>
        _cache.Set(tokenHash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = options.Value.Lifetime });

    public void Dispose() => _cache.Dispose();

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes the older ISystemClock.
    private sealed class SystemClockAdapter(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
#pragma warning restore CS0618
}
