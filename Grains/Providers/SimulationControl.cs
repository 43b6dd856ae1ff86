using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>The test hooks of this silo's simulated clouds, by provider name.</summary>
public sealed class SimulationControl(ProviderRegistry providers) : ISimulationControl
{
    public bool TryInterrupt(string provider, string instanceId) =>
        Run(provider, instanceId, cloud => cloud.Interrupt(instanceId));

    public bool TrySetHealthy(string provider, string instanceId, bool healthy) =>
        Run(provider, instanceId, cloud =>
        {
            cloud.SetHealth(instanceId, healthy ? InstanceHealth.Healthy : InstanceHealth.Unhealthy);
            return true;
        });

    private bool Run(string provider, string instanceId, Func<SimulatedCloud, bool> action)
    {
        if (providers.Find(provider)?.Adapter.Unwrap<SimulatedCloud>() is not { } cloud) return false;
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
