using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Catalog;
using Arbitrage.Orleans.Clouds.Simulated;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// The embedded default: simulated clouds replaying the bundled market data, loaded once per silo and shared by
/// every simulated provider.
/// </summary>
public sealed class SimulatedCloudFactory(IOptions<MarketOptions> options, TimeProvider time) : ICloudAdapterFactory
{
    private readonly Lazy<MarketDataSet> _data = new(() => MarketDataSet.Load(options.Value.DataDirectory));

    public ICloudAdapter Create(ProviderConfig provider) => Create(provider, instanceIdSalt: 0);

    /// <summary>The provider's simulated cloud; <paramref name="instanceIdSalt"/> keeps its instance IDs apart from other silos' (see <see cref="SimulatedCloudOptions.InstanceIdSalt"/>).</summary>
    public SimulatedCloud Create(ProviderConfig provider, long instanceIdSalt)
    {
        var simulation = new SimulatedCloudOptions
        {
            Cloud = provider.Cloud,
            Seed = provider.Simulation.Seed,
            Speed = provider.Simulation.Speed,
            StartOffset = provider.Simulation.StartOffset,
            DataDirectory = options.Value.DataDirectory,
            InstanceIdSalt = instanceIdSalt,
        };
        if (provider.Simulation.BootDelay is { } boot) simulation.BootDelay = boot;
        if (provider.Simulation.MaxInstances is { } maxInstances) simulation.MaxInstances = maxInstances;
        return new SimulatedCloud(_data.Value, simulation, time);
    }
}
