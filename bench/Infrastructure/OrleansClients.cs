using System.Net;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>An Orleans client in the bench process (generic host + <c>UseOrleansClient</c>), disposed with its host.</summary>
internal sealed class OrleansClient : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansClient(IHost host)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    public IClusterClient Client { get; }

    /// <summary>A client of the cluster <paramref name="clusterId"/> that finds its gateways in the membership table of <paramref name="connectionString"/>.</summary>
    public static Task<OrleansClient> ConnectAsync(string connectionString, string clusterId, string serviceId, TimeSpan responseTimeout, CancellationToken cancellationToken) =>
        StartAsync(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansHosting.Invariant, connectionString));
            // Silos come and go (the chaos run replaces one every 30 s): look for new gateways often, not once a minute.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        }, cancellationToken);

    /// <summary>A client that talks to the given gateways only (so calls it makes first reach exactly those silos).</summary>
    public static Task<OrleansClient> ConnectStaticAsync(string clusterId, IPEndPoint[] gateways, TimeSpan responseTimeout, CancellationToken cancellationToken) =>
        StartAsync(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId));
            client.UseStaticClustering(gateways);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = responseTimeout);
        }, cancellationToken);

    private static async Task<OrleansClient> StartAsync(Action<IClientBuilder> configure, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(configure);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new OrleansClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }

        _host.Dispose();
    }
}
