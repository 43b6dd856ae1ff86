using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Arbitrage.Orleans.Tests.Clients;

/// <summary>
/// docs/CLIENTS.md's second way in, as written there: a trusted service inside the cluster's network joins as an
/// Orleans client (ADO.NET clustering on the silos' database, the cluster's ids) and calls the grain interfaces of
/// Grains.Interfaces directly, with no HTTP, token or gateway in between. It runs against a real silo process.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterClientTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_trusted_service_creates_a_wallet_and_a_workload_through_the_grain_interfaces_and_sees_it_run_and_end()
    {
        string connectionString = await postgres.CreateDatabaseAsync();
        var environment = new Dictionary<string, string>(SiloProcess.FastWorkloads) { ["ConnectionStrings__Arbitrage"] = connectionString };
        await using var silo = SiloProcess.Start([], environment);
        await silo.WaitUntilServingAsync();

        // The service's host, as in docs/CLIENTS.md.
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("arbitrage", "arbitrage"));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();

        string tenant = $"svc-{Guid.NewGuid():N}"[..16];
        var wallet = await grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenant, tenant)).Create(new CreateWallet(tenant, null, 100m));
        Assert.Equal(100m, wallet.Balance);

        var workload = grains.GetGrain<IWorkloadGrain>($"wk-{Guid.NewGuid():N}"[..19]);
        var spec = new WorkloadSpec("batch-1", new PlacementRequirements(2, 4), new WorkloadConfig("registry.local/batch:1"), new Dictionary<string, string> { ["team"] = "data" });
        var created = await workload.Create(new CreateWorkload(tenant, spec, "batch-1/v1"));
        Assert.Equal("batch-1", created.Name);

        WorkloadDetails? details = null;
        await Eventually.TrueAsync(async () => (details = await workload.Get(tenant))?.Status == WorkloadStatus.Running, Limit, "the workload runs");
        Assert.NotNull(details!.Placement);
        Assert.Null(await workload.Get("someone-else")); // the tenant is checked by the grain, as for HTTP callers

        await workload.Terminate(tenant, "done by the batch service");
        await Eventually.TrueAsync(async () => (await workload.Get(tenant))?.Status == WorkloadStatus.Terminated, Limit, "the workload ends");
        await Eventually.TrueAsync(async () => (await grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenant, tenant)).Get())!.Balance < 100m, Limit, "its cost is charged");

        await host.StopAsync();
    }
}
