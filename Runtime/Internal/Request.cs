using System.Text.Json;
using Arbitrage.Orleans.Runtime.Cluster;

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

/// <summary>A call to a grain interface method, with a caller waiting for its result.</summary>
internal abstract class CallRequest(GrainMethodInvoker invoker, GrainId target, int partition, object?[] arguments, long startTimestamp, CallTracker tracker)
    : Request, ITrackedCall
{
    public GrainMethodInvoker Invoker { get; } = invoker;
    public GrainId Target { get; } = target;
    public int Partition { get; } = partition;
    public object?[] Arguments { get; } = arguments;
    public long StartTimestamp { get; } = startTimestamp;
    public long CallId { get; set; }
    protected CallTracker Tracker { get; } = tracker;

    /// <summary>Completes with the caller's result (a Task&lt;T&gt; for methods with a result).</summary>
    public abstract Task Completion { get; }

    public override bool Interleaves => Invoker.AlwaysInterleave;
    public override bool IsReadOnly => Invoker.IsReadOnly;
    public override bool CountsAsActivity => true;
    public override bool IsCompleted => Completion.IsCompleted;
    public override bool Redeliverable => true;

    public override Task Invoke(Grain grain) => Invoker.Invoke(grain, Arguments, Target);

    /// <summary>Completes the call with what a remote silo answered.</summary>
    public abstract void CompleteRemote(RemoteResultMessage answer);

    string ITrackedCall.Describe() => $"{Invoker.Name} on grain {Target}";

    protected void Finished(bool faulted)
    {
        Tracker.Untrack(this);
        Invoker.Statistics.Record(Tracker.Time.GetElapsedTime(StartTimestamp), faulted);
    }
}

internal sealed class CallRequest<TResult>(GrainMethodInvoker invoker, GrainId target, int partition, object?[] arguments, long startTimestamp, CallTracker tracker)
    : CallRequest(invoker, target, partition, arguments, startTimestamp, tracker)
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<TResult> Task => _completion.Task;

    public override Task Completion => _completion.Task;

    public override void Complete(Task task)
    {
        bool completed = task.IsCompletedSuccessfully
            ? _completion.TrySetResult(Invoker.ReturnsValue ? ((Task<TResult>)task).Result : default!)
            : task.IsCanceled ? _completion.TrySetCanceled() : _completion.TrySetException(Unwrap(task));
        if (completed) Finished(faulted: !task.IsCompletedSuccessfully);
    }

    public override void Fail(Exception exception)
    {
        if (_completion.TrySetException(exception)) Finished(faulted: true);
    }

    public override void CompleteRemote(RemoteResultMessage answer)
    {
        if (answer.ErrorType is not null)
        {
            Fail(RemoteSiloClient.Rebuild(answer.ErrorType, answer.ErrorMessage ?? ""));
            return;
        }

        TResult value;
        try
        {
            value = Invoker.ReturnsValue && answer.Value is { } json ? json.Deserialize<TResult>(Storage.GrainStateSerializer.Options)! : default!;
        }
        catch (JsonException e)
        {
            Fail(new InvalidOperationException($"The result of {Invoker.Name} from a remote silo could not be read: {e.Message}", e));
            return;
        }

        if (_completion.TrySetResult(value)) Finished(faulted: false);
    }
}
