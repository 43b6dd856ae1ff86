namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>A unit of work an activation admits: a grain call, a reminder tick or a timer tick.</summary>
internal abstract class Request
{
    /// <summary>The activation that admitted the request; set at admission.</summary>
    public Activation? Activation;

    /// <summary>May run while other requests of the same activation are in progress.</summary>
    public abstract bool Interleaves { get; }

    /// <summary>May run beside other read-only requests.</summary>
    public abstract bool IsReadOnly { get; }

    /// <summary>Whether running it resets the activation's idle clock.</summary>
    public abstract bool CountsAsActivity { get; }

    /// <summary>The caller has its answer already (for example it timed out): do not run it.</summary>
    public abstract bool IsCompleted { get; }

    /// <summary>Whether the request should follow its grain to a new activation when the current one deactivates.</summary>
    public abstract bool Redeliverable { get; }

    /// <summary>Runs the request's work on the grain, inside a turn of its activation.</summary>
    public abstract Task Invoke(Grain grain);

    /// <summary>Called once the task returned by <see cref="Invoke"/> has completed.</summary>
    public abstract void Complete(Task task);

    /// <summary>Ends the request without running it.</summary>
    public abstract void Fail(Exception exception);

    internal static Exception Unwrap(Task task) =>
        task.Exception is { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : (Exception?)task.Exception ?? new TaskCanceledException(task);
}

/// <summary>A call to a grain interface method, with the caller waiting for its result.</summary>
internal sealed class CallRequest<TResult>(GrainMethodInvoker invoker, GrainId target, object?[] arguments, long startTimestamp, CallTracker tracker)
    : Request, ITrackedCall
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GrainMethodInvoker Invoker { get; } = invoker;
    public GrainId Target { get; } = target;
    public object?[] Arguments { get; } = arguments;
    public long StartTimestamp { get; } = startTimestamp;
    public long CallId { get; set; }
    public Task<TResult> Task => _completion.Task;

    public override bool Interleaves => Invoker.AlwaysInterleave;
    public override bool IsReadOnly => Invoker.IsReadOnly;
    public override bool CountsAsActivity => true;
    public override bool IsCompleted => _completion.Task.IsCompleted;
    public override bool Redeliverable => true;

    public override Task Invoke(Grain grain) => Invoker.Invoke(grain, Arguments, Target);

    public override void Complete(Task task)
    {
        bool completed = task.IsCompletedSuccessfully
            ? _completion.TrySetResult(Invoker.ReturnsValue ? ((Task<TResult>)task).Result : default!)
            : task.IsCanceled ? _completion.TrySetCanceled() : _completion.TrySetException(Unwrap(task));
        if (completed)
        {
            tracker.Untrack(this);
            Invoker.Statistics.Record(tracker.Time.GetElapsedTime(StartTimestamp), faulted: !task.IsCompletedSuccessfully);
        }
    }

    public override void Fail(Exception exception)
    {
        if (_completion.TrySetException(exception))
        {
            tracker.Untrack(this);
            Invoker.Statistics.Record(tracker.Time.GetElapsedTime(StartTimestamp), faulted: true);
        }
    }

    string ITrackedCall.Describe() => $"{Invoker.Name} on grain {Target}";
}
