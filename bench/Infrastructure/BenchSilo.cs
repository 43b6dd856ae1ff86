using System.Diagnostics;
using System.Globalization;
using System.Net;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// This bench executable as an Orleans silo of its own (<c>Arbitrage.Orleans.Bench.dll bench-silo ...</c>): it hosts the
/// bench's grains (bench/Grains), which the product's silo executable does not, in a separate OS process, so that
/// grain-to-grain calls between two of them cross a real process boundary over loopback TCP. Membership is Orleans'
/// ADO.NET clustering on the suite's PostgreSQL with the product's membership timing; no storage. It prints
/// <c>READY &lt;silo address&gt;</c> once active and stops on SIGTERM or when the bench process that started it is gone.
/// </summary>
internal static class BenchSilo
{
    public const string Command = "bench-silo";
    public const string ConnectionStringVariable = "BENCH_SILO_CONNECTION_STRING";
    private const string ReadyPrefix = "READY ";

    /// <summary>The silo process's own main: <c>bench-silo --silo-port N --gateway-port M --cluster-id ID --parent-pid P</c>.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> arguments)
    {
        string Argument(string name) =>
            arguments.SkipWhile(a => a != "--" + name).Skip(1).FirstOrDefault() ?? throw new ArgumentException($"bench-silo needs --{name}.");

        int siloPort = int.Parse(Argument("silo-port"), CultureInfo.InvariantCulture);
        int gatewayPort = int.Parse(Argument("gateway-port"), CultureInfo.InvariantCulture);
        string clusterId = Argument("cluster-id");
        int parentId = int.Parse(Argument("parent-pid"), CultureInfo.InvariantCulture);
        string connectionString = Environment.GetEnvironmentVariable(ConnectionStringVariable)
            ?? throw new ArgumentException($"bench-silo needs the environment variable {ConnectionStringVariable}.");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId));
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansHosting.Invariant, connectionString));
            silo.Configure<ClusterMembershipOptions>(OrleansHosting.ApplyFastFailover);
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(1));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var address = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        Console.Out.WriteLine(ReadyPrefix + address);
        Console.Out.Flush();

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        _ = Task.Run(async () =>
        {
            // The bench that started this silo is gone (killed, crashed): stop too.
            while (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                await Task.Delay(1000);
                if (!IsRunning(parentId)) lifetime.StopApplication();
            }
        });
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Starts a bench silo process and waits until it is active; <paramref name="name"/> labels its log.</summary>
    public static async Task<BenchSiloProcess> StartAsync(string name, string connectionString, string clusterId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        int siloPort = ChildProcess.FreePort(), gatewayPort = ChildProcess.FreePort();
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo("dotnet");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Arbitrage.Orleans.Bench.dll"));
        foreach (var argument in new[]
                 {
                     Command,
                     "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                     "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
                     "--cluster-id", clusterId,
                     "--parent-pid", Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ConnectionStringVariable] = connectionString;
        var process = ChildProcess.Start(name, start, Path.Combine(ChildProcess.LogDirectory, name + ".log"), line =>
        {
            if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal)) ready.TrySetResult(line[ReadyPrefix.Length..].Trim());
        });
        try
        {
            var first = await Task.WhenAny(ready.Task, process.Exited, Task.Delay(timeout, cancellationToken));
            if (first != ready.Task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new InvalidOperationException($"Bench silo {name} {(process.HasExited ? "exited" : $"was not active within {timeout.TotalSeconds:0} s")}; its last output ({process.LogPath}):{Environment.NewLine}{process.Tail}");
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new BenchSiloProcess(name, process, siloPort, gatewayPort, await ready.Task);
    }
}

/// <summary>A running bench silo process (see <see cref="BenchSilo"/>).</summary>
internal sealed class BenchSiloProcess(string name, ChildProcess process, int siloPort, int gatewayPort, string siloAddress) : IAsyncDisposable
{
    public string Name { get; } = name;

    public ChildProcess Process { get; } = process;

    public int SiloPort { get; } = siloPort;

    public int GatewayPort { get; } = gatewayPort;

    /// <summary>Its <c>SiloAddress</c> as Orleans prints it (what <c>Grain.RuntimeIdentity</c> holds in its grains).</summary>
    public string SiloAddress { get; } = siloAddress;

    public IPEndPoint Gateway => new(IPAddress.Loopback, GatewayPort);

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    public override string ToString() => Name;
}
