using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Silo.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// The grain runtime with the product's grains, on PostgreSQL (a cluster member) or (for throwaway runs) in memory;
    /// in the gateway role a cluster client that hosts no grain.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, SiloSettings settings, string? connectionString, IConfiguration configuration) =>
        services.Configure<Arbitrage.Orleans.Runtime.Postgres.PostgresOptions>(configuration.GetSection("Postgres")).AddGrainRuntime(runtime =>
        {
            runtime.AddGrains(GrainsAssembly.Assembly);
            if (settings.Storage == StorageMode.Memory)
            {
                runtime.AddMemoryGrainStorage().UseMemoryReminders();
            }
            else
            {
                runtime.UsePostgres(connectionString ?? throw new SiloConfigurationException("ConnectionStrings:Arbitrage is required for postgres storage."));
                if (settings.Role == SiloRole.Gateway) runtime.AsClusterClient();
            }
        });

    /// <summary>
    /// The bootstrap tenant and its admin token (see <see cref="AdminBootstrap"/>), after the runtime has started.
    /// </summary>
    public static IServiceCollection AddBootstrapTenant(this IServiceCollection services, SiloSettings settings, IConfiguration configuration)
    {
        var bootstrap = new BootstrapOptions();
        configuration.GetSection(BootstrapOptions.SectionName).Bind(bootstrap);
        if (bootstrap.InitialCredit is < 0 or > Arbitrage.Orleans.Grains.Wallets.Money.Max) throw new SiloConfigurationException($"Bootstrap:InitialCredit must be between 0 and {Arbitrage.Orleans.Grains.Wallets.Money.Max:0} (was {bootstrap.InitialCredit}).");
        if (!Arbitrage.Orleans.Grains.Wallets.WalletKeys.IsValidProjectId(bootstrap.TenantId)) throw new SiloConfigurationException($"Bootstrap:TenantId must be 1 to 64 letters, digits, '.', '_' or '-' (was '{bootstrap.TenantId}').");
        services.Configure<BootstrapOptions>(o => configuration.GetSection(BootstrapOptions.SectionName).Bind(o));
        services.AddSingleton(settings);
        services.AddHostedService<AdminBootstrap>();
        return services;
    }

    /// <summary>
    /// The market from the <c>Market</c> section: the providers file (validated now, so a bad file stops the start with a
    /// message naming the provider and field), the simulated clouds, the offer book and placement.
    /// </summary>
    public static IServiceCollection AddSiloMarket(this IServiceCollection services, IConfiguration configuration)
    {
        var market = new MarketOptions();
        configuration.GetSection("Market").Bind(market);
        if (market.PricePollInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:PricePollInterval must be positive.");
        if (market.BookSyncInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:BookSyncInterval must be positive.");
        if (market.ProbeInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:ProbeInterval must be positive.");
        if (market.HistoryLength < 2) throw new SiloConfigurationException("Market:HistoryLength must be at least 2.");
        if (!Directory.Exists(market.DataDirectory))
        {
            throw new SiloConfigurationException($"Market:DataDirectory {Path.GetFullPath(market.DataDirectory)} does not exist; it must hold the bundled market data (see README).");
        }

        var providers = ProvidersFile.Load(market.ProvidersFile);
        var workloads = new Arbitrage.Orleans.Grains.Workloads.WorkloadOptions();
        configuration.GetSection(Arbitrage.Orleans.Grains.Workloads.WorkloadOptions.SectionName).Bind(workloads);
        if (workloads.Problems().FirstOrDefault() is { } problem) throw new SiloConfigurationException(problem);
        services.AddWorkloads(o => configuration.GetSection(Arbitrage.Orleans.Grains.Workloads.WorkloadOptions.SectionName).Bind(o));
        services.AddSingleton<ICloudAdapterFactory, SimulatedCloudFactory>();
        return services.AddMarket(providers.Providers, o => configuration.GetSection("Market").Bind(o));
    }
}
