namespace Arbitrage.Orleans.Runtime.Reminders;

/// <summary>
/// Where durable reminders are kept: in memory for development, in PostgreSQL for real. In a cluster every change
/// carries the writer's fence and succeeds only while the writer holds the reminder's partition at that epoch.
/// </summary>
public interface IReminderTable
{
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the reminder; returns the stored entry with its new etag.</summary>
    /// <exception cref="PartitionLeaseLostException">The fence no longer holds.</exception>
    Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, int partition, GrainFence? fence, CancellationToken cancellationToken);

    /// <summary>Removes the reminder; false when it did not exist.</summary>
    Task<bool> RemoveAsync(GrainId grainId, string name, GrainFence? fence, CancellationToken cancellationToken);

    /// <summary>Records the tick time last delivered, so that a tick missed while no silo ran it is delivered on pick-up.</summary>
    Task RecordFiredAsync(GrainId grainId, string name, DateTimeOffset tickTime, GrainFence? fence, CancellationToken cancellationToken);
}
