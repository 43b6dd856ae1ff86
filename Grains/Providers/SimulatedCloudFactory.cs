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

    public ICloudAdapter Create(ProviderConfig provider)
    {
        var simulation = new SimulatedCloudOptions
        {
            Cloud = provider.Cloud,
            Seed = provider.Simulation.Seed,
            Speed = provider.Simulation.Speed,
            StartOffset = provider.Simulation.StartOffset,
            DataDirectory = options.Value.DataDirectory,
        };
        if (provider.Simulation.BootDelay is { } boot) simulation.BootDelay = boot;
        if (provider.Simulation.MaxInstances is { } maxInstances) simulation.MaxInstances = maxInstances;
        return new SimulatedCloud(_data.Value, simulation, time);
    }
}
