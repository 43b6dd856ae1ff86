namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// A clock that moves only when told (<see cref="Advance"/>), so a simulated cloud's prices move exactly when a suite
/// wants them to. Only the time is manual: timers still run on real time, so use it where nothing waits on a timer.
/// Thread-safe.
/// </summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _utcTicks, by.Ticks);
    }
}
