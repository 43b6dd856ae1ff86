using Arbitrage.Orleans.Grains.Market;
using GrainMarket = Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Gateway.Contracts;

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
    DateTimeOffset GeneratedAt) : IApiExample<PriceEstimate>
{
    public static PriceEstimate Example { get; } = new(PlacementOption.Example, [PlacementOption.Example with { Region = "eu-west-1", Zone = "euw1-az2", PricePerHour = 0.2110m }],
        412_000, 1_250, [new PriceRejection("gpuType", 410_000, "offers without an nvidia-t4")], null, new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    public static PriceEstimate From(PlacementEstimate e, DateTimeOffset now) => new(
        e.Recommended is { } r ? PlacementOption.From(r) : null,
        e.Alternatives.Select(PlacementOption.From).ToList(),
        e.OffersConsidered,
        e.OffersAccepted,
        e.Rejections.Select(x => new PriceRejection(x.Constraint, x.Removed, x.Message)).ToList(),
        e.Recommended is null ? "No offer meets every requirement; rejections says how many offers each constraint removed." : null,
        now);
}

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
    string Reason) : IApiExample<PlacementOption>
{
    public static PlacementOption Example { get; } = new("aws", "aws-prod", "aws", "us-east-1", "use1-az1", "g4dn.2xlarge", MarketNames.Spot, 8, 32, "nvidia-t4", 1, 0.2256m, 0.752m,
        0.7, 0.05, 0.9, 0.2375m, "cheapest expected cost per useful hour");

    public static PlacementOption From(GrainMarket.PlacementOption o) => new(o.Cloud, o.Provider, o.Cloud, o.Region, o.Zone, o.InstanceType, o.Market, o.VCpus, o.MemoryGb, o.GpuType,
        o.GpuCount, o.PricePerHour, o.OnDemandPricePerHour, o.Savings, o.InterruptionRate, o.AvailabilityScore, o.ExpectedCostPerHour, o.Reason);
}

/// <summary>A page of current prices; <see cref="NextCursor"/> is left out on the last page, <see cref="Total"/> counts every match.</summary>
public sealed record SpotPriceList(IReadOnlyList<SpotPrice> Prices, string? NextCursor, int Total) : IApiExample<SpotPriceList>
{
    public static SpotPriceList Example { get; } = new([SpotPrice.Example], null, 1);

    public static SpotPriceList From(CurrentPricePage page) => new(page.Prices.Select(SpotPrice.From).ToList(), page.NextCursor, page.Total);
}

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
    DateTimeOffset? UpdatedAt) : IApiExample<SpotPrice>
{
    public static SpotPrice Example { get; } = new("gcp", "gcp-prod", "gcp", "us-central1", "us-central1-a", "n2-standard-8", 8, 32, null, 0, 0.0971m, 0.3885m, 0.04,
        new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));

    public static SpotPrice From(CurrentPrice p) => new(p.Cloud, p.Provider, p.Cloud, p.Region, p.Zone, p.InstanceType, p.VCpus, p.MemoryGb, p.GpuType, p.GpuCount,
        p.SpotPricePerHour, p.OnDemandPricePerHour, p.InterruptionRate, p.UpdatedAt);
}
