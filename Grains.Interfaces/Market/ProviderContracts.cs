using Arbitrage.Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>A launch API and what it can do (seed 002's <c>supported_apis</c>).</summary>
public sealed record ProviderApi(string Name, bool SupportsSpot, bool SupportsOnDemand, int MaxInstances);

public sealed record ProviderLimits(int MaxInstancesPerRequest, int MaxConcurrentRequests);

/// <summary>Calls made to the provider's cloud and how they went.</summary>
public sealed record ProviderStatistics(long TotalRequests, long SuccessfulRequests, long FailedRequests, double AverageResponseTimeMs);

/// <summary>A provider instance as the API shows it: configuration, health from the last probe, statistics.</summary>
public sealed record ProviderDetails(
    string Name,
    string Type,
    bool Enabled,
    int Priority,
    int Weight,
    IReadOnlyList<string> Capabilities,
    string Status,
    string? StatusReason,
    DateTimeOffset? LastProbeAt,
    IReadOnlyDictionary<string, string> Configuration,
    ProviderLimits Limits,
    ProviderStatistics Statistics);

public sealed record ProviderCapabilities(
    string ProviderInstance,
    IReadOnlyList<ProviderApi> SupportedApis,
    IReadOnlyList<string> PricingModels,
    IReadOnlyList<string> Regions,
    IReadOnlyList<string> AvailabilityZones);

/// <summary>Provider health as the API spells it.</summary>
public static class ProviderStatus
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Disabled = "disabled";
    public const string Unknown = "unknown";
}

/// <summary>One configured provider instance (key: its name, e.g. <c>sim-aws</c>): health probe, statistics.</summary>
public interface IProviderGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<ProviderDetails> GetDetails();

    [ReadOnly]
    Task<ProviderCapabilities> GetCapabilities();

    /// <summary>Probes the cloud now (the grain also does it on a timer) and returns the new details.</summary>
    Task<ProviderDetails> Probe();

    /// <summary>Records one call made to this provider's cloud elsewhere (a price poll, a launch).</summary>
    [AlwaysInterleave]
    Task RecordRequest(bool succeeded, double elapsedMs);
}

/// <summary>Per-market figures a price feed keeps (volatility over its bounded history, interruptions observed).</summary>
public sealed record MarketStatistics(
    string Zone,
    string InstanceType,
    decimal? SpotPricePerHour,
    int HistoryPoints,
    double Volatility,
    double AdvisorInterruptionRate,
    int ObservedInterruptions,
    double ObservedInstanceHours,
    double InterruptionRateEstimate);

public sealed record PricePoint(DateTimeOffset Timestamp, decimal PricePerHour);

/// <summary>A price change of one market, as the feed hands it to every silo's offer book.</summary>
public sealed record MarketPriceChange(string Zone, string InstanceType, decimal PricePerHour, DateTimeOffset Timestamp, double InterruptionRate);

/// <summary>Changes after a version; <see cref="Version"/> is what to ask from next time.</summary>
public sealed record PriceChanges(long Version, IReadOnlyList<MarketPriceChange> Changes);

public sealed record PriceFeedStatus(string Provider, string Region, long Version, DateTimeOffset? LastPollAt, string? LastError, int Markets, int PricePoints);

/// <summary>
/// The price feed of one provider region (key <c>{provider}/{region}</c>): a grain timer polls the cloud, keeps the
/// current price per market, a bounded history and per-market statistics.
/// </summary>
public interface IRegionPriceFeedGrain : IGrainWithStringKey
{
    /// <summary>Polls the cloud now (the timer does it every poll interval); returns the number of changed markets.</summary>
    Task<int> Poll();

    /// <summary>Every market whose price or interruption estimate changed after <paramref name="sinceVersion"/>.</summary>
    [ReadOnly]
    Task<PriceChanges> GetChangesSince(long sinceVersion);

    [ReadOnly]
    Task<IReadOnlyList<PricePoint>> GetHistory(string zone, string instanceType);

    [ReadOnly]
    Task<MarketStatistics?> GetStatistics(string zone, string instanceType);

    [ReadOnly]
    Task<PriceFeedStatus> GetStatus();

    /// <summary>An interruption of an instance on this market was observed (from the cloud's notices).</summary>
    Task RecordInterruption(string zone, string instanceType);

    /// <summary>Instance-hours run on this market (exposure for the observed interruption rate).</summary>
    Task RecordExposure(string zone, string instanceType, double instanceHours);
}

/// <summary>The names of the configured providers, in configuration order (for listing them without a grain call per name lookup).</summary>
public interface IProviderDirectory
{
    IReadOnlyList<string> ProviderNames { get; }
}
