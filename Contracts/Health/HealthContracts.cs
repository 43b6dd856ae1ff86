namespace Arbitrage.Orleans.Contracts.Health;

/// <summary>
/// <c>GET /health</c> and <c>GET /ready</c>: <c>healthy</c>, <c>degraded</c> or <c>unhealthy</c> overall and per check
/// (200 unless unhealthy, then 503). Anonymous callers learn the status of each check, never why one failed.
/// </summary>
public sealed record HealthAnswer(string Status, IReadOnlyDictionary<string, HealthCheckAnswer> Checks);

/// <summary>One check of a <see cref="HealthAnswer"/> (e.g. <c>database</c>).</summary>
public sealed record HealthCheckAnswer(string Status);
