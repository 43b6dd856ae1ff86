using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// A test with its own one-silo cluster (memory storage), a manual clock and a probe shared with the grains.
/// Override <see cref="Configure"/> to change options or add services.
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    protected Probe Probe { get; } = new();
    protected ManualTimeProvider Clock { get; } = new();
    protected TestCluster Cluster { get; private set; } = null!;

    protected virtual TestClusterBuilder Configure(TestClusterBuilder builder) => builder;

    public async Task InitializeAsync() =>
        Cluster = await Configure(new TestClusterBuilder().UseTimeProvider(Clock).ConfigureServices(s => s.AddSingleton(Probe))).StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
