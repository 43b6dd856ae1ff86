using Arbitrage.Orleans.Runtime.Internal;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Runtime.Timers;

internal interface IGrainTimerInternal : IGrainTimer;

/// <summary>
/// A grain timer. Each tick is a request of its activation, so it runs as a turn and (unless
/// <see cref="GrainTimerCreationOptions.Interleave"/>) waits for running calls. The next tick is armed only after the
/// previous callback completed, so ticks never overlap. The same object is the tick request, reused each time.
/// </summary>
internal sealed class GrainTimer<TState> : Request, IGrainTimerInternal
{
    private readonly Activation _activation;
    private readonly Func<TState, CancellationToken, Task> _callback;
    private readonly TState _state;
    private readonly GrainTimerCreationOptions _options;
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly CancellationTokenSource _disposed = new();
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private bool _ticking;
    private bool _changedWhileTicking;

    public GrainTimer(Activation activation, Func<TState, CancellationToken, Task> callback, TState state, GrainTimerCreationOptions options, TimeProvider time, ILogger logger)
    {
        ValidatePeriod(options.DueTime, nameof(options.DueTime));
        ValidatePeriod(options.Period, nameof(options.Period));
        _activation = activation;
        _callback = callback;
        _state = state;
        _options = options;
        _logger = logger;
        _dueTime = options.DueTime;
        _period = options.Period;
        _timer = time.CreateTimer(static s => ((GrainTimer<TState>)s!).OnDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public override bool Interleaves => _options.Interleave;
    public override bool IsReadOnly => false;
    public override bool CountsAsActivity => _options.KeepAlive;
    public override bool IsCompleted => _disposed.IsCancellationRequested;
    public override bool Redeliverable => false;

    public void Start()
    {
        lock (_disposed)
        {
            if (!_disposed.IsCancellationRequested) _timer.Change(_dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        ValidatePeriod(dueTime, nameof(dueTime));
        ValidatePeriod(period, nameof(period));
        lock (_disposed)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            _dueTime = dueTime;
            _period = period;
            if (_ticking)
            {
                _changedWhileTicking = true;
            }
            else
            {
                _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public override Task Invoke(Grain grain) => _callback(_state, _disposed.Token);

    public override void Complete(Task task)
    {
        if (task.IsFaulted)
        {
            _logger.TimerCallbackFailed(Unwrap(task), _activation.Id);
        }

        lock (_disposed)
        {
            _ticking = false;
            if (_disposed.IsCancellationRequested) return;
            if (_changedWhileTicking)
            {
                _changedWhileTicking = false;
                _timer.Change(_dueTime, Timeout.InfiniteTimeSpan);
            }
            else if (_period != Timeout.InfiniteTimeSpan)
            {
                _timer.Change(_period, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public override void Fail(Exception exception) => Dispose();

    public void Dispose()
    {
        lock (_disposed)
        {
            if (_disposed.IsCancellationRequested) return;
            _disposed.Cancel();
            _timer.Dispose();
        }

        _activation.RemoveTimer(this);
    }

    private void OnDue()
    {
        lock (_disposed)
        {
            if (_disposed.IsCancellationRequested || _ticking) return;
            _ticking = true;
        }

        if (!_activation.TryEnqueue(this))
        {
            Dispose();
        }
    }

    private static void ValidatePeriod(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, $"Grain timer {name} must be zero or positive, or Timeout.InfiniteTimeSpan.");
        }
    }
}
