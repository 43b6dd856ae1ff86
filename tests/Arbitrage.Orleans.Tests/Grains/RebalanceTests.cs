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
/// The rebalancing rule on the simulated clouds: a workload pushed onto on-demand (every spot market refuses) goes
/// back to spot once spot capacity returns, make-before-break and billed for both instances while they overlap; a
/// saving below Workloads:Rebalance:MinSaving, or the rule switched off, leaves it where it is. The intervals are set
/// short so that the grain timer gets there; the tests wait on what the workload shows, never on a clock.
/// </summary>
public sealed class RebalanceTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private const string Tenant = "acme";

    // A T4 in one region of one provider: few enough markets that an on-demand offer is among the 50 ranked candidates
    // tried when every spot one refuses.
    private static readonly PlacementRequirements Requirements = new(1, 1, GpuCount: 1, GpuType: "nvidia-t4", PreferredRegions: ["us-east-1"], Providers: ["sim-aws"]);

    private TestCluster? _cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    private async Task<TestCluster> StartAsync(double minSaving = 0.2, bool enabled = true, string billingPeriod = "01:00:00")
    {
        _cluster = await ProductSilos.StartAsync(settings: new Dictionary<string, string>
        {
            ["Workloads:LaunchCandidates"] = "50",
            ["Workloads:BillingPeriod"] = billingPeriod,
            ["Workloads:Rebalance:Enabled"] = enabled.ToString(),
            ["Workloads:Rebalance:MinUptime"] = "00:00:01",
            ["Workloads:Rebalance:CheckInterval"] = "00:00:00.500",
            ["Workloads:Rebalance:MinSaving"] = minSaving.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(Tenant, Tenant)).Create(new CreateWallet(Tenant, null, 1000m));
        return _cluster;
    }

    private static void SetSpotCapacity(TestCluster cluster, bool? available)
    {
        var registry = ProductSilos.ServicesOf(cluster.Primary).GetRequiredService<ProviderRegistry>();
        foreach (var provider in registry.Enabled)
        {
            var cloud = provider.Adapter.Unwrap<SimulatedCloud>() ?? throw new InvalidOperationException($"{provider.Config.Name} is not a simulated cloud of this silo.");
            cloud.SetSpotCapacity(available);
        }
    }

    /// <summary>Starts a workload while every spot market refuses, and waits until it runs healthy on on-demand.</summary>
    private static async Task<(IWorkloadGrain Workload, WorkloadPlacement OnDemand)> RunOnOnDemandAsync(TestCluster cluster, string id)
    {
        var ranked = ProductSilos.ServicesOf(cluster.Primary).GetRequiredService<IPlacementService>().Estimate(Requirements, 50);
        Assert.Contains(ranked.Alternatives.Prepend(ranked.Recommended!).Take(50), o => o.Market == MarketNames.OnDemand);

        SetSpotCapacity(cluster, false);
        var workload = cluster.GrainFactory.GetGrain<IWorkloadGrain>(id);
        await workload.Create(new CreateWorkload(Tenant,
            new WorkloadSpec("web", Requirements, new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-" + id));
        await Eventually.TrueAsync(async () => await workload.Get(Tenant) is { Status: WorkloadStatus.Running, Placement.Market: MarketNames.OnDemand },
            Generous, "with every spot market refusing, it runs on on-demand");
        return (workload, (await workload.Get(Tenant))!.Placement!);
    }

    [Fact]
    public async Task A_workload_forced_onto_on_demand_moves_back_to_spot_make_before_break_and_both_instances_are_charged()
    {
        var cluster = await StartAsync();
        var (workload, onDemand) = await RunOnOnDemandAsync(cluster, "wk-revert");

        SetSpotCapacity(cluster, null);
        await Eventually.TrueAsync(async () => await workload.Get(Tenant) is { Status: WorkloadStatus.Running, Placement.Market: MarketNames.Spot } details
                && (await workload.GetEvents(Tenant))!.Any(e => e.Type == "INSTANCE_TERMINATED" && e.Reason.StartsWith(onDemand.InstanceId + " ", StringComparison.Ordinal)),
            Generous, "spot capacity is back: it moves to spot and lets the on-demand instance go");

        var moved = (await workload.Get(Tenant))!;
        var spot = moved.Placement!;
        var old = moved.Placements.Single(p => p.InstanceId == onDemand.InstanceId);
        Assert.Equal(WorkloadReasons.CheaperOffer, old.EndReason);
        Assert.Contains($"after {WorkloadReasons.CheaperOffer}", spot.Reason);
        var events = (await workload.GetEvents(Tenant))!;
        var rebalance = Assert.Single(events, e => e.Type == "REBALANCE");
        Assert.Contains(onDemand.InstanceId, rebalance.Reason);
        Assert.Contains(spot.InstanceId, rebalance.Reason);
        Assert.Contains("saves", rebalance.Reason);

        // Make before break: the on-demand instance was terminated only after the spot one passed its health check.
        Assert.Equal(WorkloadStatus.Running, moved.Status);
        Assert.DoesNotContain(events, e => e.Type == "STATUS_CHANGED" && e.At >= old.End && e.To != WorkloadStatus.Running);
        var terminated = events.Single(e => e.Type == "INSTANCE_TERMINATED" && e.Reason.StartsWith(onDemand.InstanceId + " ", StringComparison.Ordinal));
        Assert.True(terminated.At >= old.End, "the on-demand instance outlived its placement until the spot one was ready");

        // Both instances are charged for the time they ran: the on-demand one until it was terminated, not only until the move.
        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate(Tenant, WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get(Tenant))!.Status == WorkloadStatus.Terminated, Generous);
        var ended = (await workload.Get(Tenant))!;
        var spotEnded = ended.Placements.Single(p => p.InstanceId == spot.InstanceId);
        decimal onDemandUntilTerminated = Money.Cost(old.PricePerHour, terminated.At - old.Start);
        decimal spotWhileItRan = Money.Cost(spotEnded.PricePerHour, spotEnded.End!.Value - spotEnded.Start);
        Assert.True(ended.CommittedCost >= onDemandUntilTerminated + spotWhileItRan - 0.000002m,
            $"charged {ended.CommittedCost} USD; the on-demand instance until it was terminated and the spot one cost {onDemandUntilTerminated + spotWhileItRan} USD");
        Assert.True(ended.CommittedCost > Money.Cost(old.PricePerHour, old.End!.Value - old.Start) + spotWhileItRan || terminated.At == old.End,
            "the overlap of the two instances is charged");
        var wallet = (await cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(Tenant, Tenant)).Get())!;
        Assert.Equal(0m, wallet.Reserved);
        Assert.Equal(1000m - ended.CommittedCost, wallet.Balance);
    }

    [Fact]
    public async Task A_saving_below_MinSaving_does_not_move_the_workload()
    {
        // Short billing periods: each COST_COMMITTED is a tick the rule has had, seen from the workload's own trail.
        var cluster = await StartAsync(minSaving: 0.99, billingPeriod: "00:00:01");
        var (workload, onDemand) = await RunOnOnDemandAsync(cluster, "wk-small-saving");
        var engine = ProductSilos.ServicesOf(cluster.Primary).GetRequiredService<IPlacementService>();

        SetSpotCapacity(cluster, null);
        var best = engine.Estimate(Requirements, 5).Recommended!;
        decimal current = engine.ExpectedCostPerHour(onDemand.Provider, onDemand.Region, onDemand.Zone, onDemand.InstanceType, onDemand.Market)!.Value;
        Assert.True(RebalanceRule.Saving(current, best.ExpectedCostPerHour) is > 0 and < 0.99, "spot is cheaper, but by less than 99 %");

        await StaysAsync(workload, onDemand);
    }

    [Fact]
    public async Task With_rebalancing_disabled_the_workload_stays_on_on_demand()
    {
        var cluster = await StartAsync(enabled: false, billingPeriod: "00:00:01");
        var (workload, onDemand) = await RunOnOnDemandAsync(cluster, "wk-disabled");
        SetSpotCapacity(cluster, null);
        await StaysAsync(workload, onDemand);
    }

    /// <summary>Waits until the workload has settled several billing periods past MinUptime and CheckInterval, and checks it never moved.</summary>
    private static async Task StaysAsync(IWorkloadGrain workload, WorkloadPlacement onDemand)
    {
        var checkedFrom = onDemand.Start + TimeSpan.FromSeconds(1);
        await Eventually.TrueAsync(async () => (await workload.GetEvents(Tenant))!.Count(e => e.Type == "COST_COMMITTED" && e.At > checkedFrom) >= 5,
            Generous, "the workload keeps running and settling its bill");
        var details = (await workload.Get(Tenant))!;
        Assert.Equal(onDemand.InstanceId, details.Placement!.InstanceId);
        Assert.Equal(WorkloadStatus.Running, details.Status);
        Assert.DoesNotContain((await workload.GetEvents(Tenant))!, e => e.Type == "REBALANCE");
    }
}
