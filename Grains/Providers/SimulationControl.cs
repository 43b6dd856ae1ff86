using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>The test hooks of the simulated clouds, by provider name: through the cluster when the provider's instances are shared, else this silo's cloud.</summary>
public sealed class SimulationControl(ProviderRegistry providers) : ISimulationControl
{
    public async Task<bool> TryInterrupt(string provider, string instanceId)
    {
        if (providers.Find(provider)?.Adapter is not { } adapter) return false;
        if (adapter.Unwrap<SharedSimulatedCloud>() is { } shared) return await shared.InterruptAsync(instanceId, "interrupted by a test hook");
        return Run(adapter, cloud => cloud.Interrupt(instanceId));
    }

    public async Task<bool> TrySetHealthy(string provider, string instanceId, bool healthy)
    {
        if (providers.Find(provider)?.Adapter is not { } adapter) return false;
        if (adapter.Unwrap<SharedSimulatedCloud>() is { } shared) return await shared.SetHealthAsync(instanceId, healthy);
        return Run(adapter, cloud =>
        {
            cloud.SetHealth(instanceId, healthy ? InstanceHealth.Healthy : InstanceHealth.Unhealthy);
            return true;
        });
    }

    private static bool Run(ICloudAdapter adapter, Func<SimulatedCloud, bool> action)
    {
        if (adapter.Unwrap<SimulatedCloud>() is not { } cloud) return false;
        try
        {
            return action(cloud);
        }
        catch (CloudException e) when (e.Code == CloudErrorCode.NotFound)
        {
            return false;
        }
    }
}
