using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// The adapter of each configured provider: the simulated cloud for <c>adapter: simulated</c>; for <c>adapter: real</c>,
/// the registered <see cref="IRealCloudAdapterFactory"/> of the provider's cloud, read-only unless <c>mode: launch</c>.
/// A real provider's settings are validated here, at start, each problem naming the provider and the field. Every
/// adapter goes through a <see cref="ResilientCloudAdapter"/> (the provider's <c>resilience</c> settings): the calls
/// are retried, timed out, cut off when the cloud keeps failing, and counted for the provider's statistics.
/// </summary>
public sealed class CloudAdapterFactory(SimulatedCloudFactory simulated, IEnumerable<IRealCloudAdapterFactory> real, CloudCallMeter meter, TimeProvider time) : ICloudAdapterFactory
{
    private readonly IReadOnlyDictionary<CloudKind, IRealCloudAdapterFactory> _real = real.ToDictionary(f => f.Cloud);

    public ICloudAdapter Create(ProviderConfig provider)
    {
        // The simulated cloud runs in this process and never hangs or throttles: its calls are only counted.
        if (!provider.IsReal) return new ResilientCloudAdapter(provider.Name, simulated.Create(provider), null, meter, time);
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

    private ResilientCloudAdapter Resilient(ProviderConfig provider, ICloudAdapter adapter) => new(provider.Name, adapter, provider.Resilience, meter, time);
}
