namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// How the Azure adapter talks to Azure, beyond the providers file: retries of the Azure SDK (which honour
/// <c>Retry-After</c> on 429 and 5xx answers), how often launched VMs are polled for eviction, the health-check timeout,
/// and the HTTP handler every Azure call goes through (a seam for private endpoints with their own certificate
/// authority, and for the tests' local fake).
/// </summary>
public sealed class AzureAdapterOptions
{
    /// <summary>Retries of one Azure call after throttling (429) or a server error (5xx), each after the answer's Retry-After.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry's delay when an answer gives no Retry-After (exponential after that).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.8);

    /// <summary>How long one Azure call may take before it counts as failed (and is retried).</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the instance view of each launched VM is read to detect evictions.</summary>
    public TimeSpan EvictionPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long an instance's health check may take before it counts as unhealthy.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The handler for every Azure call (token, ARM, prices); null for the default.</summary>
    public Func<HttpMessageHandler>? CreateHttpHandler { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Problems with these options, each naming the setting (empty when none).</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxRetries is < 0 or > 20) yield return "AzureAdapterOptions.MaxRetries must be between 0 and 20";
        if (RetryDelay <= TimeSpan.Zero) yield return "AzureAdapterOptions.RetryDelay must be positive";
        if (NetworkTimeout <= TimeSpan.Zero) yield return "AzureAdapterOptions.NetworkTimeout must be positive";
        if (EvictionPollInterval <= TimeSpan.Zero) yield return "AzureAdapterOptions.EvictionPollInterval must be positive";
        if (HealthCheckTimeout <= TimeSpan.Zero) yield return "AzureAdapterOptions.HealthCheckTimeout must be positive";
    }
}
