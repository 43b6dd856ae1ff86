using System.Security.Cryptography;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// The adapter of each configured provider: the simulated cloud for <c>adapter: simulated</c>; for <c>adapter: real</c>,
/// the registered <see cref="IRealCloudAdapterFactory"/> of the provider's cloud, read-only unless <c>mode: launch</c>.
/// A real provider's settings are validated here, at start, each problem naming the provider and the field. Every
/// adapter goes through a <see cref="ResilientCloudAdapter"/> (the provider's <c>resilience</c> settings): the calls
/// are retried, timed out, cut off when the cloud keeps failing, and counted for the provider's statistics. In a silo
/// (given <paramref name="grains"/> and <paramref name="states"/>) a simulated provider's instances are shared by the cluster (<see cref="SharedSimulatedCloud"/>).
/// </summary>
public sealed class CloudAdapterFactory(
    SimulatedCloudFactory simulated, IEnumerable<IRealCloudAdapterFactory> real, CloudCallMeter meter, TimeProvider time,
    IGrainFactory? grains = null, Storage.IGrainStateQuery? states = null, ILoggerFactory? loggers = null) : ICloudAdapterFactory
{
    private readonly IReadOnlyDictionary<CloudKind, IRealCloudAdapterFactory> _real = real.ToDictionary(f => f.Cloud);

    public ICloudAdapter Create(ProviderConfig provider)
    {
        // The simulated cloud never hangs or throttles: its calls are only counted.
        if (!provider.IsReal) return new ResilientCloudAdapter(provider.Name, Simulated(provider), null, meter, time);
        if (!_real.TryGetValue(provider.Cloud, out var factory))
        {
            throw new ProviderConfigurationException($"provider '{provider.Name}': adapter 'real' is not available for type '{provider.Type}' in this build.");
        }

        var settings = provider.ToRealSettings();
        var problems = factory.Validate(settings).ToList();
        if (problems.Count > 0) throw new ProviderConfigurationException(string.Join("; ", problems));
        var adapter = Resilient(provider, factory.Create(settings));
        return settings.CanLaunch ? adapter : new ReadOnlyCloudAdapter(provider.Name, adapter);
    }

    private ICloudAdapter Simulated(ProviderConfig provider)
    {
        if (grains is null || states is null) return simulated.Create(provider);
        var market = simulated.Create(provider, RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue + RandomNumberGenerator.GetInt32(int.MaxValue));
        return new SharedSimulatedCloud(provider.Name, market, grains, states, time, (loggers ?? NullLoggerFactory.Instance).CreateLogger<SharedSimulatedCloud>());
    }

    private ResilientCloudAdapter Resilient(ProviderConfig provider, ICloudAdapter adapter) => new(provider.Name, adapter, provider.Resilience, meter, time);
}
