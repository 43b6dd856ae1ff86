using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// The simulated clouds are shared by the cluster: an instance launched through one silo is known to every silo
/// (described, listed, health-checked, terminated, interrupted), its ID is unique in the cluster, and a workload whose
/// silo dies keeps running on its own instance from the survivor.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedSimulatedCloudTests(PostgresServerFixture postgres)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    private static ICloudAdapter AdapterOf(SiloHandle? silo, string provider) =>
        ProductSilos.ServicesOf(silo).GetRequiredService<ProviderRegistry>().Get(provider).Adapter;

    private static CreateWorkload Request(string tenant) => new(tenant,
        new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-1");

    [Fact]
    public async Task Instances_launched_through_either_silo_have_unique_ids_and_are_known_to_both()
    {
        // PostgreSQL: the instances are listed from the store the whole cluster shares (the memory store is per silo).
        await using var cluster = await ProductSilos.StartAsync(silos: 2, connectionString: await postgres.CreateDatabaseAsync());
        var provider = ProductSilos.ServicesOf(cluster.Silos[0]).GetRequiredService<ProviderRegistry>().Enabled.First(p => !p.Config.IsReal).Config.Name;
        var (a, b) = (AdapterOf(cluster.Silos[0], provider), AdapterOf(cluster.Silos[1], provider));
        var region = (await a.ListRegionsAsync(CancellationToken.None))[0].Name;
        var offer = (await a.DescribeInstanceTypesAsync(region, CancellationToken.None)).First(o => o.OnDemandPricePerHour is not null);
        LaunchRequest Launch(string silo, int i) => new(offer.Region, offer.Zone, offer.InstanceType, Arbitrage.Orleans.Clouds.Market.OnDemand, null, "ami-1", $"{silo}-{i}",
            new Dictionary<string, string> { ["test"] = "shared", ["silo"] = silo });

        var viaA = new List<CloudInstance>();
        var viaB = new List<CloudInstance>();
        for (var i = 0; i < 20; i++)
        {
            viaA.Add(await a.LaunchAsync(Launch("a", i), CancellationToken.None));
            viaB.Add(await b.LaunchAsync(Launch("b", i), CancellationToken.None));
        }

        Assert.Equal(40, viaA.Concat(viaB).Select(i => i.InstanceId).Distinct().Count());
        Assert.Equal(viaA[3].InstanceId, (await b.LaunchAsync(Launch("a", 3), CancellationToken.None)).InstanceId); // a ClientToken is idempotent across silos
        foreach (var instance in viaA) Assert.Equal("a", (await b.DescribeInstanceAsync(instance.InstanceId, CancellationToken.None))!.Tags!["silo"]);
        foreach (var instance in viaB) Assert.Equal("b", (await a.DescribeInstanceAsync(instance.InstanceId, CancellationToken.None))!.Tags!["silo"]);
        Assert.Equal(40, (await a.ListTaggedInstancesAsync(new Dictionary<string, string> { ["test"] = "shared" }, CancellationToken.None)).Count);

        await b.TerminateAsync(viaA[0].InstanceId, CancellationToken.None);
        Assert.Equal(InstanceState.Terminated, (await a.DescribeInstanceAsync(viaA[0].InstanceId, CancellationToken.None))!.State);
        Assert.Equal(InstanceHealth.Unhealthy, await a.CheckHealthAsync(viaA[0].InstanceId, 80, "/", CancellationToken.None));
        Assert.Equal(39, (await b.ListTaggedInstancesAsync(new Dictionary<string, string> { ["test"] = "shared" }, CancellationToken.None)).Count);

        // The test hooks work from the silo that did not launch the instance, and its notice reaches every silo's watchers.
        using var watching = new CancellationTokenSource(Generous);
        var sharedA = a.Unwrap<SharedSimulatedCloud>()!;
        var watchersBefore = sharedA.SubscribedWatchers;
        var noticeOnA = FirstNoticeAsync(a, viaB[1].InstanceId, watching.Token);
        await Eventually.TrueAsync(() => Task.FromResult(sharedA.SubscribedWatchers > watchersBefore), Generous, "the watcher on A subscribes");
        var simulationOnA = ProductSilos.ServicesOf(cluster.Silos[0]).GetRequiredService<ISimulationControl>();
        Assert.True(await simulationOnA.TrySetHealthy(provider, viaB[2].InstanceId, healthy: false));
        await Eventually.TrueAsync(async () => await b.CheckHealthAsync(viaB[2].InstanceId, 80, "/", CancellationToken.None) == InstanceHealth.Unhealthy, Generous, "health set through A shows on B");
        Assert.True(await ProductSilos.ServicesOf(cluster.Silos[1]).GetRequiredService<ISimulationControl>().TryInterrupt(provider, viaB[1].InstanceId));
        Assert.Equal(viaB[1].InstanceId, (await noticeOnA).InstanceId);
        Assert.False(await simulationOnA.TryInterrupt(provider, viaB[1].InstanceId), "an instance has one notice");
    }

    private static async Task<InterruptionNotice> FirstNoticeAsync(ICloudAdapter adapter, string instanceId, CancellationToken cancellationToken)
    {
        await foreach (var notice in adapter.WatchInterruptionsAsync(cancellationToken))
        {
            if (notice.InstanceId == instanceId) return notice;
        }

        throw new InvalidOperationException("the watch ended");
    }

    [Fact]
    public async Task Workloads_of_a_killed_silo_keep_running_on_their_own_instances_from_the_survivor()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await ProductSilos.StartAsync(silos: 2, connectionString: database,
            settings: new Dictionary<string, string> { ["Workloads:UnhealthyThreshold"] = "100000" });
        var wallet = cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 1000m));
        // Workloads are created (a batch of 8 at a time) until the secondary silo has launched some: it is the one killed.
        var (doomed, alive) = (cluster.Silos[1], cluster.Silos[0]);
        var ids = new List<string>();
        var before = new Dictionary<string, WorkloadPlacement>();
        var launchedOnDoomed = new List<string>();
        while (launchedOnDoomed.Count == 0 && ids.Count < 64)
        {
            var batch = Enumerable.Range(ids.Count, 8).Select(i => $"wk-shared-{i}").ToList();
            ids.AddRange(batch);
            foreach (var id in batch) await cluster.GrainFactory.GetGrain<IWorkloadGrain>(id).Create(Request("acme"));
            foreach (var id in batch)
            {
                await Eventually.TrueAsync(async () => (await cluster.GrainFactory.GetGrain<IWorkloadGrain>(id).Get("acme"))!.Status == WorkloadStatus.Running, Generous, $"{id} runs");
                var placement = (await cluster.GrainFactory.GetGrain<IWorkloadGrain>(id).Get("acme"))!.Placement!;
                before[id] = placement;
                if (await AdapterOf(doomed, placement.Provider).Unwrap<SimulatedCloud>()!.DescribeInstanceAsync(placement.InstanceId, CancellationToken.None) is not null) launchedOnDoomed.Add(id);
            }
        }

        Assert.Equal(ids.Count, before.Values.Select(p => p.InstanceId).Distinct().Count());
        Assert.NotEmpty(launchedOnDoomed);
        await cluster.KillSiloAsync(doomed);

        var survivor = ProductSilos.ServicesOf(alive).GetRequiredService<ISimulationControl>();
        foreach (var id in launchedOnDoomed)
        {
            var workload = cluster.GrainFactory.GetGrain<IWorkloadGrain>(id);
            var placement = before[id];
            await Eventually.TrueAsync(async () => (await workload.Get("acme")) is not null, Generous, $"{id} answers from the survivor");
            // Its health checks now run on the survivor, against the instance the dead silo launched.
            Assert.True(await survivor.TrySetHealthy(placement.Provider, placement.InstanceId, healthy: false));
            await Eventually.TrueAsync(async () => (await workload.GetEndpoint("acme"))!.Status == EndpointHealth.Unhealthy, Generous, $"{id} sees its instance fail");
            Assert.True(await survivor.TrySetHealthy(placement.Provider, placement.InstanceId, healthy: true));
            await Eventually.TrueAsync(async () => (await workload.GetEndpoint("acme"))!.Status == EndpointHealth.Healthy, Generous, $"{id} sees its instance pass");
        }

        foreach (var id in ids)
        {
            var details = (await cluster.GrainFactory.GetGrain<IWorkloadGrain>(id).Get("acme"))!;
            Assert.Equal(WorkloadStatus.Running, details.Status);
            Assert.Equal(before[id].InstanceId, details.Placement!.InstanceId); // no relaunch
            Assert.Single(details.Placements);
            // No workload runs on (adopts) an instance it did not launch: each instance carries its own workload's tag.
            var survivorAdapter = AdapterOf(alive, details.Placement.Provider);
            Assert.Equal(id, (await survivorAdapter.DescribeInstanceAsync(details.Placement.InstanceId, CancellationToken.None))!.Tags![WorkloadGrain.WorkloadTag]);
            var events = (await cluster.GrainFactory.GetGrain<IWorkloadGrain>(id).GetEvents("acme"))!;
            Assert.DoesNotContain(events, e => e.Type == "INSTANCE_ADOPTED");
        }

        var workloadOnDoomed = cluster.GrainFactory.GetGrain<IWorkloadGrain>(launchedOnDoomed[0]);
        Assert.Equal(TerminateOutcome.Accepted, await workloadOnDoomed.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workloadOnDoomed.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);
        var terminated = before[launchedOnDoomed[0]];
        Assert.Equal(InstanceState.Terminated, (await AdapterOf(alive, terminated.Provider).DescribeInstanceAsync(terminated.InstanceId, CancellationToken.None))!.State);
    }
}
