using Arbitrage.Orleans.Runtime.Internal;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Runtime.Reminders;

/// <summary>
/// Runs the durable reminders of this silo: loads them from the reminder table at start, keeps them in one
/// priority queue driven by a single timer of the runtime's <see cref="TimeProvider"/>, and delivers each tick as a
/// call to <see cref="IRemindable.ReceiveReminder"/> (activating the grain when needed). A tick that fell due while
/// no silo was running it is delivered as soon as the reminder is picked up. In a cluster a silo runs the reminders
/// of the partitions it holds: it loads a partition's reminders when it takes the partition and drops them when it
/// loses it, and records each delivered tick under that partition's fence.
/// </summary>
internal sealed class ReminderService(GrainRuntime runtime, IReminderTable table, ReminderOptions options, TimeProvider time, ILogger logger) : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<(GrainId, string), Scheduled> _scheduled = [];
    private readonly PriorityQueue<Scheduled, DateTimeOffset> _queue = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<int, long> _partitionEpochs = [];
    private ITimer? _timer;

    public int Count
    {
        get { lock (_gate) return _scheduled.Count; }
    }

    /// <summary>Starts the timer; outside a cluster also loads every reminder (in a cluster they come with partitions).</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var entries = runtime.Placement.IsClustered ? [] : await table.ReadAllAsync(cancellationToken);
        lock (_gate)
        {
            _timer = time.CreateTimer(static s => ((ReminderService)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            foreach (var entry in entries)
            {
                ScheduleLocked(entry);
            }

            ArmLocked();
        }

        if (!runtime.Placement.IsClustered) logger.RemindersLoaded(entries.Count);
    }

    /// <summary>This silo took partitions: run their reminders from now on (one query; retried while it fails).</summary>
    public async Task OnPartitionsAcquiredAsync(IReadOnlyList<(int Partition, long Epoch)> taken)
    {
        lock (_gate)
        {
            foreach (var (partition, epoch) in taken) _partitionEpochs[partition] = epoch;
        }

        for (var delay = TimeSpan.FromMilliseconds(200); !_stopping.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 10)))
        {
            var pending = StillHeld(taken);
            if (pending.Count == 0) return;
            try
            {
                var entries = await table.ReadPartitionsAsync(pending.Select(p => p.Partition).ToArray(), _stopping.Token);
                lock (_gate)
                {
                    if (_timer is null) return;
                    foreach (var entry in entries)
                    {
                        bool held = _partitionEpochs.TryGetValue(entry.Partition, out var current) && pending.Contains((entry.Partition, current));
                        if (held && !_scheduled.ContainsKey((entry.GrainId, entry.Name))) ScheduleLocked(entry);
                    }

                    ArmLocked();
                }

                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.ReminderPartitionLoadFailed(e, pending.Count);
                await Task.Delay(delay, time, _stopping.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private List<(int Partition, long Epoch)> StillHeld(IReadOnlyList<(int Partition, long Epoch)> taken)
    {
        lock (_gate)
        {
            return [.. taken.Where(t => _partitionEpochs.TryGetValue(t.Partition, out var epoch) && epoch == t.Epoch)];
        }
    }

    /// <summary>This silo lost a partition: its reminders are run elsewhere now.</summary>
    public void OnPartitionLost(int partition)
    {
        lock (_gate)
        {
            _partitionEpochs.Remove(partition);
            foreach (var key in _scheduled.Where(s => s.Value.Entry.Partition == partition).Select(s => s.Key).ToList())
            {
                _scheduled.Remove(key, out var scheduled);
                scheduled!.Removed = true;
            }
        }
    }

    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            _scheduled.Clear();
            _queue.Clear();
        }
    }

    public async Task<IGrainReminder> RegisterOrUpdateAsync(Activation activation, string name, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken)
    {
        if (activation.Class.ReminderInvoker is null)
        {
            throw new InvalidOperationException($"Grain class {activation.Class.ClassType.Name} must implement IRemindable to register reminder '{name}'.");
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A reminder needs a name.", nameof(name));
        }

        if (period < options.MinimumPeriod)
        {
            throw new ArgumentOutOfRangeException(nameof(period), period,
                $"Reminder '{name}' period {period} is below the minimum of {options.MinimumPeriod} (Reminders:MinimumPeriod); use a grain timer for shorter periods.");
        }

        if (dueTime < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(dueTime), dueTime, $"Reminder '{name}' due time must not be negative.");
        }

        var now = time.GetUtcNow();
        var startAt = new DateTimeOffset(now.Add(dueTime).UtcTicks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);
        var entry = await table.UpsertAsync(activation.Id, name, startAt, period, activation.Partition, activation.Fence, cancellationToken);
        lock (_gate)
        {
            ScheduleLocked(entry);
            ArmLocked();
        }

        return entry;
    }

    public async Task UnregisterAsync(Activation activation, string name, CancellationToken cancellationToken)
    {
        var grainId = activation.Id;
        await table.RemoveAsync(grainId, name, activation.Fence, cancellationToken);
        lock (_gate)
        {
            if (_scheduled.Remove((grainId, name), out var scheduled))
            {
                scheduled.Removed = true;
            }
        }
    }

    public async Task<IGrainReminder?> GetAsync(GrainId grainId, string name, CancellationToken cancellationToken) =>
        (await table.ReadAsync(grainId, cancellationToken)).FirstOrDefault(e => e.Name == name);

    public async Task<IReadOnlyList<IGrainReminder>> ListAsync(GrainId grainId, CancellationToken cancellationToken) =>
        [.. await table.ReadAsync(grainId, cancellationToken)];

    /// <summary>The tick to deliver next and when: a missed tick is due at once.</summary>
    internal static (DateTimeOffset TickTime, DateTimeOffset DueAt) NextTick(ReminderEntry entry, DateTimeOffset now)
    {
        if (entry.StartAt > now) return (entry.StartAt, entry.StartAt);
        long elapsedPeriods = (now - entry.StartAt).Ticks / entry.Period.Ticks;
        var latest = entry.StartAt + TimeSpan.FromTicks(elapsedPeriods * entry.Period.Ticks);
        if (entry.LastFiredAt is null || entry.LastFiredAt < latest) return (latest, now);
        var next = latest + entry.Period;
        return (next, next);
    }

    private void ScheduleLocked(ReminderEntry entry)
    {
        if (_scheduled.Remove((entry.GrainId, entry.Name), out var previous))
        {
            previous.Removed = true;
        }

        var (tick, due) = NextTick(entry, time.GetUtcNow());
        var scheduled = new Scheduled(entry, tick);
        _scheduled[(entry.GrainId, entry.Name)] = scheduled;
        _queue.Enqueue(scheduled, due);
    }

    private void ArmLocked()
    {
        while (_queue.TryPeek(out var head, out _) && head.Removed)
        {
            _queue.Dequeue();
        }

        if (_timer is null || !_queue.TryPeek(out _, out var due)) return;
        var delay = due - time.GetUtcNow();
        _timer.Change(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        var fire = new List<Scheduled>();
        lock (_gate)
        {
            var now = time.GetUtcNow();
            while (_queue.TryPeek(out var head, out var due) && due <= now)
            {
                _queue.Dequeue();
                if (!head.Removed) fire.Add(head);
            }

            ArmLocked();
        }

        foreach (var scheduled in fire)
        {
            _ = FireAsync(scheduled);
        }
    }

    private async Task FireAsync(Scheduled scheduled)
    {
        var entry = scheduled.Entry;
        try
        {
            var grainClass = runtime.Registry.FindByGrainType(entry.GrainId.Type);
            if (grainClass is null)
            {
                logger.ReminderForUnknownGrainType(entry.GrainId, entry.Name);
                return;
            }

            await runtime.Dispatcher.DeliverReminder(grainClass, entry.GrainId, entry.Name, new TickStatus(entry.StartAt, entry.Period, scheduled.TickTime));
            await table.RecordFiredAsync(entry.GrainId, entry.Name, scheduled.TickTime, FenceOf(entry.Partition), _stopping.Token);
        }
        catch (Exception e) when (!_stopping.IsCancellationRequested)
        {
            logger.ReminderFailed(e, entry.GrainId, entry.Name);
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
            return; // the silo is stopping; the tick is delivered by whichever silo runs the reminder next
        }

        lock (_gate)
        {
            if (scheduled.Removed || _timer is null) return;
            ScheduleLocked(entry with { LastFiredAt = scheduled.TickTime });
            ArmLocked();
        }
    }

    private GrainFence? FenceOf(int partition)
    {
        lock (_gate)
        {
            return _partitionEpochs.TryGetValue(partition, out var epoch) ? runtime.Placement.FenceFor(partition, epoch) : runtime.Placement.FenceFor(partition, 0);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stopping.Dispose();
    }

    private sealed class Scheduled(ReminderEntry entry, DateTimeOffset tickTime)
    {
        public ReminderEntry Entry { get; } = entry;
        public DateTimeOffset TickTime { get; } = tickTime;
        public bool Removed { get; set; }
    }
}
