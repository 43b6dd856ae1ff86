using Orleans;
namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Steers the simulated clouds of this silo (demos, tests, benchmarks): interrupt an instance, or make its health
/// check fail or pass. Each returns false when the provider is not simulated or does not know the instance here.
/// </summary>
public interface ISimulationControl
{
    bool TryInterrupt(string provider, string instanceId);

    bool TrySetHealthy(string provider, string instanceId, bool healthy);
}
