using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Runtime.Internal;

internal interface ITrackedCall
{
    long CallId { get; set; }
    long StartTimestamp { get; }
    string Describe();
    void Fail(Exception exception);
}

/// <summary>
/// Keeps every call in flight and fails those that outlive the response timeout, so that a call cycle between
/// non-reentrant grains ends in a <see cref="TimeoutException"/> at the caller instead of a hang. One periodic sweep
/// (on the runtime's <see cref="TimeProvider"/>) serves all calls, so no timer is created per call.
/// </summary>
internal sealed class CallTracker : IDisposable
{
    private readonly ConcurrentDictionary<long, ITrackedCall> _calls = new();
    private readonly TimeSpan _timeout;
    private readonly ITimer _sweep;
    private long _nextCallId;

    public CallTracker(TimeProvider time, TimeSpan responseTimeout)
    {
        Time = time;
        _timeout = responseTimeout;
        var period = TimeSpan.FromTicks(Math.Clamp(responseTimeout.Ticks / 4, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _sweep = time.CreateTimer(static s => ((CallTracker)s!).Sweep(), this, period, period);
    }

    public TimeProvider Time { get; }

    public int InFlight => _calls.Count;

    public void Track(ITrackedCall call)
    {
        call.CallId = Interlocked.Increment(ref _nextCallId);
        _calls[call.CallId] = call;
    }

    public void Untrack(ITrackedCall call) => _calls.TryRemove(call.CallId, out _);

    private void Sweep()
    {
        long now = Time.GetTimestamp();
        foreach (var (id, call) in _calls)
        {
            var waited = Time.GetElapsedTime(call.StartTimestamp, now);
            if (waited >= _timeout && _calls.TryRemove(id, out _))
            {
                call.Fail(new TimeoutException(
                    $"Response did not arrive on time in {_timeout} for {call.Describe()} (waited {waited.TotalSeconds:0.0} s). " +
                    "A call cycle between non-reentrant grains ends this way; mark the grain [Reentrant] or the method [AlwaysInterleave] if it must call back."));
            }
        }
    }

    /// <summary>Stops the sweep and fails every call still waiting: nobody will answer them once the silo is gone.</summary>
    public void Dispose()
    {
        _sweep.Dispose();
        foreach (var (id, call) in _calls)
        {
            if (_calls.TryRemove(id, out _))
            {
                call.Fail(new SiloUnavailableException($"The silo stopped before {call.Describe()} was answered; it may or may not have run."));
            }
        }
    }
}
