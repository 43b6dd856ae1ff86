namespace Arbitrage.Orleans.Contracts.Pricing;

/// <summary>
/// The Compute Arbitrage API's <c>PriceEstimate</c>: the recommended option (left out when nothing fits), ranked
/// alternatives, and what each constraint removed.
/// </summary>
public sealed record PriceEstimate(
    PlacementOption? Recommended,
    IReadOnlyList<PlacementOption> Alternatives,
    int OffersConsidered,
    int OffersAccepted,
    IReadOnlyList<PriceRejection> Rejections,
    string? Message,
    DateTimeOffset GeneratedAt);

/// <summary>How many offers one constraint removed (each offer counts against the first constraint it fails).</summary>
public sealed record PriceRejection(string Constraint, int Removed, string Message);

/// <summary>
/// The Compute Arbitrage API's <c>PlacementOption</c>. <see cref="Provider"/> is the cloud (aws, azure or gcp);
/// <see cref="ProviderName"/> is the configured provider that offers it (e.g. <c>sim-aws</c>), the name the
/// <c>providers</c> filter and <c>/api/v1/providers</c> use.
/// </summary>
public sealed record PlacementOption(
    string Provider,
    string ProviderName,
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

/// <summary>A page of current prices; <see cref="NextCursor"/> is left out on the last page, <see cref="Total"/> counts every match.</summary>
public sealed record SpotPriceList(IReadOnlyList<SpotPrice> Prices, string? NextCursor, int Total);

/// <summary>
/// The current prices of one market. <see cref="Provider"/> is the cloud (aws, azure or gcp), <see cref="ProviderName"/>
/// the configured provider (what the <c>provider</c> query parameter filters by); a price the market does not offer is left out.
/// </summary>
public sealed record SpotPrice(
    string Provider,
    string ProviderName,
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

/// <summary>A market's spot price history: one series per zone, each capped at <see cref="MaxPoints"/> points.</summary>
/// <param name="Provider">The configured provider (e.g. <c>sim-aws</c>).</param>
/// <param name="From">The window's start (the week before <paramref name="To"/> unless asked).</param>
/// <param name="To">The window's end (now unless asked).</param>
/// <param name="Downsampled">True when a series had more points in the window than <see cref="MaxPoints"/>; it then keeps the lowest and highest price of equal time buckets.</param>
/// <param name="Message">Why the series come from the price feed, or how they were downsampled (left out when there is nothing to say).</param>
/// <param name="Source"><c>provider</c> (the cloud's own price history) or <c>feed</c> (what the silo's price feed saw since it started, for clouds without a history API).</param>
public sealed record PriceHistory(
    string Provider, string Region, string InstanceType, DateTimeOffset? From, DateTimeOffset? To, int MaxPoints, bool Downsampled,
    IReadOnlyList<PriceSeries> Series, string? Message, string Source);

/// <param name="SourcePoints">Points the source holds for the zone inside the window, before any downsampling.</param>
public sealed record PriceSeries(string Zone, int SourcePoints, IReadOnlyList<PricePoint> Points);

/// <summary>One spot price at one time.</summary>
public sealed record PricePoint(DateTimeOffset Timestamp, decimal PricePerHour);
