namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>
/// How the silo looks after the PostgreSQL it started for itself (configuration section <c>LocalPostgres</c>; only
/// the embedded default, not a database given by <c>ConnectionStrings:Arbitrage</c>): a server found dead is started
/// again on the same data directory and port, waiting longer after each restart that did not last.
/// </summary>
public sealed class LocalPostgresSupervisorOptions
{
    public const string SectionName = "LocalPostgres";

    /// <summary>Restart the server when it dies.</summary>
    public bool Supervise { get; set; } = true;

    /// <summary>How often the server's process is looked at.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait before the first restart attempt; doubled after each attempt that fails or restart that does not last.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between restart attempts.</summary>
    public TimeSpan MaxRestartDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This many restarts within <see cref="CrashLoopWindow"/> is reported as a server that keeps crashing.</summary>
    public int CrashLoopRestarts { get; set; } = 3;

    /// <summary>A server up this long after its restart is healthy again: the wait goes back to <see cref="RestartDelay"/>.</summary>
    public TimeSpan CrashLoopWindow { get; set; } = TimeSpan.FromMinutes(10);

    public IEnumerable<string> Problems()
    {
        const string p = SectionName;
        if (CheckInterval < TimeSpan.FromMilliseconds(100) || CheckInterval > TimeSpan.FromMinutes(1)) yield return $"{p}:CheckInterval must be between 00:00:00.1 and 00:01:00 (was {CheckInterval}).";
        if (RestartDelay < TimeSpan.Zero || RestartDelay > TimeSpan.FromMinutes(10)) yield return $"{p}:RestartDelay must be between 00:00:00 and 00:10:00 (was {RestartDelay}).";
        if (MaxRestartDelay < RestartDelay || MaxRestartDelay > TimeSpan.FromHours(1)) yield return $"{p}:MaxRestartDelay must be between {p}:RestartDelay ({RestartDelay}) and 01:00:00 (was {MaxRestartDelay}).";
        if (CrashLoopRestarts < 1) yield return $"{p}:CrashLoopRestarts must be at least 1 (was {CrashLoopRestarts}).";
        if (CrashLoopWindow <= TimeSpan.Zero) yield return $"{p}:CrashLoopWindow must be positive (was {CrashLoopWindow}).";
    }
}
