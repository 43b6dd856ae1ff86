using Orleans;
namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// What a workload needs (the Compute Arbitrage API's <c>WorkloadRequirements</c>, plus the provider and market
/// filters of an estimate). <see cref="GpuType"/> is a normalised name such as <c>nvidia-t4</c>.
/// <see cref="PreferredRegions"/>, when given, limits placement to those regions.
/// </summary>
[GenerateSerializer, Alias("arb.PlacementRequirements")]
public sealed record PlacementRequirements(
    [property: Id(0)] int MinCpu,
    [property: Id(1)] double MinMemoryGb,
    [property: Id(2)] int GpuCount = 0,
    [property: Id(3)] string? GpuType = null,
    [property: Id(4)] IReadOnlyList<string>? PreferredRegions = null,
    [property: Id(5)] decimal? MaxPricePerHour = null,
    [property: Id(6)] double? MaxInterruptionRate = null,
    [property: Id(7)] IReadOnlyList<string>? Providers = null,
    [property: Id(8)] bool AllowSpot = true,
    [property: Id(9)] bool AllowOnDemand = true,
    [property: Id(10)] IReadOnlyList<string>? InstanceTypes = null,
    [property: Id(11)] IReadOnlyList<string>? Zones = null);

/// <summary>Spot or on-demand, as the API spells it.</summary>
public static class MarketNames
{
    public const string Spot = "spot";
    public const string OnDemand = "on-demand";
}

/// <summary>
/// One way to run the workload: a market (provider, region, zone, instance type, spot or on-demand) with its price,
/// what the data says about interruptions and capacity, the expected cost of an hour of useful work that ranks it,
/// and a short reason a person can read.
/// </summary>
[GenerateSerializer, Alias("arb.PlacementOption")]
public sealed record PlacementOption(
    [property: Id(0)] string Provider,
    [property: Id(1)] string Cloud,
    [property: Id(2)] string Region,
    [property: Id(3)] string Zone,
    [property: Id(4)] string InstanceType,
    [property: Id(5)] string Market,
    [property: Id(6)] int VCpus,
    [property: Id(7)] double MemoryGb,
    [property: Id(8)] string? GpuType,
    [property: Id(9)] int GpuCount,
    [property: Id(10)] decimal PricePerHour,
    [property: Id(11)] decimal? OnDemandPricePerHour,
    [property: Id(12)] double Savings,
    [property: Id(13)] double InterruptionRate,
    [property: Id(14)] double AvailabilityScore,
    [property: Id(15)] decimal ExpectedCostPerHour,
    [property: Id(16)] string Reason);

/// <summary>How many offers one constraint removed (each offer is counted against the first constraint it fails).</summary>
[GenerateSerializer, Alias("arb.ConstraintRejection")]
public sealed record ConstraintRejection([property: Id(0)] string Constraint, [property: Id(1)] int Removed, [property: Id(2)] string Message);

/// <summary>
/// The answer to an estimate: the recommended option (null when nothing fits), ranked alternatives, how many
/// offers were looked at, and what each constraint removed.
/// </summary>
[GenerateSerializer, Alias("arb.PlacementEstimate")]
public sealed record PlacementEstimate(
    [property: Id(0)] PlacementOption? Recommended,
    [property: Id(1)] IReadOnlyList<PlacementOption> Alternatives,
    [property: Id(2)] int OffersConsidered,
    [property: Id(3)] int OffersAccepted,
    [property: Id(4)] IReadOnlyList<ConstraintRejection> Rejections);

/// <summary>A current price of one market, for <c>GET /v1/pricing/current</c>.</summary>
[GenerateSerializer, Alias("arb.CurrentPrice")]
public sealed record CurrentPrice(
    [property: Id(0)] string Provider,
    [property: Id(1)] string Cloud,
    [property: Id(2)] string Region,
    [property: Id(3)] string Zone,
    [property: Id(4)] string InstanceType,
    [property: Id(5)] int VCpus,
    [property: Id(6)] double MemoryGb,
    [property: Id(7)] string? GpuType,
    [property: Id(8)] int GpuCount,
    [property: Id(9)] decimal? SpotPricePerHour,
    [property: Id(10)] decimal? OnDemandPricePerHour,
    [property: Id(11)] double InterruptionRate,
    [property: Id(12)] DateTimeOffset? UpdatedAt);

/// <summary>Filters and a page of <see cref="CurrentPrice"/>s; the cursor is opaque to callers.</summary>
[GenerateSerializer, Alias("arb.CurrentPriceQuery")]
public sealed record CurrentPriceQuery([property: Id(0)] string? Provider, [property: Id(1)] string? Cloud, [property: Id(2)] string? Region, [property: Id(3)] string? InstanceType, [property: Id(4)] int Limit, [property: Id(5)] string? Cursor);

[GenerateSerializer, Alias("arb.CurrentPricePage")]
public sealed record CurrentPricePage([property: Id(0)] IReadOnlyList<CurrentPrice> Prices, [property: Id(1)] string? NextCursor, [property: Id(2)] int Total);

/// <summary>
/// Placement over the silo's own read-optimised offer book: no grain call per offer. Registered on every silo and
/// used by the gateway and the workload grains.
/// </summary>
public interface IPlacementService
{
    /// <summary>Ranks every acceptable offer; throws <see cref="PlacementValidationException"/> for bad requirements.</summary>
    PlacementEstimate Estimate(PlacementRequirements requirements, int alternatives = 5);

    /// <summary>Checks requirements without ranking anything; throws <see cref="PlacementValidationException"/> naming the field.</summary>
    void Validate(PlacementRequirements requirements);

    /// <summary>A page of current prices; throws <see cref="PlacementValidationException"/> for an unknown filter value.</summary>
    CurrentPricePage CurrentPrices(CurrentPriceQuery query);

    /// <summary>The GPU type names requirements may use (e.g. <c>nvidia-t4</c>).</summary>
    IReadOnlyCollection<string> KnownGpuTypes { get; }

    /// <summary>
    /// The expected cost of an hour of useful work on one market at today's price and hazard, computed as
    /// <see cref="Estimate"/> ranks offers (its <see cref="PlacementOption.ExpectedCostPerHour"/>); null when the market
    /// has no such offer now.
    /// </summary>
    decimal? ExpectedCostPerHour(string provider, string region, string zone, string instanceType, string market);

    /// <summary>
    /// The cheapest acceptable offer of each provider that has one (by expected cost, cheapest first), in one pass over the
    /// book: what provider selection weighs. Throws <see cref="PlacementValidationException"/> for bad requirements.
    /// </summary>
    IReadOnlyList<PlacementOption> CheapestByProvider(PlacementRequirements requirements);
}

/// <summary>Requirements or a query the market cannot accept; <see cref="Field"/> names the offending field.</summary>
[GenerateSerializer, Alias("arb.PlacementValidationException")]
public sealed class PlacementValidationException(string field, string message) : ArgumentException(message, field)
{
    [Id(0)] public string Field { get; } = field;
}
