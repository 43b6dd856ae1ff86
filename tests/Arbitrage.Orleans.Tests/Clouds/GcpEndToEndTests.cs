using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// A workload on a real GCP provider (adapter: real, mode: launch) whose endpoints are the local fake: placed on a
/// spot VM, RUNNING once its health check passes, moved when the VM is preempted, terminated and charged.
/// </summary>
public sealed class GcpEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private FakeGcp _fake = null!;
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeGcp.StartAsync();
        _fake.AutoBoot = true;
        var provider = new ProviderConfig
        {
            Name = "gcp-fake", Type = "gcp", Adapter = "real", Mode = ProviderModes.Launch, Regions = ["us-central1"],
            Credentials = new CredentialsConfig { Source = "file", File = _fake.KeyFile },
            Endpoints = new Dictionary<string, string> { ["compute"] = _fake.BaseUrl, ["billing"] = _fake.BaseUrl },
            Gcp = new GcpConfig
            {
                Project = FakeGcp.Project,
                RetryBaseDelay = TimeSpan.FromMilliseconds(20),
                OperationPollInterval = TimeSpan.FromMilliseconds(50),
                PreemptionPollInterval = TimeSpan.FromMilliseconds(200),
            },
        };
        _cluster = await ProductSilos.StartAsync(providers: [provider], configure: builder => builder.AddSiloBuilderConfigurator<RealGcpConfigurator>());
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_workload_is_placed_runs_moves_on_a_preemption_and_is_terminated_and_charged_on_GCP()
    {
        var wallet = _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 100m));
        var workload = _cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-gcp");
        int healthPort = new Uri(_fake.BaseUrl).Port; // the fake's VMs have the loopback address; its /healthz stands for the workload
        await workload.Create(new CreateWorkload("acme",
            new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("debian-12", healthPort, "/healthz"), new Dictionary<string, string>()), "fp-gcp"));

        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "placed on the fake and healthy");
        var first = (await workload.Get("acme"))!.Placement!;
        Assert.Equal("gcp-fake", first.Provider);
        Assert.Contains(first.InstanceId, _fake.InstanceNames);

        Assert.True(_fake.Preempt(first.InstanceId));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Placement?.InstanceId is { } id && id != first.InstanceId, Generous, "a replacement VM is launched");
        var moved = (await workload.Get("acme"))!;
        Assert.Equal(WorkloadReasons.SpotInterruption, moved.Placements.First(p => p.InstanceId == first.InstanceId).EndReason);
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "the replacement runs");

        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);
        await Eventually.TrueAsync(() => _fake.InstanceNames.Count == 0 || _fake.InstanceNames.All(n => n == first.InstanceId), Generous, "the replacement VM is deleted");
        var ended = (await workload.Get("acme"))!;
        var info = (await wallet.Get())!;
        Assert.True(ended.CommittedCost > 0, "the VMs' time is charged at the billing catalog's spot price");
        Assert.Equal(0m, info.Reserved);
        Assert.Equal(100m - ended.CommittedCost, info.Balance);
    }
}
