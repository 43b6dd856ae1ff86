using Arbitrage.Orleans.Clouds.Real;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Tenancy;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Silo.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// The bootstrap tenant and its admin token (see <see cref="AdminBootstrap"/>), once the silo is active. A
    /// gateway-role process hosts no grain and leaves it to the silos.
    /// </summary>
    public static IServiceCollection AddBootstrapTenant(this IServiceCollection services, SiloSettings settings, IConfiguration configuration)
    {
        var bootstrap = new BootstrapOptions();
        configuration.GetSection(BootstrapOptions.SectionName).Bind(bootstrap);
        if (bootstrap.InitialCredit is < 0 or > Money.Max) throw new SiloConfigurationException($"Bootstrap:InitialCredit must be between 0 and {Money.Max:0} (was {bootstrap.InitialCredit}).");
        if (!WalletKeys.IsValidProjectId(bootstrap.TenantId)) throw new SiloConfigurationException($"Bootstrap:TenantId must be 1 to 64 letters, digits, '.', '_' or '-' (was '{bootstrap.TenantId}').");
        CheckAdminToken(settings);
        services.Configure<BootstrapOptions>(o => configuration.GetSection(BootstrapOptions.SectionName).Bind(o));
        services.AddSingleton(settings);
        if (settings.Role == SiloRole.Silo)
        {
            services.AddSingleton<AdminBootstrap>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<AdminBootstrap>());
        }

        return services;
    }

    /// <summary>
    /// An admin token the API would refuse would lock the operator out: refuse it at start instead, naming where it
    /// came from. (Its value is never printed.)
    /// </summary>
    private static void CheckAdminToken(SiloSettings settings)
    {
        if (Environment.GetEnvironmentVariable(BootstrapOptions.AdminTokenVariable) is { Length: > 0 } given)
        {
            if (!TokenSecrets.IsWellFormed(given.Trim()))
            {
                throw new SiloConfigurationException(
                    $"{BootstrapOptions.AdminTokenVariable} is not a valid token: it must be '{TokenSecrets.Prefix}' followed by {TokenSecrets.RandomLength + TokenSecrets.ChecksumLength} letters and digits "
                    + $"ending in its checksum, as the silo generates them. Unset it to have one generated into {AdminBootstrap.TokenFileIn(settings.DataDirectory)}, and use that.");
            }

            return;
        }

        var file = AdminBootstrap.TokenFileIn(settings.DataDirectory);
        if (File.Exists(file) && !TokenSecrets.IsWellFormed(File.ReadAllText(file).Trim()))
        {
            throw new SiloConfigurationException($"The admin token in {Path.GetFullPath(file)} is not a valid token (an older format?). Delete the file to have a new one generated.");
        }
    }

    /// <summary>
    /// Restarts the PostgreSQL this process started when it dies (the <c>LocalPostgres</c> section, validated now: a bad
    /// value stops the start naming the setting). Register it before Orleans, so that it stops after it.
    /// </summary>
    public static IServiceCollection AddLocalPostgresSupervisor(this IServiceCollection services, LocalPostgres server, IConfiguration configuration)
    {
        var options = new LocalPostgresSupervisorOptions();
        try
        {
            configuration.GetSection(LocalPostgresSupervisorOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new SiloConfigurationException($"The {LocalPostgresSupervisorOptions.SectionName} section has a value of the wrong type: {e.Message}");
        }

        if (options.Problems().FirstOrDefault() is { } problem) throw new SiloConfigurationException(problem);
        if (!options.Supervise) return services;
        services.TryAddSingleton(TimeProvider.System);
        return services.AddHostedService(sp => new LocalPostgresSupervisor(server, options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<LocalPostgresSupervisor>>()));
    }

    /// <summary>
    /// The market from the <c>Market</c> section: the providers file (validated now, so a bad file stops the start with a
    /// message naming the provider and field), the simulated clouds, the offer book and placement.
    /// </summary>
    public static IServiceCollection AddSiloMarket(this IServiceCollection services, IConfiguration configuration, SiloRole role)
    {
        var market = new MarketOptions();
        configuration.GetSection("Market").Bind(market);
        if (market.PricePollInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:PricePollInterval must be positive.");
        if (market.BookSyncInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:BookSyncInterval must be positive.");
        if (market.ProbeInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:ProbeInterval must be positive.");
        if (market.HealthViewInterval <= TimeSpan.Zero) throw new SiloConfigurationException("Market:HealthViewInterval must be positive.");
        if (market.HistoryLength < 2) throw new SiloConfigurationException("Market:HistoryLength must be at least 2.");
        if (!Directory.Exists(market.DataDirectory))
        {
            throw new SiloConfigurationException($"Market:DataDirectory {Path.GetFullPath(market.DataDirectory)} does not exist; it must hold the bundled market data (data/market in the repository).");
        }

        var providers = ProvidersFile.Load(market.ProvidersFile);
        var workloads = new WorkloadOptions();
        configuration.GetSection(WorkloadOptions.SectionName).Bind(workloads);
        if (workloads.Problems().FirstOrDefault() is { } problem) throw new SiloConfigurationException(problem);
        var wallets = new WalletOptions();
        configuration.GetSection(WalletOptions.SectionName).Bind(wallets);
        if (wallets.Problems().FirstOrDefault() is { } walletProblem) throw new SiloConfigurationException(walletProblem);
        // A gateway-only process has no silo lifecycle: it builds its offer book (for estimates) as it starts.
        if (role == SiloRole.Gateway) services.AddHostedService<GatewayOfferBookStartup>();
        var quotas = new Grains.Tenancy.QuotaOptions();
        configuration.GetSection(Grains.Tenancy.QuotaOptions.SectionName).Bind(quotas);
        if (quotas.Problems().FirstOrDefault() is { } quotaProblem) throw new SiloConfigurationException(quotaProblem);
        services.AddWorkloads(o => configuration.GetSection(WorkloadOptions.SectionName).Bind(o), o => configuration.GetSection(WalletOptions.SectionName).Bind(o));
        services.Configure<Grains.Tenancy.QuotaOptions>(configuration.GetSection(Grains.Tenancy.QuotaOptions.SectionName));
        var requests = new Grains.HostFactory.Requests.HostRequestOptions();
        configuration.GetSection(Grains.HostFactory.Requests.HostRequestOptions.SectionName).Bind(requests);
        if (requests.Problems().FirstOrDefault() is { } requestProblem) throw new SiloConfigurationException(requestProblem);
        services.Configure<Grains.HostFactory.Requests.HostRequestOptions>(configuration.GetSection(Grains.HostFactory.Requests.HostRequestOptions.SectionName));
        var groups = new Grains.Groups.GroupOptions();
        configuration.GetSection(Grains.Groups.GroupOptions.SectionName).Bind(groups);
        if (groups.Problems().FirstOrDefault() is { } groupProblem) throw new SiloConfigurationException(groupProblem);
        services.Configure<Grains.Groups.GroupOptions>(configuration.GetSection(Grains.Groups.GroupOptions.SectionName));
        var aws = new Clouds.Real.Aws.AwsAdapterOptions { MarketDataDirectory = market.DataDirectory };
        configuration.GetSection("Clouds:Aws").Bind(aws);
        if (aws.Problems().FirstOrDefault() is { } awsProblem) throw new SiloConfigurationException(awsProblem);
        services.AddSingleton(aws);
        services.AddRealClouds();
        return services.AddMarket(providers.Providers, o => configuration.GetSection("Market").Bind(o));
    }

    private sealed class GatewayOfferBookStartup(OfferBookLoader loader) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => loader.RunAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
