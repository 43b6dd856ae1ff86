using System.Text.Json;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// In-process Orleans clusters (Microsoft.Orleans.TestingHost) running the product's grains as the silo does: the
/// market on simulated clouds, workloads, wallets and tenants, with state and reminders in memory or, given a
/// database, on PostgreSQL through Orleans' ADO.NET providers and the ledger store (membership too).
/// </summary>
public static class ProductSilos
{
    private const string ConnectionStringKey = "Arbitrage:ConnectionString";
    private const string ProvidersKey = "Arbitrage:Providers";
    private const string ManualClockKey = "Arbitrage:ManualClock";

    /// <summary>Starts a cluster of <paramref name="silos"/> silos.</summary>
    /// <param name="connectionString">A database (from <see cref="PostgresServerFixture"/>) for state, reminders and membership; null: memory.</param>
    /// <param name="providers">The providers (default: the silo's providers file, three simulated clouds).</param>
    /// <param name="manualClock">Each silo's simulated clouds run on a <see cref="ManualTimeProvider"/> the test moves (see <see cref="ClockOf"/>); Orleans and the grains keep the system clock.</param>
    /// <param name="settings">Silo settings as in appsettings (<c>Market:PricePollInterval</c>, <c>Workloads:…</c>, <c>Orleans:CollectionAge</c>).</param>
    /// <param name="configure">More for the builder, e.g. a test's own silo configurator (it may replace the cloud adapter factory).</param>
    public static async Task<TestCluster> StartAsync(
        short silos = 1, string? connectionString = null, IReadOnlyList<ProviderConfig>? providers = null, bool manualClock = false,
        IReadOnlyDictionary<string, string>? settings = null, Action<TestClusterBuilder>? configure = null)
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ClusterId = $"test-{Guid.NewGuid():N}"[..16];
        builder.Options.ServiceId = builder.Options.ClusterId;
        if (connectionString is not null)
        {
            await using var dataSource = Silo.Storage.PostgresOptions.CreateDataSource(connectionString);
            await new Silo.Storage.SchemaMigrator(dataSource, TimeSpan.FromSeconds(30), Microsoft.Extensions.Logging.Abstractions.NullLogger<Silo.Storage.SchemaMigrator>.Instance)
                .RunAsync(CancellationToken.None);
            builder.Options.UseTestClusterMembership = false;
            builder.Properties[ConnectionStringKey] = connectionString;
            builder.AddClientBuilderConfigurator<PostgresClientConfigurator>();
        }

        builder.Properties[ProvidersKey] = JsonSerializer.Serialize(providers ?? ProvidersFile.Load(SharedData.ProvidersFile).Providers);
        builder.Properties[ManualClockKey] = manualClock.ToString();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) builder.Properties[key] = value;
        builder.AddSiloBuilderConfigurator<ProductSiloConfigurator>();
        configure?.Invoke(builder);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The manual clock of a silo started with <c>manualClock: true</c>.</summary>
    public static ManualTimeProvider ClockOf(SiloHandle? silo) => ServicesOf(silo).GetRequiredService<ManualTimeProvider>();

    /// <summary>The services of an in-process silo (its offer book, its simulated clouds).</summary>
    public static IServiceProvider ServicesOf(SiloHandle? silo) =>
        (silo as InProcessSiloHandle ?? throw new InvalidOperationException("The cluster has no such in-process silo.")).ServiceProvider;

    private sealed class ProductSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            var configuration = silo.Configuration;
            string? postgres = configuration[ConnectionStringKey];
            var providers = JsonSerializer.Deserialize<List<ProviderConfig>>(configuration[ProvidersKey]!)!;
            if (bool.Parse(configuration[ManualClockKey] ?? "false"))
            {
                silo.Services.AddSingleton(new ManualTimeProvider());
                silo.Services.AddSingleton(sp =>
                    new SimulatedCloudFactory(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MarketOptions>>(), sp.GetRequiredService<ManualTimeProvider>()));
            }
            if (postgres is not null)
            {
                silo.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (OrleansHosting.Invariant, postgres));
                silo.Configure<ClusterMembershipOptions>(OrleansHosting.ApplyFastFailover);
            }

            silo.Configure<ReminderOptions>(r => r.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            if (configuration["Orleans:CollectionAge"] is { } age) silo.Configure<GrainCollectionOptions>(c => c.CollectionAge = TimeSpan.Parse(age, System.Globalization.CultureInfo.InvariantCulture));
            silo.AddArbitrageStorage(postgres);
            silo.Services
                .AddMarket(providers, o =>
                {
                    configuration.GetSection("Market").Bind(o);
                    o.DataDirectory = SharedData.Directory;
                })
                .AddWorkloads(o =>
                {
                    o.ProvisioningPollInterval = TimeSpan.FromMilliseconds(100);
                    o.HealthCheckInterval = TimeSpan.FromMilliseconds(200);
                    configuration.GetSection("Workloads").Bind(o);
                }, o => configuration.GetSection("Wallets").Bind(o));
            silo.Services.Configure<Arbitrage.Orleans.Grains.Groups.GroupOptions>(configuration.GetSection("Groups"));
            // Grain tests create many workloads for one tenant: the quotas are raised unless a test sets its own.
            silo.Services.Configure<Arbitrage.Orleans.Grains.Tenancy.QuotaOptions>(q =>
            {
                q.Default = new Arbitrage.Orleans.Grains.Tenancy.TenantQuota { MaxLiveWorkloads = 100_000, WorkloadCreationsPerMinute = 100_000 };
                configuration.GetSection("Quotas").Bind(q);
            });
        }
    }

    private sealed class PostgresClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder client) =>
            client.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (OrleansHosting.Invariant, configuration[ConnectionStringKey]!));
    }
}
