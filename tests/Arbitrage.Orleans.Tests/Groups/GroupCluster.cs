using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>
/// A real silo and PostgreSQL over the simulated clouds for the group grain tests, started with fast convergence and
/// retries plus the <paramref name="settings"/> a test class adds; tenants come with a large wallet.
/// </summary>
public abstract class GroupCluster(IReadOnlyDictionary<string, string> settings) : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();

    public TestCluster Silos { get; private set; } = null!;

    public IGrainFactory Grains => Silos.GrainFactory;

    public IServiceProvider Services => ProductSilos.ServicesOf(Silos.Silos[0]);

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var all = new Dictionary<string, string>
        {
            ["Workloads:RetryInitialDelay"] = "00:00:00.200",
            ["Workloads:RetryMaxDelay"] = "00:00:01",
            ["Groups:ConvergeInterval"] = "00:00:00.250",
        };
        foreach (var (key, value) in settings) all[key] = value;
        Silos = await ProductSilos.StartAsync(connectionString: await _postgres.CreateDatabaseAsync(), settings: all);
    }

    public async Task DisposeAsync()
    {
        await Silos.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    public async Task<string> NewTenantAsync()
    {
        string tenant = $"t-{Guid.NewGuid():N}"[..14];
        await Grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenant, tenant)).Create(new CreateWallet(tenant, null, 1_000_000m));
        return tenant;
    }

    /// <summary>The cheapest spot instance types for 2 vCPU / 4 GB now, cheapest first.</summary>
    public List<string> SpotTypes(int count) =>
        Services.GetRequiredService<IPlacementService>().Estimate(new PlacementRequirements(2, 4, AllowOnDemand: false), 200) is var e && e.Recommended is not null
            ? e.Alternatives.Prepend(e.Recommended).Select(o => o.InstanceType).Distinct().Take(count).ToList()
            : [];
}
