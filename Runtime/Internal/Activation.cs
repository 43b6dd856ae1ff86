using Arbitrage.Orleans.Runtime.Timers;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// One activation of a grain: its instance, the queue of requests waiting for their turn, and a single-threaded
/// executor. Work runs on the thread pool one item at a time with this object as the
/// <see cref="SynchronizationContext"/>, so every await inside grain code resumes as another turn of the same
/// activation. Requests are admitted by the turn-based rules: one at a time, unless the class is reentrant, the
/// method always interleaves, or all running requests and the new one are read-only.
/// </summary>
internal sealed class Activation : SynchronizationContext, IThreadPoolWorkItem
{
    private static readonly SendOrPostCallback RunRequestCallback = static s => { var r = (Request)s!; r.Activation!.RunRequest(r); };
    private static readonly SendOrPostCallback ActivateCallback = static s => _ = ((Activation)s!).ActivateAsync();
    private static readonly SendOrPostCallback DeactivateCallback = static s => _ = ((Activation)s!).DeactivateAsync();
    private const int TurnsPerQuantum = 64;

    private Grain? _grain;
    private Status _status;
    private bool _scheduled;
    private bool _deactivateWhenIdle;
    private int _running;
    private int _runningReadOnly;
    private long _lastActivity;
    private Queue<Request>? _waiting;
    private Queue<(SendOrPostCallback Callback, object? State)>? _work;
    private IStateLoader[]? _states;
    private List<IGrainTimerInternal>? _timers;
    private DeactivationReason _deactivationReason;
    private TaskCompletionSource? _deactivated;

    public Activation(GrainId id, GrainClassInfo grainClass, int partition, long epoch)
    {
        Id = id;
        Class = grainClass;
        Partition = partition;
        Epoch = epoch;
        _lastActivity = grainClass.Runtime.Time.GetTimestamp();
    }

    private enum Status : byte { Created, Activating, Valid, Deactivating, Invalid }

    public GrainId Id { get; }
    public GrainClassInfo Class { get; }

    /// <summary>The partition of the grain and the lease epoch this activation was created under (its write fence).</summary>
    public int Partition { get; }
    public long Epoch { get; }
    public GrainRuntime Runtime => Class.Runtime;

    /// <summary>The fence this activation's writes must pass; null outside a cluster.</summary>
    public GrainFence? Fence => Runtime.Placement.FenceFor(Partition, Epoch);

    /// <summary>Refuses a write locally when this silo already knows it lost the lease this activation was created under.</summary>
    public void EnsureMayWrite()
    {
        if (!Runtime.Placement.MayWrite(Partition, Epoch))
        {
            throw new PartitionLeaseLostException(
                $"{Id} may no longer write: this silo does not hold partition {Partition} at epoch {Epoch} any more. Nothing was written; retry the call.");
        }
    }

    /// <summary>A write was refused because the lease moved: this activation must not serve any longer.</summary>
    public void OnLeaseLost() => _ = StartDeactivation(new(DeactivationReasonCode.PartitionLost, $"partition {Partition} epoch {Epoch} is held elsewhere"));

    /// <summary>Hands a request to this activation. False when the activation is gone: look it up again.</summary>
    public bool TryEnqueue(Request request)
    {
        lock (this)
        {
            switch (_status)
            {
                case Status.Invalid:
                    return false;
                case Status.Created:
                    _status = Status.Activating;
                    (_waiting ??= new()).Enqueue(request);
                    PostLocked(ActivateCallback, this);
                    return true;
                case Status.Valid when !_deactivateWhenIdle:
                    if ((_waiting is not { Count: > 0 } || request.Interleaves) && CanAdmit(request))
                    {
                        Admit(request);
                    }
                    else
                    {
                        (_waiting ??= new()).Enqueue(request);
                    }

                    return true;
                case Status.Deactivating when !request.Redeliverable:
                    return false;
                default:
                    (_waiting ??= new()).Enqueue(request);
                    return true;
            }
        }
    }

    /// <summary>Whether this activation has had no request for at least <paramref name="age"/>.</summary>
    public bool IsIdleFor(TimeSpan age, long now)
    {
        lock (this)
        {
            return _status == Status.Valid && _running == 0 && _waiting is not { Count: > 0 }
                && Runtime.Time.GetElapsedTime(_lastActivity, now) >= age;
        }
    }

    public void DeactivateOnIdle()
    {
        bool now;
        lock (this)
        {
            _deactivateWhenIdle = true;
            now = _status == Status.Valid && _running == 0;
        }

        if (now) _ = StartDeactivation(new(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called"));
    }

    /// <summary>Begins deactivation once running requests have finished; returns when it has completed.</summary>
    public Task StartDeactivation(DeactivationReason reason)
    {
        lock (this)
        {
            _deactivated ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_status is Status.Created or Status.Invalid)
            {
                _status = Status.Invalid;
                _deactivated.TrySetResult();
                return _deactivated.Task;
            }

            if (_status == Status.Activating)
            {
                _deactivateWhenIdle = true;
                _deactivationReason = reason;
            }

            if (_status != Status.Valid)
            {
                return _deactivated.Task;
            }

            _status = Status.Deactivating;
            _deactivationReason = reason;
            if (_running == 0)
            {
                PostLocked(DeactivateCallback, this);
            }

            return _deactivated.Task;
        }
    }

    public IGrainTimer RegisterTimer<TState>(Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options)
    {
        var timer = new GrainTimer<TState>(this, callback, state, options, Runtime.Time, Runtime.Logger);
        lock (this)
        {
            if (_status is Status.Deactivating or Status.Invalid)
            {
                timer.Dispose();
                throw new InvalidOperationException($"Cannot register a timer on {Id}: the activation is deactivating.");
            }

            (_timers ??= []).Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RemoveTimer(IGrainTimerInternal timer)
    {
        lock (this)
        {
            _timers?.Remove(timer);
        }
    }

    internal PersistentState<TState> AddState<TState>(PersistentState<TState> state)
    {
        _states ??= new IStateLoader[Class.StateCount];
        _states[Array.IndexOf(_states, null)] = state;
        return state;
    }

    public override void Post(SendOrPostCallback d, object? state)
    {
        lock (this)
        {
            PostLocked(d, state);
        }
    }

    public override void Send(SendOrPostCallback d, object? state) =>
        throw new NotSupportedException("Grain activations do not support synchronous Send; await instead.");

    public override SynchronizationContext CreateCopy() => this;

    void IThreadPoolWorkItem.Execute()
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            for (int turn = 0; turn < TurnsPerQuantum; turn++)
            {
                (SendOrPostCallback Callback, object? State) item;
                lock (this)
                {
                    if (!_work!.TryDequeue(out item))
                    {
                        _scheduled = false;
                        return;
                    }
                }

                try
                {
                    item.Callback(item.State);
                }
                catch (Exception e)
                {
                    Runtime.Logger.TurnFailed(e, Id);
                }
            }

            lock (this)
            {
                if (_work!.Count == 0)
                {
                    _scheduled = false;
                    return;
                }
            }

            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }

    public override string ToString() => $"activation of {Id}";

    private void PostLocked(SendOrPostCallback callback, object? state)
    {
        (_work ??= new()).Enqueue((callback, state));
        if (!_scheduled)
        {
            _scheduled = true;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool CanAdmit(Request request) =>
        _running == 0
        || Class.IsReentrant
        || request.Interleaves
        || (request.IsReadOnly && _runningReadOnly == _running);

    private void Admit(Request request)
    {
        _running++;
        if (request.IsReadOnly) _runningReadOnly++;
        if (request.CountsAsActivity) _lastActivity = Runtime.Time.GetTimestamp();
        request.Activation = this;
        PostLocked(RunRequestCallback, request);
    }

    private void AdmitWaitingLocked()
    {
        while (_waiting is { Count: > 0 } && !_deactivateWhenIdle && CanAdmit(_waiting.Peek()))
        {
            Admit(_waiting.Dequeue());
        }
    }

    private void RunRequest(Request request)
    {
        if (request.IsCompleted)
        {
            Finish(request, Task.FromCanceled(new CancellationToken(canceled: true)));
            return;
        }

        Task task;
        try
        {
            task = request.Invoke(_grain!);
        }
        catch (Exception e)
        {
            task = Task.FromException(e);
        }

        if (task.IsCompleted)
        {
            Finish(request, task);
        }
        else
        {
            task.ContinueWith(
                static (t, s) => { var r = (Request)s!; r.Activation!.Finish(r, t); },
                request,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private void Finish(Request request, Task task)
    {
        // Book-keeping first, so that a caller resuming on the result sees this activation idle and up to date.
        bool deactivate = false;
        lock (this)
        {
            _running--;
            if (request.IsReadOnly) _runningReadOnly--;
            if (request.CountsAsActivity) _lastActivity = Runtime.Time.GetTimestamp();
            if (_status == Status.Valid)
            {
                if (_deactivateWhenIdle && _running == 0)
                {
                    deactivate = true;
                }
                else
                {
                    AdmitWaitingLocked();
                }
            }
            else if (_status == Status.Deactivating && _running == 0)
            {
                PostLocked(DeactivateCallback, this);
            }
        }

        request.Complete(task);
        if (deactivate)
        {
            _ = StartDeactivation(new(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called"));
        }
    }

    private async Task ActivateAsync()
    {
        try
        {
            _grain = Class.CreateInstance(this);
            var stopping = Runtime.Stopping;
            if (_states is not null)
            {
                foreach (var state in _states)
                {
                    await state.ReadStateAsync(stopping);
                }
            }

            await _grain.OnActivateAsync(stopping);
        }
        catch (Exception e)
        {
            Runtime.Logger.ActivationFailed(e, Id);
            FailActivation(e);
            return;
        }

        Class.OnActivated();
        bool deactivate;
        lock (this)
        {
            _status = Status.Valid;
            _lastActivity = Runtime.Time.GetTimestamp();
            if (_deactivationReason.Code != DeactivationReasonCode.None)
            {
                deactivate = true; // the silo asked to deactivate while this activation was starting
            }
            else
            {
                while (_waiting is { Count: > 0 } && CanAdmit(_waiting.Peek()))
                {
                    Admit(_waiting.Dequeue());
                }

                deactivate = _deactivateWhenIdle && _running == 0;
            }
        }

        if (deactivate)
        {
            _ = StartDeactivation(_deactivationReason.Code != DeactivationReasonCode.None
                ? _deactivationReason
                : new(DeactivationReasonCode.ApplicationRequested, "DeactivateOnIdle was called during activation"));
        }
    }

    private void FailActivation(Exception error)
    {
        Queue<Request>? waiting;
        lock (this)
        {
            _status = Status.Invalid;
            waiting = _waiting;
            _waiting = null;
            _deactivated?.TrySetResult();
        }

        DisposeTimers();
        Runtime.Catalog.Remove(this);
        while (waiting is { Count: > 0 })
        {
            waiting.Dequeue().Fail(error);
        }
    }

    private async Task DeactivateAsync()
    {
        DisposeTimers();
        DeactivationReason reason;
        lock (this)
        {
            reason = _deactivationReason;
        }

        try
        {
            using var timeout = new CancellationTokenSource(Runtime.Options.DeactivationTimeout, Runtime.Time);
            await _grain!.OnDeactivateAsync(reason, timeout.Token);
        }
        catch (Exception e)
        {
            Runtime.Logger.DeactivationFailed(e, Id);
        }

        Queue<Request>? waiting;
        lock (this)
        {
            _status = Status.Invalid;
            waiting = _waiting;
            _waiting = null;
        }

        Class.OnDeactivated();
        Runtime.Catalog.Remove(this);
        Runtime.Logger.Deactivated(Id, reason.Code);
        while (waiting is { Count: > 0 })
        {
            var request = waiting.Dequeue();
            if (request is CallRequest call)
            {
                Runtime.Dispatcher.Deliver(Class, call);
            }
        }

        lock (this)
        {
            _deactivated?.TrySetResult();
        }
    }

    private void DisposeTimers()
    {
        IGrainTimerInternal[] timers;
        lock (this)
        {
            if (_timers is not { Count: > 0 }) return;
            timers = [.. _timers];
            _timers.Clear();
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}
