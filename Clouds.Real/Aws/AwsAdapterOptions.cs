namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>How the AWS adapter calls AWS (the silo's <c>Clouds:Aws</c> section): retries, timeouts and the bundled catalog it joins on-demand prices from.</summary>
public sealed class AwsAdapterOptions
{
    /// <summary>The bundled market data (relative paths are from the working directory); its AWS catalog gives on-demand prices and Spot Advisor rates.</summary>
    public string MarketDataDirectory { get; set; } = "data/market";

    /// <summary>Retries the SDK makes (standard mode: exponential backoff with jitter, throttling included) before an error reaches the product.</summary>
    public int MaxErrorRetry { get; set; } = 3;

    /// <summary>The longest one HTTP call to EC2 or SQS may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The longest a health check (HTTP GET on the instance) may take.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The SQS long-poll wait of the interruption queue (1 to 20 seconds).</summary>
    public TimeSpan QueueWaitTime { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the interruption poller waits after a failed receive before polling again.</summary>
    public TimeSpan PollRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a region's catalog (DescribeInstanceTypes and offerings) is reused before it is asked again.</summary>
    public TimeSpan CatalogRefresh { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Each problem names the setting (empty when none).</summary>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(MarketDataDirectory)) yield return "Clouds:Aws:MarketDataDirectory must name the market data directory";
        if (MaxErrorRetry is < 0 or > 10) yield return $"Clouds:Aws:MaxErrorRetry must be 0 to 10, not {MaxErrorRetry}";
        if (RequestTimeout <= TimeSpan.Zero) yield return $"Clouds:Aws:RequestTimeout must be positive, not {RequestTimeout}";
        if (HealthCheckTimeout <= TimeSpan.Zero) yield return $"Clouds:Aws:HealthCheckTimeout must be positive, not {HealthCheckTimeout}";
        if (QueueWaitTime < TimeSpan.FromSeconds(1) || QueueWaitTime > TimeSpan.FromSeconds(20)) yield return $"Clouds:Aws:QueueWaitTime must be 1 to 20 seconds, not {QueueWaitTime}";
        if (PollRetryDelay <= TimeSpan.Zero) yield return $"Clouds:Aws:PollRetryDelay must be positive, not {PollRetryDelay}";
        if (CatalogRefresh <= TimeSpan.Zero) yield return $"Clouds:Aws:CatalogRefresh must be positive, not {CatalogRefresh}";
    }
}
