namespace Arbitrage.Orleans.Runtime;

/// <summary>Options of a grain timer, as in Orleans' <c>GrainTimerCreationOptions</c>.</summary>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>Whether ticks may interleave with grain calls; by default a tick waits its turn like a call.</summary>
    public bool Interleave { get; init; }

    /// <summary>Whether ticks count as activity, keeping the activation from being collected as idle.</summary>
    public bool KeepAlive { get; init; }
}

/// <summary>A timer owned by one activation. Ticks never overlap and stop when the activation deactivates.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes when the next tick happens and the period after it (<see cref="Timeout.InfiniteTimeSpan"/> for one-shot).</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
