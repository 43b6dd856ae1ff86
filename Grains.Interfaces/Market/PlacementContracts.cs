namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// What a workload needs (the Compute Arbitrage API's <c>WorkloadRequirements</c>, plus the provider and market
/// filters of an estimate). <see cref="GpuType"/> is a normalised name such as <c>nvidia-t4</c>.
/// <see cref="PreferredRegions"/>, when given, limits placement to those regions.
/// </summary>
public sealed record PlacementRequirements(
    int MinCpu,
    double MinMemoryGb,
    int GpuCount = 0,
    string? GpuType = null,
    IReadOnlyList<string>? PreferredRegions = null,
    decimal? MaxPricePerHour = null,
    double? MaxInterruptionRate = null,
    IReadOnlyList<string>? Providers = null,
    bool AllowSpot = true,
    bool AllowOnDemand = true);

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
public sealed record PlacementOption(
    string Provider,
    string Cloud,
    string Region,
    string Zone,
    string InstanceType,
    string Market,
    int VCpus,
    double MemoryGb,
    string? GpuType,
    int GpuCount,
    decimal PricePerHour,
    decimal? OnDemandPricePerHour,
    double Savings,
    double InterruptionRate,
    double AvailabilityScore,
    decimal ExpectedCostPerHour,
    string Reason);

/// <summary>How many offers one constraint removed (each offer is counted against the first constraint it fails).</summary>
public sealed record ConstraintRejection(string Constraint, int Removed, string Message);

/// <summary>
/// The answer to an estimate: the recommended option (null when nothing fits), ranked alternatives, how many
/// offers were looked at, and what each constraint removed.
/// </summary>
public sealed record PlacementEstimate(
    PlacementOption? Recommended,
    IReadOnlyList<PlacementOption> Alternatives,
    int OffersConsidered,
    int OffersAccepted,
    IReadOnlyList<ConstraintRejection> Rejections);

/// <summary>A current price of one market, for <c>GET /v1/pricing/current</c>.</summary>
public sealed record CurrentPrice(
    string Provider,
    string Cloud,
    string Region,
    string Zone,
    string InstanceType,
    int VCpus,
    double MemoryGb,
    string? GpuType,
    int GpuCount,
    decimal? SpotPricePerHour,
    decimal? OnDemandPricePerHour,
    double InterruptionRate,
    DateTimeOffset? UpdatedAt);

/// <summary>Filters and a page of <see cref="CurrentPrice"/>s; the cursor is opaque to callers.</summary>
public sealed record CurrentPriceQuery(string? Provider, string? Cloud, string? Region, string? InstanceType, int Limit, string? Cursor);

public sealed record CurrentPricePage(IReadOnlyList<CurrentPrice> Prices, string? NextCursor, int Total);

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
}

/// <summary>Requirements or a query the market cannot accept; <see cref="Field"/> names the offending field.</summary>
public sealed class PlacementValidationException(string field, string message) : ArgumentException(message, field)
{
    public string Field { get; } = field;
}
