using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// A workload grain driven by its grain timer through its lifecycle on the simulated clouds, in an in-process
/// Orleans cluster: placed, booted, healthy, moved on an interruption, terminated with its cost charged.
/// </summary>
public sealed class WorkloadGrainTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ProductSilos.StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static CreateWorkload Request(string tenant) => new(tenant,
        new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-1");

    [Fact]
    public async Task A_workload_runs_moves_on_an_interruption_and_is_charged_when_terminated()
    {
        var wallet = _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 100m));
        var workload = _cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-timers");

        var accepted = await workload.Create(Request("acme"));
        Assert.Equal(WorkloadStatus.Pending, accepted.Status);
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "the timer places and boots it");

        var running = (await workload.Get("acme"))!;
        var first = running.Placement!;
        Assert.True((await wallet.Get())!.Reserved > 0, "the first billing period is reserved");

        var simulation = ProductSilos.ServicesOf(_cluster.Primary).GetRequiredService<ISimulationControl>();
        Assert.True(await simulation.TryInterrupt(first.Provider, first.InstanceId));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Placement?.InstanceId is { } id && id != first.InstanceId, Generous, "a replacement is launched");
        var moved = (await workload.Get("acme"))!;
        Assert.Equal(WorkloadReasons.SpotInterruption, moved.Placements.First(p => p.InstanceId == first.InstanceId).EndReason);

        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);
        var info = (await wallet.Get())!;
        Assert.Equal(0m, info.Reserved);
        var ended = (await workload.Get("acme"))!;
        Assert.Equal(100m - ended.CommittedCost, info.Balance);
        Assert.Null(await workload.Get("someone-else"));
    }
}
