using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>The real silo executable, started as a separate process on a free loopback port and spoken to over HTTP.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    /// <summary>The admin token every test silo gets (ARBITRAGE_ADMIN_TOKEN) unless a test sets its own.</summary>
    /// <summary>The bootstrap tenant's admin token of every silo the tests start (a fresh one per test run).</summary>
    public static readonly string AdminToken = Arbitrage.Orleans.Grains.Tenancy.TokenSecrets.NewSecret();

    private readonly List<string> _arguments;

    private SiloProcess(Process process, int port, List<string> arguments)
    {
        _arguments = arguments;
        _process = process;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        _contracts = new Contracts.SiloContracts(BaseAddress);
        Http = ClientWith(AdminToken);
    }

    public Uri BaseAddress { get; }

    private readonly Contracts.SiloContracts _contracts;

    /// <summary>What this silo's answers are checked against (its OpenAPI document and the seed's schemas).</summary>
    public Contracts.SiloContracts Contracts => _contracts;
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, Contracts.ContractCheckingHandler> _handlers = new();

    /// <summary>
    /// A client of this silo speaking with <paramref name="token"/> (null: no Authorization header). Every answer it
    /// gets is checked against the silo's OpenAPI document and the seed's schemas (a mismatch fails the request).
    /// </summary>
    public HttpClient ClientWith(string? token)
    {
        var handler = new Contracts.ContractCheckingHandler(_contracts);
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        _handlers.Add(client, handler);
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The checking handler of a client made by <see cref="ClientWith"/> (how many answers it checked).</summary>
    public Contracts.ContractCheckingHandler HandlerOf(HttpClient client) =>
        _handlers.TryGetValue(client, out var handler) ? handler : throw new ArgumentException("not a client of this silo", nameof(client));

    public int Port { get; }

    /// <summary>The value that followed <paramref name="name"/> on the silo's command line.</summary>
    public string Argument(string name) => _arguments[_arguments.FindIndex(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)) + 1];
    public HttpClient Http { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>
    /// Workload timings short enough for a test to watch a lifecycle end to end (health checks every 200 ms, retries
    /// from 200 ms, 2 s billing periods), as environment variables; a test adds its own settings beside them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FastWorkloads { get; } = new Dictionary<string, string>
    {
        ["Workloads__HealthCheckInterval"] = "00:00:00.200",
        ["Workloads__ProvisioningPollInterval"] = "00:00:00.100",
        ["Workloads__RetryInitialDelay"] = "00:00:00.200",
        ["Workloads__RetryMaxDelay"] = "00:00:01",
        ["Workloads__BillingPeriod"] = "00:00:02",
        ["Workloads__ReservationTtl"] = "00:00:30",
    };

    /// <summary>
    /// Starts the silo with the given arguments (plus <c>--urls</c> and, unless given, free Orleans silo and gateway
    /// ports, so silos of parallel tests never meet) and environment.
    /// </summary>
    public static SiloProcess Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        int port = FreePort();
        var given = arguments.ToList();
        foreach (var setting in new[] { "--Orleans:SiloPort", "--Orleans:GatewayPort" })
        {
            if (!given.Contains(setting, StringComparer.OrdinalIgnoreCase)) given.AddRange([setting, FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        arguments = given;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Arbitrage.Orleans.Silo.dll"));
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        start.Environment["ConnectionStrings__Arbitrage"] = "";
        start.Environment["Market__DataDirectory"] = SharedData.Directory;
        start.Environment["Market__ProvidersFile"] = SharedData.ProvidersFile;
        start.Environment["ARBITRAGE_ADMIN_TOKEN"] = AdminToken;
        // Tests share one client address and a few tokens: the limits and quotas are raised unless a test sets its own.
        start.Environment["RateLimits__PerAddress__PermitLimit"] = "1000000";
        start.Environment["RateLimits__PerToken__PermitLimit"] = "1000000";
        start.Environment["Quotas__Default__MaxLiveWorkloads"] = "100000";
        start.Environment["Quotas__Default__WorkloadCreationsPerMinute"] = "100000";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process, port, given);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until <c>GET /health</c> answers; fails with the silo's output if it exits or takes too long.</summary>
    public async Task WaitUntilServingAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The silo exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await Http.GetAsync("/health");
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The silo did not serve /health in time:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process dies at once, with no chance to hand anything over.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends Ctrl-C (SIGINT), as a person stopping the silo in a terminal would.</summary>
    public async Task InterruptAsync()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await InterruptAsync();
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>
    /// A loopback port no one listens on, never handed out twice by this test run. The ports come from below the
    /// kernel's ephemeral range (32768 and up on Linux): a port the kernel picked and released (port 0) can be taken
    /// again by any outgoing connection — to PostgreSQL, to another silo — before the silo binds it.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            int port = PortRangeStart + (int)((uint)Interlocked.Increment(ref s_nextPort) % PortRangeLength);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // In use (by something outside this run): take the next.
            }
        }
    }

    private const int PortRangeStart = 20_000, PortRangeLength = 12_000;

    // The run's port allocator (process-wide, like the kernel's): starts at a random place so two runs on one machine rarely meet.
    private static int s_nextPort = Random.Shared.Next(PortRangeLength);
}
