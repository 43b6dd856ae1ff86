namespace Arbitrage.Orleans.Runtime.Reminders;

/// <summary>Where durable reminders are kept: in memory for development, in PostgreSQL for real.</summary>
public interface IReminderTable
{
    Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the reminder; returns the stored entry with its new etag.</summary>
    Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, CancellationToken cancellationToken);

    /// <summary>Removes the reminder; false when it did not exist.</summary>
    Task<bool> RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken);

    /// <summary>Records the tick time last delivered, so that a tick missed while no silo ran it is delivered on pick-up.</summary>
    Task RecordFiredAsync(GrainId grainId, string name, DateTimeOffset tickTime, CancellationToken cancellationToken);
}
