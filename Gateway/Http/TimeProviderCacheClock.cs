namespace Arbitrage.Orleans.Gateway.Http;

#pragma warning disable CS0618 // MemoryCacheOptions.Clock still takes the older ISystemClock.
/// <summary>A MemoryCache clock that follows a <see cref="TimeProvider"/>, so a cache's expiries follow the host's (or a test's) clock.</summary>
public sealed class TimeProviderCacheClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
{
    public DateTimeOffset UtcNow => time.GetUtcNow();
}
#pragma warning restore CS0618
