using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Arbitrage.Orleans.Grains;

public static class MarketServiceCollectionExtensions
{
    /// <summary>
    /// The market on this silo: the providers (validated at start-up), their cloud adapters, the offer book built
    /// before grains run and kept current from the price feeds, and placement over it.
    /// </summary>
    public static IServiceCollection AddMarket(this IServiceCollection services, IReadOnlyList<ProviderConfig> providers, Action<MarketOptions>? configure = null)
    {
        services.AddOptions<MarketOptions>().Configure(o => configure?.Invoke(o));
        services.AddOptions<PlacementOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SimulatedCloudFactory>();
        services.TryAddSingleton<ICloudAdapterFactory, CloudAdapterFactory>();
        services.AddSingleton<Clouds.CloudCallMeter>();
        services.AddSingleton<ProviderStatisticsPublisher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ProviderStatisticsPublisher>());
        services.AddSingleton(sp => new ProviderRegistry(providers, sp.GetRequiredService<ICloudAdapterFactory>()));
        services.AddSingleton<IProviderDirectory>(sp => sp.GetRequiredService<ProviderRegistry>());
        services.AddSingleton<OfferBookHolder>();
        services.AddSingleton<IPlacementService, PlacementEngine>();
        services.AddSingleton<IPriceHistoryService, PriceHistoryService>();
        services.AddSingleton<ProviderHealthView>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ProviderHealthView>());
        services.AddSingleton<HostFactory.IProviderSelector, HostFactory.ProviderSelector>();
        services.AddSingleton<HostFactory.IProviderDefinitionValidator, HostFactory.ProviderDefinitionValidator>();
        services.AddSingleton<HostFactory.Templates.TemplateCatalog>();
        services.AddSingleton<HostFactory.ITemplateCatalog>(sp => sp.GetRequiredService<HostFactory.Templates.TemplateCatalog>());
        services.AddSingleton<HostFactory.ITemplateAdministration>(sp => sp.GetRequiredService<HostFactory.Templates.TemplateCatalog>());
        services.AddHostedService(sp => sp.GetRequiredService<HostFactory.Templates.TemplateCatalog>());
        services.AddSingleton<HostFactory.ITemplateValidator, HostFactory.Templates.TemplateValidator>();
        services.AddSingleton<OfferBookLoader>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OfferBookLoader>());
        services.AddSingleton<OfferBookSynchronizer>();
        services.AddHostedService(sp => sp.GetRequiredService<OfferBookSynchronizer>());
        return services;
    }
}
