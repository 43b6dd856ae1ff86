using Arbitrage.Orleans.Clouds;
using CloudMarket = Arbitrage.Orleans.Clouds.Market;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// The reconciler finds the instances the clouds run with this cluster's tags and terminates those no workload owns
/// (launched for a workload that has ended, or by a launch intent that was never recorded), saying so in the
/// workload's events, and leaves a workload's own instance and other clusters' instances alone.
/// </summary>
public sealed class OrphanReconciliationTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProductSilos.StartAsync(settings: new Dictionary<string, string> { ["Workloads:ReconcileInterval"] = "00:00:01" });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IServiceProvider Services => ProductSilos.ServicesOf(_cluster.Primary);

    private string ServiceId => Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;

    private ICloudAdapter Adapter(string provider) => Services.GetRequiredService<ProviderRegistry>().Get(provider).Adapter;

    private async Task<(IWorkloadGrain Workload, WorkloadPlacement Placement)> RunningWorkloadAsync(string id)
    {
        await _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme")).Create(new CreateWallet("acme", null, 100m));
        var workload = _cluster.GrainFactory.GetGrain<IWorkloadGrain>(id);
        await workload.Create(new CreateWorkload("acme",
            new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-1"));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "it runs");
        return (workload, (await workload.Get("acme"))!.Placement!);
    }

    /// <summary>Launches through the cloud directly, as a control plane that crashed before recording the launch would have.</summary>
    private Task<CloudInstance> LaunchBehindTheWorkloadsBackAsync(WorkloadPlacement like, string workloadId, string cluster, string intent) =>
        Adapter(like.Provider).LaunchAsync(new LaunchRequest(like.Region, like.Zone, like.InstanceType, like.Market == MarketNames.Spot ? CloudMarket.Spot : CloudMarket.OnDemand, null,
            "ami-0123456789abcdef0", $"test-{Guid.NewGuid():N}",
            new Dictionary<string, string> { [WorkloadGrain.WorkloadTag] = workloadId, [WorkloadGrain.ClusterTag] = cluster, [WorkloadGrain.IntentTag] = intent }), CancellationToken.None);

    private async Task<bool> IsTerminatedAsync(string provider, string instanceId) =>
        (await Adapter(provider).DescribeInstanceAsync(instanceId, CancellationToken.None))!.State == InstanceState.Terminated;

    [Fact]
    public async Task An_instance_launched_by_an_intent_that_was_never_recorded_is_terminated_and_the_workload_keeps_its_own()
    {
        var (workload, placement) = await RunningWorkloadAsync("wk-unrecorded");
        var orphan = await LaunchBehindTheWorkloadsBackAsync(placement, "wk-unrecorded", ServiceId, "wk-unrecorded-9-lost");
        var foreign = await LaunchBehindTheWorkloadsBackAsync(placement, "wk-unrecorded", "another-cluster", "theirs");

        await Eventually.TrueAsync(() => IsTerminatedAsync(placement.Provider, orphan.InstanceId), Generous, "the reconciler terminates the orphan");

        var events = (await workload.GetEvents("acme"))!;
        Assert.Contains(events, e => e.Type == "ORPHAN_TERMINATED" && e.Reason.Contains(orphan.InstanceId));
        var details = (await workload.Get("acme"))!;
        Assert.Equal(WorkloadStatus.Running, details.Status);
        Assert.Equal(placement.InstanceId, details.Placement!.InstanceId);
        Assert.False(await IsTerminatedAsync(placement.Provider, placement.InstanceId), "the workload's own instance runs on");
        Assert.False(await IsTerminatedAsync(placement.Provider, foreign.InstanceId), "another cluster's instance is not ours to stop");
        Assert.DoesNotContain(events, e => e.Type == "ORPHAN_TERMINATED" && e.Reason.Contains(placement.InstanceId));
    }

    [Fact]
    public async Task An_instance_tagged_for_a_terminated_workload_is_terminated_and_reported_in_its_events()
    {
        var (workload, placement) = await RunningWorkloadAsync("wk-ended");
        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);

        var orphan = await LaunchBehindTheWorkloadsBackAsync(placement, "wk-ended", ServiceId, "wk-ended-0-late");
        var unknown = await LaunchBehindTheWorkloadsBackAsync(placement, "wk-never-existed", ServiceId, "wk-never-existed-0-x");

        await Eventually.TrueAsync(() => IsTerminatedAsync(placement.Provider, orphan.InstanceId), Generous, "the reconciler terminates the orphan");
        await Eventually.TrueAsync(() => IsTerminatedAsync(placement.Provider, unknown.InstanceId), Generous, "an instance of an unknown workload is an orphan too");
        await Eventually.TrueAsync(async () => (await workload.GetEvents("acme"))!.Any(e => e.Type == "ORPHAN_TERMINATED" && e.Reason.Contains(orphan.InstanceId)), Generous,
            "the terminated workload's events say so");
        Assert.Equal(WorkloadStatus.Terminated, (await workload.Get("acme"))!.Status);
        Assert.Null(await _cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-never-existed").Get("acme"));
    }
}
