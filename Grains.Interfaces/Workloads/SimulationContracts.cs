using Orleans;
namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Steers the simulated clouds of this silo (demos, tests, benchmarks): interrupt an instance, or make its health
/// check fail or pass, from any silo. Each returns false when the provider is not simulated or does not know the instance.
/// </summary>
public interface ISimulationControl
{
    Task<bool> TryInterrupt(string provider, string instanceId);

    Task<bool> TrySetHealthy(string provider, string instanceId, bool healthy);
}
