using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Arbitrage.Orleans.Grains.Tenancy;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>How to start the product's silo executable for a suite.</summary>
/// <param name="Name">A short label (s1, s2, ...).</param>
/// <param name="ConnectionString">The cluster's database (given to the silo as <c>ConnectionStrings__Arbitrage</c>, not on its command line).</param>
/// <param name="AdminToken">The bootstrap tenant's admin token (<c>ARBITRAGE_ADMIN_TOKEN</c>); see <see cref="SiloProcess.NewAdminToken"/>.</param>
internal sealed record SiloProcessOptions(string Name, string ConnectionString, string AdminToken)
{
    /// <summary>The providers file (default: the repository's Silo/providers.json, three simulated clouds).</summary>
    public string? ProvidersFile { get; init; }

    /// <summary>More environment variables (configuration keys with <c>__</c>), e.g. <c>Bootstrap__InitialCredit</c>.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Called with each line the silo prints (besides its log file).</summary>
    public Action<string>? OnLine { get; init; }
}

/// <summary>
/// The product's silo executable from this build (<c>dotnet Arbitrage.Orleans.Silo.dll</c>), as a separate OS process
/// on free loopback ports (HTTP, Orleans silo-to-silo, Orleans gateway): SIGKILL ends it for real. Its output goes to a
/// log file under <see cref="ChildProcess.LogDirectory"/>.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private SiloProcess(SiloProcessOptions options, ChildProcess process, int httpPort, int siloPort, int gatewayPort)
    {
        Options = options;
        _process = process;
        HttpPort = httpPort;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public SiloProcessOptions Options { get; }

    public string Name => Options.Name;

    public int HttpPort { get; }

    /// <summary>Orleans' silo-to-silo port: the port of this silo's <c>SiloAddress</c>.</summary>
    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    public bool HasExited => _process.HasExited;

    /// <summary>Whether <see cref="Kill"/> was called.</summary>
    public bool Killed { get; private set; }

    public ChildProcess Process => _process;

    /// <summary>A token the silo accepts as its admin token: <c>arb_</c> and 43 base64url characters, new for each run.</summary>
    public static string NewAdminToken() => TokenSecrets.NewSecret();

    /// <summary>Starts the silo; it is serving once <see cref="WaitUntilServingAsync"/> returns.</summary>
    public static SiloProcess Start(string repositoryRoot, SiloProcessOptions options)
    {
        int http = ChildProcess.FreePort(), silo = ChildProcess.FreePort(), gateway = ChildProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repositoryRoot };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Arbitrage.Orleans.Silo.dll"));
        foreach (var argument in new[]
                 {
                     "--urls", $"http://127.0.0.1:{http}",
                     "--Orleans:SiloPort", silo.ToString(CultureInfo.InvariantCulture),
                     "--Orleans:GatewayPort", gateway.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ConnectionStrings__Arbitrage"] = options.ConnectionString;
        start.Environment["ARBITRAGE_ADMIN_TOKEN"] = options.AdminToken;
        start.Environment["Market__DataDirectory"] = Path.Combine(repositoryRoot, "data", "market");
        start.Environment["Market__ProvidersFile"] = options.ProvidersFile ?? Path.Combine(repositoryRoot, "Silo", "providers.json");
        // Nothing of the run is kept in the repository (the admin token comes from the environment; the database is given).
        start.Environment["DataDirectory"] = Path.Combine(ChildProcess.LogDirectory, options.Name + "-data");
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in options.Environment) start.Environment[key] = value;
        var process = ChildProcess.Start(options.Name, start, Path.Combine(ChildProcess.LogDirectory, options.Name + ".log"), options.OnLine);
        return new SiloProcess(options, process, http, silo, gateway);
    }

    /// <summary>
    /// Waits until the silo answers an authenticated API call (<c>GET /v1/workloads?limit=1</c> with the admin token):
    /// its Orleans silo is active and the bootstrap tenant exists. Fails with the silo's last output if it exits first.
    /// </summary>
    public async Task WaitUntilServingAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Options.AdminToken);
        var waited = Stopwatch.StartNew();
        HttpStatusCode? last = null;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"Silo {Name} exited while starting; its last output ({_process.LogPath}):{Environment.NewLine}{_process.Tail}");
            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"Silo {Name} did not serve within {timeout.TotalSeconds:0} s (last answer {(last is null ? "none" : ((int)last).ToString(CultureInfo.InvariantCulture))}); its last output ({_process.LogPath}):{Environment.NewLine}{_process.Tail}");
            }

            try
            {
                using var response = await http.GetAsync("/v1/workloads?limit=1", cancellationToken);
                last = response.StatusCode;
                if (response.StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGKILL (<see cref="System.Diagnostics.Process.Kill()"/>): no goodbye to the cluster, connections and database sessions just vanish.</summary>
    public void Kill()
    {
        Killed = true;
        _process.Kill();
    }

    /// <summary>Graceful stop (SIGTERM: Orleans leaves the cluster and deactivates), SIGKILL after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => _process.StopAsync(grace);

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    public override string ToString() => Name;
}
