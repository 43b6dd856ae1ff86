using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Simulation;

/// <summary><c>POST /v1/simulation/workloads/{workloadId}/interrupt</c> (202): the simulated cloud sent an interruption notice for the instance.</summary>
public sealed record SimulatedInterruption(string WorkloadId, string Provider, string InstanceId, bool Interrupted);

/// <summary><c>POST /v1/simulation/workloads/{workloadId}/health</c>: whether the instance now passes its health check.</summary>
public sealed record SetSimulatedHealthRequest([property: JsonRequired] bool Healthy);

public sealed record SimulatedHealth(string WorkloadId, string Provider, string InstanceId, bool Healthy);
