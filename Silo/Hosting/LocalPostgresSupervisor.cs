namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>
/// Keeps the PostgreSQL this process started running: looks at its process every <c>CheckInterval</c> and, when it
/// died, starts it again on the same data directory and port (PostgreSQL recovers from its write-ahead log), after a
/// wait that doubles with each failed attempt or restart that did not last. A server that keeps crashing is reported
/// as such, with the end of its log. It is registered before Orleans, so it stops after it: a server that dies while
/// the silo shuts down is still restarted, for Orleans to record its departure; then the server stops with the process.
/// </summary>
internal sealed partial class LocalPostgresSupervisor(
    LocalPostgres server,
    LocalPostgresSupervisorOptions options,
    TimeProvider time,
    ILogger<LocalPostgresSupervisor> logger) : BackgroundService
{
    private readonly Queue<DateTimeOffset> _recentRestarts = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var token = stoppingToken;
        var delay = options.RestartDelay;
        try
        {
            while (true)
            {
                await Task.Delay(options.CheckInterval, time, token);
                if (server.IsRunning)
                {
                    if (_recentRestarts.Count > 0 && time.GetUtcNow() - _recentRestarts.Last() >= options.CrashLoopWindow) delay = options.RestartDelay;
                    continue;
                }

                var downSince = time.GetUtcNow();
                var lastWords = server.LogTail(5); // why it died, before a restart adds to the log
                LogDown(server.Port, delay);
                for (int attempt = 1; ; attempt++)
                {
                    await Task.Delay(delay, time, token);
                    delay = Min(delay * 2, options.MaxRestartDelay);
                    try
                    {
                        if (!await server.RestartAsync(token))
                        {
                            if (server.IsRunning) break; // it came back by itself (someone started it)
                            return; // the server was stopped for good
                        }
                    }
                    catch (InvalidOperationException e)
                    {
                        LogStartFailed(server.Port, attempt, e.Message, delay, server.LogTail(3), server.LogFile);
                        continue;
                    }

                    Restarted(downSince, lastWords);
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutting down: the server stops with the process.
        }
    }

    private void Restarted(DateTimeOffset downSince, string lastWords)
    {
        var now = time.GetUtcNow();
        _recentRestarts.Enqueue(now);
        while (_recentRestarts.Count > 0 && now - _recentRestarts.Peek() > options.CrashLoopWindow) _recentRestarts.Dequeue();
        LogRestarted(server.Port, now - downSince, _recentRestarts.Count, options.CrashLoopWindow);
        if (_recentRestarts.Count >= options.CrashLoopRestarts)
        {
            LogKeepsCrashing(_recentRestarts.Count, options.CrashLoopWindow, lastWords, server.LogFile);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 1531, Level = LogLevel.Error, Message = "The local PostgreSQL on 127.0.0.1:{Port} is not running; starting it again in {Delay}")]
    private partial void LogDown(int port, TimeSpan delay);

    [LoggerMessage(EventId = 1532, Level = LogLevel.Warning, Message = "Restarted the local PostgreSQL on 127.0.0.1:{Port} after {Downtime} down (restart {Count} within {Window})")]
    private partial void LogRestarted(int port, TimeSpan downtime, int count, TimeSpan window);

    [LoggerMessage(EventId = 1533, Level = LogLevel.Error,
        Message = "The local PostgreSQL on 127.0.0.1:{Port} did not start again (attempt {Attempt}): {Error}; next attempt in {Delay}. Its log ends: {LogTail} (all of it in {LogFile})")]
    private partial void LogStartFailed(int port, int attempt, string error, TimeSpan delay, string logTail, string logFile);

    [LoggerMessage(EventId = 1534, Level = LogLevel.Critical,
        Message = "The local PostgreSQL keeps crashing: restarted {Count} times within {Window}. Each restart now waits longer. Its log before the last restart ends: {LogTail} (all of it in {LogFile})")]
    private partial void LogKeepsCrashing(int count, TimeSpan window, string logTail, string logFile);
}
