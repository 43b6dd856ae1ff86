namespace Arbitrage.Orleans.Runtime;

/// <summary>Implemented by grains that receive durable reminders.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

/// <summary>When a reminder tick was due and its schedule.</summary>
public readonly record struct TickStatus(DateTimeOffset FirstTickTime, TimeSpan Period, DateTimeOffset CurrentTickTime);

/// <summary>A registered reminder.</summary>
public interface IGrainReminder
{
    string ReminderName { get; }
}

/// <summary>A durable reminder as stored: one per grain and name, in its grain's partition.</summary>
public sealed record ReminderEntry(GrainId GrainId, string Name, DateTimeOffset StartAt, TimeSpan Period, string ETag, DateTimeOffset? LastFiredAt, int Partition = 0)
    : IGrainReminder
{
    string IGrainReminder.ReminderName => Name;
}
