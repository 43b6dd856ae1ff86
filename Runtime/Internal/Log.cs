using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Every log message of the runtime, with its event id.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Error, "A turn of {GrainId} threw outside any request")]
    public static partial void TurnFailed(this ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(1002, LogLevel.Warning, "Activation of {GrainId} failed; no activation is left behind")]
    public static partial void ActivationFailed(this ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(1003, LogLevel.Warning, "OnDeactivateAsync of {GrainId} failed")]
    public static partial void DeactivationFailed(this ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(1004, LogLevel.Debug, "Deactivated {GrainId} ({Reason})")]
    public static partial void Deactivated(this ILogger logger, GrainId grainId, DeactivationReasonCode reason);

    [LoggerMessage(1005, LogLevel.Warning, "Timer callback of {GrainId} failed")]
    public static partial void TimerCallbackFailed(this ILogger logger, Exception exception, GrainId grainId);

    [LoggerMessage(1006, LogLevel.Information, "Collected {Count} idle activations")]
    public static partial void CollectedIdle(this ILogger logger, int count);

    [LoggerMessage(1007, LogLevel.Information, "Grain runtime started with {GrainClassCount} grain classes")]
    public static partial void RuntimeStarted(this ILogger logger, int grainClassCount);

    [LoggerMessage(1010, LogLevel.Information, "Cluster client started: routing calls for {GrainClassCount} grain classes to the silos")]
    public static partial void ClientStarted(this ILogger logger, int grainClassCount);

    [LoggerMessage(1008, LogLevel.Information, "Grain runtime stopping: deactivating {Count} activations")]
    public static partial void RuntimeStopping(this ILogger logger, int count);

    [LoggerMessage(1009, LogLevel.Warning, "Shutdown timed out with {Count} activations still deactivating")]
    public static partial void ShutdownTimedOut(this ILogger logger, int count);

    [LoggerMessage(1101, LogLevel.Warning, "Reminder {ReminderName} of {GrainId} failed; it fires again at its next period")]
    public static partial void ReminderFailed(this ILogger logger, Exception exception, GrainId grainId, string reminderName);

    [LoggerMessage(1102, LogLevel.Warning, "Reminder {ReminderName} of {GrainId} names grain type that is not registered; skipped")]
    public static partial void ReminderForUnknownGrainType(this ILogger logger, GrainId grainId, string reminderName);

    [LoggerMessage(1103, LogLevel.Information, "Loaded {Count} reminders")]
    public static partial void RemindersLoaded(this ILogger logger, int count);

    [LoggerMessage(1104, LogLevel.Warning, "Loading the reminders of {Partitions} partitions failed; retrying")]
    public static partial void ReminderPartitionLoadFailed(this ILogger logger, Exception exception, int partitions);

    [LoggerMessage(1201, LogLevel.Information, "Database schema at version {Version} ({Applied} migrations applied now)")]
    public static partial void SchemaReady(this ILogger logger, int version, int applied);
}
