using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>Creates the adapter that speaks to one provider's cloud.</summary>
public interface ICloudAdapterFactory
{
    ICloudAdapter Create(ProviderConfig provider);
}

/// <summary>A configured provider with its adapter on this silo.</summary>
public sealed record ConfiguredProvider(ProviderConfig Config, ICloudAdapter Adapter);

/// <summary>
/// The providers of this silo, by name, each with its adapter (created once, shared by the grains on this silo).
/// Disposed with the silo's services: every layer of every adapter that holds resources (SDK clients, timers) is disposed.
/// </summary>
public sealed class ProviderRegistry : IProviderDirectory, IDisposable
{
    private readonly Dictionary<string, ConfiguredProvider> _byName;

    public ProviderRegistry(IEnumerable<ProviderConfig> providers, ICloudAdapterFactory adapters)
    {
        All = providers.Select(p => new ConfiguredProvider(p, adapters.Create(p))).ToList();
        _byName = All.ToDictionary(p => p.Config.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<ConfiguredProvider> All { get; }

    public IReadOnlyList<string> ProviderNames => All.Select(p => p.Config.Name).ToList();

    public IEnumerable<ConfiguredProvider> Enabled => All.Where(p => p.Config.Enabled);

    public ConfiguredProvider? Find(string name) => _byName.GetValueOrDefault(name);

    public void Dispose()
    {
        foreach (var provider in All)
        {
            for (ICloudAdapter? layer = provider.Adapter; layer is not null; layer = (layer as ICloudAdapterDecorator)?.Inner)
            {
                (layer as IDisposable)?.Dispose();
            }
        }
    }

    public ConfiguredProvider Get(string name) =>
        Find(name) ?? throw new KeyNotFoundException($"Provider '{name}' is not configured; configured: {string.Join(", ", _byName.Keys)}.");
}
