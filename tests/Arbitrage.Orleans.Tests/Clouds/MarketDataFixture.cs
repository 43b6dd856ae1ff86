using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Catalog;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>The market data set, loaded once for every simulated-cloud test.</summary>
public sealed class MarketDataFixture
{
    public MarketDataSet Data { get; } = MarketDataSet.Load(SharedData.Directory);

    public SimulatedCloud CreateCloud(CloudKind cloud, TimeProvider time, Action<SimulatedCloudOptions>? configure = null)
    {
        var options = new SimulatedCloudOptions { Cloud = cloud, Seed = 42, DataDirectory = SharedData.Directory };
        configure?.Invoke(options);
        return new SimulatedCloud(Data, options, time);
    }
}

[CollectionDefinition(Name)]
public sealed class MarketDataCollection : ICollectionFixture<MarketDataFixture>
{
    public const string Name = "Market data";
}
