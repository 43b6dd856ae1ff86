using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>A test silo whose providers may be real GCP ones (adapter: real), through the product's own adapter factory.</summary>
public sealed class RealGcpConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder silo)
    {
        silo.Services.AddSingleton<SimulatedCloudFactory>();
        silo.Services.AddSingleton<IRealCloudAdapterFactory>(new GcpCloudAdapterFactory());
        silo.Services.RemoveAll<ICloudAdapterFactory>();
        silo.Services.AddSingleton<ICloudAdapterFactory, CloudAdapterFactory>();
    }
}
