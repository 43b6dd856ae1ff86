using System.Diagnostics;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Builds this silo's offer book before grains run: every enabled provider's regions, instance types and current
/// spot prices, read from its adapter. It takes part in the silo's lifecycle at the application-services stage, so no
/// grain is activated before the book is there; a gateway-only process runs it when it starts. A configured region
/// the cloud does not offer stops the start with a message naming the provider and region.
/// </summary>
public sealed partial class OfferBookLoader(ProviderRegistry providers, OfferBookHolder book, ILogger<OfferBookLoader> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OfferBookLoader), ServiceLifecycleStage.ApplicationServices, RunAsync);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var builder = new OfferBookBuilder();
        foreach (var provider in providers.Enabled)
        {
            var entry = builder.AddProvider(provider.Config.Name, provider.Config.Cloud);
            foreach (var region in await RegionsOfAsync(provider, cancellationToken))
            {
                builder.AddZoneNames(region);
                builder.AddOffers(entry, await provider.Adapter.DescribeInstanceTypesAsync(region.Name, cancellationToken));
                builder.AddSpotPrices(entry, await provider.Adapter.GetSpotPricesAsync(region.Name, cancellationToken));
            }
        }

        book.Current = builder.Build();
        LogLoaded(book.Current.MarketCount, book.Current.OfferCount, book.Current.Providers.Count, book.Current.Regions.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The regions a provider uses: those configured, else every region its cloud lists.</summary>
    public static async Task<IReadOnlyList<CloudRegion>> RegionsOfAsync(ConfiguredProvider provider, CancellationToken cancellationToken)
    {
        var offered = await provider.Adapter.ListRegionsAsync(cancellationToken);
        if (provider.Config.Regions.Count == 0) return offered;
        var unknown = provider.Config.Regions.Where(r => !offered.Any(o => o.Name.Equals(r, StringComparison.OrdinalIgnoreCase))).ToList();
        if (unknown.Count > 0)
        {
            throw new ProviderConfigurationException(
                $"provider '{provider.Config.Name}': regions lists {string.Join(", ", unknown)}, which its cloud does not offer.");
        }

        return offered.Where(r => provider.Config.Regions.Contains(r.Name, StringComparer.OrdinalIgnoreCase)).ToList();
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Offer book loaded: {Markets} markets, {Offers} offers from {Providers} providers in {Regions} regions in {ElapsedMs:0} ms")]
    private partial void LogLoaded(int markets, int offers, int providers, int regions, double elapsedMs);
}
