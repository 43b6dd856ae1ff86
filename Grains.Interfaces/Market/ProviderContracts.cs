using Orleans;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>A launch API and what it can do (seed 002's <c>supported_apis</c>); the product launches one instance per call, so no fleet types.</summary>
[GenerateSerializer, Alias("arb.ProviderApi")]
public sealed record ProviderApi([property: Id(0)] string Name, [property: Id(1)] bool SupportsSpot, [property: Id(2)] bool SupportsOnDemand, [property: Id(3)] int MaxInstances, [property: Id(4)] IReadOnlyList<string> SupportedFleetTypes);

[GenerateSerializer, Alias("arb.ProviderLimits")]
public sealed record ProviderLimits([property: Id(0)] int MaxInstancesPerRequest, [property: Id(1)] int MaxConcurrentRequests);

/// <summary>Calls made to the provider's cloud and how they went.</summary>
[GenerateSerializer, Alias("arb.ProviderStatistics")]
public sealed record ProviderStatistics([property: Id(0)] long TotalRequests, [property: Id(1)] long SuccessfulRequests, [property: Id(2)] long FailedRequests, [property: Id(3)] double AverageResponseTimeMs);

/// <summary>A provider instance as the API shows it: configuration, health from the last probe, statistics.</summary>
[GenerateSerializer, Alias("arb.ProviderDetails")]
public sealed record ProviderDetails(
    [property: Id(0)] string Name,
    [property: Id(1)] string Type,
    [property: Id(2)] bool Enabled,
    [property: Id(3)] int Priority,
    [property: Id(4)] int Weight,
    [property: Id(5)] IReadOnlyList<string> Capabilities,
    [property: Id(6)] string Status,
    [property: Id(7)] string? StatusReason,
    [property: Id(8)] DateTimeOffset? LastProbeAt,
    [property: Id(9)] IReadOnlyDictionary<string, string> Configuration,
    [property: Id(10)] ProviderLimits Limits,
    [property: Id(11)] ProviderStatistics Statistics);

[GenerateSerializer, Alias("arb.ProviderCapabilities")]
public sealed record ProviderCapabilities(
    [property: Id(0)] string ProviderInstance,
    [property: Id(1)] IReadOnlyList<ProviderApi> SupportedApis,
    [property: Id(2)] IReadOnlyList<string> PricingModels,
    [property: Id(3)] IReadOnlyList<string> Regions,
    [property: Id(4)] IReadOnlyList<string> AvailabilityZones);

/// <summary>Provider health as the API spells it.</summary>
public static class ProviderStatus
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Disabled = "disabled";
    public const string Unknown = "unknown";
}

/// <summary>One configured provider instance (key: its name, e.g. <c>sim-aws</c>): health probe, statistics.</summary>
[Alias("arb.IProviderGrain")]
public interface IProviderGrain : IGrainWithStringKey
{
    [ReadOnly]
    [Alias("GetDetails")]
    Task<ProviderDetails> GetDetails();

    [ReadOnly]
    [Alias("GetCapabilities")]
    Task<ProviderCapabilities> GetCapabilities();

    /// <summary>Probes the cloud now (the grain also does it on a timer) and returns the new details.</summary>
    [Alias("Probe")]
    Task<ProviderDetails> Probe();

    /// <summary>Adds calls made to this provider's cloud on some silo (counted there, sent in batches).</summary>
    [AlwaysInterleave]
    [Alias("RecordCalls")]
    Task RecordCalls(long calls, long failures, double totalMilliseconds);
}

/// <summary>Per-market figures a price feed keeps (volatility over its bounded history, interruptions observed).</summary>
[GenerateSerializer, Alias("arb.MarketStatistics")]
public sealed record MarketStatistics(
    [property: Id(0)] string Zone,
    [property: Id(1)] string InstanceType,
    [property: Id(2)] decimal? SpotPricePerHour,
    [property: Id(3)] int HistoryPoints,
    [property: Id(4)] double Volatility,
    [property: Id(5)] double AdvisorInterruptionRate,
    [property: Id(6)] int ObservedInterruptions,
    [property: Id(7)] double ObservedInstanceHours,
    [property: Id(8)] double InterruptionRateEstimate);

[GenerateSerializer, Alias("arb.PricePoint")]
public sealed record PricePoint([property: Id(0)] DateTimeOffset Timestamp, [property: Id(1)] decimal PricePerHour);

/// <summary>A price change of one market, as the feed hands it to every silo's offer book.</summary>
[GenerateSerializer, Alias("arb.MarketPriceChange")]
public sealed record MarketPriceChange([property: Id(0)] string Zone, [property: Id(1)] string InstanceType, [property: Id(2)] decimal PricePerHour, [property: Id(3)] DateTimeOffset Timestamp, [property: Id(4)] double InterruptionRate);

/// <summary>Changes after a version; <see cref="Version"/> is what to ask from next time.</summary>
[GenerateSerializer, Alias("arb.PriceChanges")]
public sealed record PriceChanges([property: Id(0)] long Version, [property: Id(1)] IReadOnlyList<MarketPriceChange> Changes);

[GenerateSerializer, Alias("arb.PriceFeedStatus")]
public sealed record PriceFeedStatus([property: Id(0)] string Provider, [property: Id(1)] string Region, [property: Id(2)] long Version, [property: Id(3)] DateTimeOffset? LastPollAt, [property: Id(4)] string? LastError, [property: Id(5)] int Markets, [property: Id(6)] int PricePoints);

/// <summary>
/// The price feed of one provider region (key <c>{provider}/{region}</c>): a grain timer polls the cloud, keeps the
/// current price per market, a bounded history and per-market statistics.
/// </summary>
[Alias("arb.IRegionPriceFeedGrain")]
public interface IRegionPriceFeedGrain : IGrainWithStringKey
{
    /// <summary>Polls the cloud now (the timer does it every poll interval); returns the number of changed markets.</summary>
    [Alias("Poll")]
    Task<int> Poll();

    /// <summary>Every market whose price or interruption estimate changed after <paramref name="sinceVersion"/>.</summary>
    [ReadOnly]
    [Alias("GetChangesSince")]
    Task<PriceChanges> GetChangesSince(long sinceVersion);

    [ReadOnly]
    [Alias("GetHistory")]
    Task<IReadOnlyList<PricePoint>> GetHistory(string zone, string instanceType);

    [ReadOnly]
    [Alias("GetStatistics")]
    Task<MarketStatistics?> GetStatistics(string zone, string instanceType);

    [ReadOnly]
    [Alias("GetStatus")]
    Task<PriceFeedStatus> GetStatus();

    /// <summary>An interruption of an instance on this market was observed (from the cloud's notices).</summary>
    [Alias("RecordInterruption")]
    Task RecordInterruption(string zone, string instanceType);

    /// <summary>Instance-hours run on this market (exposure for the observed interruption rate).</summary>
    [Alias("RecordExposure")]
    Task RecordExposure(string zone, string instanceType, double instanceHours);
}

/// <summary>The names of the configured providers, in configuration order (for listing them without a grain call per name lookup).</summary>
public interface IProviderDirectory
{
    IReadOnlyList<string> ProviderNames { get; }
}
