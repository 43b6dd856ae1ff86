using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Grains;

/// <summary>
/// A launch the cloud carried out but the workload never recorded (the step failed right after the cloud's answer, as
/// a crash would leave it) is found again from its launch intent and the instance's tags: the workload adopts it,
/// runs on it and pays for it from its launch; no second instance is started.
/// </summary>
public sealed class LaunchIntentTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await ProductSilos.StartAsync(configure: b => b.AddSiloBuilderConfigurator<FirstLaunchIsNotRecorded>());

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_launch_whose_record_was_never_written_is_adopted_from_its_intent_and_paid_for()
    {
        var wallet = _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme"));
        await wallet.Create(new CreateWallet("acme", null, 100m));
        var workload = _cluster.GrainFactory.GetGrain<IWorkloadGrain>("wk-intent");
        await workload.Create(new CreateWorkload("acme",
            new WorkloadSpec("web", new PlacementRequirements(2, 4), new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>()), "fingerprint-1"));

        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Running, Generous, "it runs");
        var running = (await workload.Get("acme"))!;
        var lost = ProductSilos.ServicesOf(_cluster.Primary).GetRequiredService<FirstLaunchIsNotRecorded.Lost>();
        Assert.NotNull(lost.InstanceId);
        Assert.Equal(lost.InstanceId, running.Placement!.InstanceId);
        Assert.Single(running.Placements);
        var events = (await workload.GetEvents("acme"))!;
        Assert.Contains(events, e => e.Type == "INSTANCE_ADOPTED" && e.Reason.Contains(lost.InstanceId!));
        var adapter = ProductSilos.ServicesOf(_cluster.Primary).GetRequiredService<ProviderRegistry>().Get(running.Placement.Provider).Adapter;
        Assert.Single(await adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { [WorkloadGrain.WorkloadTag] = "wk-intent" }, CancellationToken.None));

        Assert.Equal(TerminateOutcome.Accepted, await workload.Terminate("acme", WorkloadReasons.UserRequested));
        await Eventually.TrueAsync(async () => (await workload.Get("acme"))!.Status == WorkloadStatus.Terminated, Generous);
        var ended = (await workload.Get("acme"))!;
        Assert.True(ended.CommittedCost > 0);
        Assert.Equal(100m - ended.CommittedCost, (await wallet.Get())!.Balance);
        Assert.Empty(await adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { [WorkloadGrain.WorkloadTag] = "wk-intent" }, CancellationToken.None));
    }

    /// <summary>Every provider's first launch succeeds at the cloud, then the step fails before the workload can record it.</summary>
    private sealed class FirstLaunchIsNotRecorded : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddSingleton<Lost>();
            silo.Services.AddSingleton<ICloudAdapterFactory>(sp => new Factory(
                new SimulatedCloudFactory(sp.GetRequiredService<IOptions<MarketOptions>>(), sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<Lost>()));
        }

        public sealed class Lost
        {
            public string? InstanceId { get; set; }
        }

        private sealed class Factory(SimulatedCloudFactory inner, Lost lost) : ICloudAdapterFactory
        {
            public ICloudAdapter Create(ProviderConfig provider) => new Adapter(inner.Create(provider), lost);
        }

        private sealed class Adapter(ICloudAdapter inner, Lost lost) : ICloudAdapter
        {
            public CloudKind Cloud => inner.Cloud;
            public IReadOnlyList<LaunchApi> LaunchApis => inner.LaunchApis;
            public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) => inner.ListRegionsAsync(cancellationToken);
            public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) => inner.DescribeInstanceTypesAsync(region, cancellationToken);
            public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) => inner.GetSpotPricesAsync(region, cancellationToken);

            public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) => inner.GetSpotPriceHistoryAsync(query, cancellationToken);
            public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) => inner.DescribeInstanceAsync(instanceId, cancellationToken);
            public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) => inner.ListTaggedInstancesAsync(tags, cancellationToken);
            public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => inner.TerminateAsync(instanceId, cancellationToken);
            public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken) => inner.CheckHealthAsync(instanceId, port, path, cancellationToken);
            public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken) => inner.WatchInterruptionsAsync(cancellationToken);

            public async Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
            {
                var instance = await inner.LaunchAsync(request, cancellationToken);
                lock (lost)
                {
                    if (lost.InstanceId is not null) return instance;
                    lost.InstanceId = instance.InstanceId;
                }

                throw new IOException("the silo went away after the cloud accepted the launch");
            }
        }
    }
}
