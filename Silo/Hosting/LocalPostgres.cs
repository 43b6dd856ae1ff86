using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>How to run a private PostgreSQL server.</summary>
public sealed record LocalPostgresOptions(string DataDirectory)
{
    /// <summary>Keep the data directory when stopped (the local run); a throwaway server (tests) deletes it.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>Turn fsync off: faster, for throwaway servers only.</summary>
    public bool Fsync { get; init; } = true;

    public string Database { get; init; } = "arbitrage";

    public int MaxConnections { get; init; } = 200;
}

/// <summary>
/// A PostgreSQL server this process starts for itself: initdb (first time) and pg_ctl from PATH or Debian's
/// /usr/lib/postgresql/&lt;version&gt;/bin, on a free loopback port, as the <c>postgres</c> user when running as root.
/// The superuser gets a random password kept beside the data (mode 0600); the password is never logged.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private readonly LocalPostgresOptions _options;
    private readonly string _binDirectory;
    private readonly string _clusterDirectory;
    private readonly bool _asPostgresUser = Environment.UserName == "root";
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private bool _stopped;

    private LocalPostgres(LocalPostgresOptions options, string binDirectory, int port, string password)
    {
        _options = options;
        _binDirectory = binDirectory;
        _clusterDirectory = Path.Combine(options.DataDirectory, "cluster");
        Port = port;
        ServerSettings = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections={options.MaxConnections}"
            + (options.Fsync ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Password = password,
            Database = options.Database,
            MaxPoolSize = 100,
        }.ConnectionString;
    }

    public int Port { get; }

    /// <summary>The server's log (its own messages, for example why it would not start).</summary>
    public string LogFile => Path.Combine(_options.DataDirectory, "postgres.log");

    /// <summary>The last lines of the server's log (what it said before it died or would not start), or "" when there is none.</summary>
    public string LogTail(int lines)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Max(0, stream.Length - 4096), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var tail = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return string.Join(" | ", tail.TakeLast(lines));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>The server's command-line settings: the same port and limits on every start.</summary>
    private string ServerSettings { get; }

    /// <summary>Connection string of the server's database (holds the password: do not log it).</summary>
    public string ConnectionString { get; }

    /// <summary>Starts the server, creating its data directory and database the first time.</summary>
    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions options, TextWriter? progress, CancellationToken cancellationToken)
    {
        var bin = FindBinDirectory();
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        options = options with { DataDirectory = dataDirectory };
        Directory.CreateDirectory(dataDirectory);
        var cluster = Path.Combine(dataDirectory, "cluster");
        var passwordFile = Path.Combine(dataDirectory, "postgres-password");
        bool asPostgresUser = Environment.UserName == "root";

        if (!File.Exists(Path.Combine(cluster, "PG_VERSION")))
        {
            progress?.WriteLine($"Creating a PostgreSQL data directory in {cluster} ...");
            if (Directory.Exists(cluster)) Directory.Delete(cluster, recursive: true);
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            await WriteSecretAsync(passwordFile, password, cancellationToken);
            Directory.CreateDirectory(cluster);
            var initPasswordFile = Path.Combine(dataDirectory, ".initdb-password");
            await WriteSecretAsync(initPasswordFile, password, cancellationToken);
            if (asPostgresUser)
            {
                await RunAsync("chown", ["-R", "postgres:postgres", dataDirectory], false, cancellationToken);
                AllowTraversal(dataDirectory);
            }

            try
            {
                await RunAsync(Path.Combine(bin, "initdb"),
                    ["-D", cluster, "-U", "postgres", "--auth=scram-sha-256", $"--pwfile={initPasswordFile}", "-E", "UTF8", "--no-locale"],
                    asPostgresUser, cancellationToken);
            }
            finally
            {
                File.Delete(initPasswordFile);
            }
        }

        var secret = (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim();
        var server = new LocalPostgres(options, bin, FreeLoopbackPort(), secret);
        await server.StopStaleServerAsync(asPostgresUser, cancellationToken);
        progress?.WriteLine($"Starting PostgreSQL on 127.0.0.1:{server.Port} (data in {cluster}) ...");
        await server.StartServerAsync(cancellationToken);
        await server.EnsureDatabaseAsync(cancellationToken);
        return server;
    }

    /// <summary>
    /// Whether the server's postmaster is running: its data directory holds a <c>postmaster.pid</c> naming a live
    /// process (a killed server leaves the file behind, naming a process that is gone or a zombie).
    /// </summary>
    public bool IsRunning => PostmasterProcessId() is { } pid && IsLivePostgres(pid);

    /// <summary>
    /// Starts the server again after it died, on the same data directory and port (so the connection string stays
    /// valid), after removing the <c>postmaster.pid</c> the dead server left. PostgreSQL recovers from its write-ahead
    /// log as it starts. Returns false when the server is running already or this object was disposed; throws, with
    /// pg_ctl's message, when it does not start.
    /// </summary>
    public async Task<bool> RestartAsync(CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_stopped || IsRunning) return false;
            if (PostmasterProcessId() is not null) File.Delete(Path.Combine(_clusterDirectory, "postmaster.pid"));
            await StartServerAsync(cancellationToken);
            return true;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private Task StartServerAsync(CancellationToken cancellationToken) =>
        RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _clusterDirectory, "-l", LogFile, "-w", "-t", "60", "-o", ServerSettings, "start"],
            _asPostgresUser, cancellationToken);

    /// <summary>The process id in the data directory's <c>postmaster.pid</c> (its first line), if there is one.</summary>
    private int? PostmasterProcessId()
    {
        try
        {
            using var reader = new StreamReader(new FileStream(Path.Combine(_clusterDirectory, "postmaster.pid"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            return int.TryParse(reader.ReadLine(), out var pid) && pid > 0 ? pid : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A live (not zombie) process named postgres: a process id reused by something else does not count.</summary>
    private static bool IsLivePostgres(int pid)
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                // /proc/<pid>/stat is "pid (comm) state ...": a zombie (Z) or dead (X) postmaster is gone.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
                if (open < 0 || close < open || close + 2 >= stat.Length) return false;
                return stat[(open + 1)..close].StartsWith("postgres", StringComparison.Ordinal) && stat[close + 2] is not ('Z' or 'X');
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName.StartsWith("postgres", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // After a restart in progress (which then finds the server running), never during one.
        await _lifecycle.WaitAsync();
        try
        {
            if (_stopped) return;
            _stopped = true;
        }
        finally
        {
            _lifecycle.Release();
        }

        try
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _clusterDirectory, "-m", "fast", "-w", "stop"], _asPostgresUser, CancellationToken.None);
        }
        catch (InvalidOperationException) when (!IsRunning)
        {
            // Already stopped (for example Ctrl-C reached the server first), or it died and left its postmaster.pid behind.
        }

        if (!_options.Persistent)
        {
            Directory.Delete(_options.DataDirectory, recursive: true);
        }
    }

    /// <summary>Finds initdb and pg_ctl: on PATH, else the newest /usr/lib/postgresql/&lt;version&gt;/bin.</summary>
    public static string FindBinDirectory()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(directory, "initdb")) && File.Exists(Path.Combine(directory, "pg_ctl"))) return directory;
        }

        const string debian = "/usr/lib/postgresql";
        var candidates = Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0, Bin: Path.Combine(d, "bin")))
                .Where(c => File.Exists(Path.Combine(c.Bin, "initdb")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0].Bin
            : throw new InvalidOperationException(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/<version>/bin. Install them with: apt-get install postgresql");
    }

    private async Task StopStaleServerAsync(bool asPostgresUser, CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(_clusterDirectory, "postmaster.pid"))) return;
        if (!IsRunning)
        {
            // Left by a server that was killed: its process is gone (or a zombie, which PostgreSQL would take for alive).
            File.Delete(Path.Combine(_clusterDirectory, "postmaster.pid"));
            return;
        }

        try
        {
            await RunAsync(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _clusterDirectory, "-m", "fast", "-w", "stop"], asPostgresUser, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            // No server was running: the pid file is left from a crash and pg_ctl start will replace it.
        }
    }

    private async Task EnsureDatabaseAsync(CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection) { Parameters = { new() { Value = _options.Database } } };
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"create database \"{_options.Database.Replace("\"", "\"\"")}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void AllowTraversal(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        for (var parent = Path.GetDirectoryName(directory); !string.IsNullOrEmpty(parent) && parent != "/"; parent = Path.GetDirectoryName(parent))
        {
            var mode = File.GetUnixFileMode(parent);
            if (!mode.HasFlag(UnixFileMode.OtherExecute)) File.SetUnixFileMode(parent, mode | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Writes a secret readable by its owner only (mode 0600 from creation on).</summary>
    private static async Task WriteSecretAsync(string path, string secret, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(secret.AsMemory(), cancellationToken);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static async Task RunAsync(string program, string[] arguments, bool asPostgresUser, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(asPostgresUser ? "runuser" : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgresUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", program }) start.ArgumentList.Add(a);
        }

        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {arguments.LastOrDefault()} failed (exit {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}".Trim());
        }
    }
}
