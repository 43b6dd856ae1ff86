using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Runtime.Reminders;

/// <summary>Reminders kept in this process only (development and unit tests); they do not survive a restart.</summary>
internal sealed class MemoryReminderTable : IReminderTable
{
    private readonly ConcurrentDictionary<(GrainId, string), ReminderEntry> _entries = new();
    private long _version;

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values]);

    public Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values.Where(e => partitions.Contains(e.Partition))]);

    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grainId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ReminderEntry>>([.. _entries.Values.Where(e => e.GrainId == grainId).OrderBy(e => e.Name, StringComparer.Ordinal)]);

    public Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, int partition, GrainFence? fence, CancellationToken cancellationToken)
    {
        var entry = new ReminderEntry(grainId, name, startAt, period, Interlocked.Increment(ref _version).ToString(), null, partition);
        _entries[(grainId, name)] = entry;
        return Task.FromResult(entry);
    }

    public Task<bool> RemoveAsync(GrainId grainId, string name, GrainFence? fence, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryRemove((grainId, name), out _));

    public Task RecordFiredAsync(GrainId grainId, string name, DateTimeOffset tickTime, GrainFence? fence, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue((grainId, name), out var entry))
        {
            _entries.TryUpdate((grainId, name), entry with { LastFiredAt = tickTime }, entry);
        }

        return Task.CompletedTask;
    }
}
