using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// A process this bench started (a silo): its output goes to a log file (the last lines are also kept for error
/// messages), it can be hard-killed (SIGKILL: no goodbye, no cleanup) or stopped (SIGTERM, then SIGKILL after a grace
/// period), and every child still running when the bench exits — normally, by an exception or by Ctrl-C — is killed,
/// so no silo outlives a run.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private static readonly ConcurrentDictionary<int, ChildProcess> s_running = new();
    private static int s_exitHookInstalled;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly Action<string>? _onLine;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _outputStreamsOpen = 2;

    private ChildProcess(string name, Process process, string logPath, Action<string>? onLine)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _onLine = onLine;
        _log = new StreamWriter(logPath, append: false) { AutoFlush = true };
    }

    /// <summary>A short label for progress lines.</summary>
    public string Name { get; }

    public string LogPath { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes when the process has exited and its output has been read to the end.</summary>
    public Task Exited => _exited.Task;

    /// <summary>The CPU time the process has used so far (user and kernel, all threads).</summary>
    public TimeSpan TotalProcessorTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>The last lines the process printed (standard output and error), for error messages.</summary>
    public string Tail
    {
        get
        {
            lock (_tail) return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>Starts <paramref name="start"/> (its output is redirected here), logging to <paramref name="logPath"/>.</summary>
    public static ChildProcess Start(string name, ProcessStartInfo start, string logPath, Action<string>? onLine = null)
    {
        InstallExitHook();
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = false;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, logPath, onLine);
        process.OutputDataReceived += (_, e) => child.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnOutput(e.Data);
        if (!process.Start()) throw new InvalidOperationException($"{name} did not start.");
        s_running[process.Id] = child;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGKILL: the process ends at once, without running any of its shutdown code.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // exited meanwhile
        }
    }

    /// <summary>SIGTERM (a graceful stop, as a service manager asks for one), then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _ = SysKill(_process.Id, SigTerm);
            if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited) Kill();
        }

        await Exited.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20));
        s_running.TryRemove(_process.Id, out _);
        _process.Dispose();
        lock (_tail) _log.Dispose();
    }

    /// <summary>Kills every child still running (at the bench's exit).</summary>
    public static void KillAll()
    {
        foreach (var child in s_running.Values) child.Kill();
    }

    /// <summary>A loopback TCP port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The folder this run's child logs go to.</summary>
    public static string LogDirectory { get; } = Directory.CreateDirectory(
        Path.Combine(Path.GetTempPath(), "arbitrage-bench-logs", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Environment.ProcessId)).FullName;

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            if (Interlocked.Decrement(ref _outputStreamsOpen) == 0)
            {
                // Both streams are at their end: the process has exited (or closed them).
                _ = Task.Run(async () =>
                {
                    await _process.WaitForExitAsync();
                    s_running.TryRemove(_process.Id, out _);
                    _exited.TrySetResult();
                });
            }

            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 40) _tail.Dequeue();
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        _onLine?.Invoke(line);
    }

    private static void InstallExitHook()
    {
        if (Interlocked.Exchange(ref s_exitHookInstalled, 1) == 1) return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
