using Arbitrage.Orleans.Contracts.Pricing;
using GrainMarket = Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>Between the pricing records of the wire (Arbitrage.Orleans.Contracts.Pricing) and the market's records.</summary>
public static class PricingContractMapping
{
    public static PriceEstimate ToContract(this GrainMarket.PlacementEstimate e, DateTimeOffset now) => new(
        e.Recommended?.ToContract(),
        e.Alternatives.Select(a => a.ToContract()).ToList(),
        e.OffersConsidered,
        e.OffersAccepted,
        e.Rejections.Select(x => new PriceRejection(x.Constraint, x.Removed, x.Message)).ToList(),
        e.Recommended is null ? "No offer meets every requirement; rejections says how many offers each constraint removed." : null,
        now);

    /// <summary><see cref="PlacementOption.Provider"/> is the cloud, <see cref="PlacementOption.ProviderName"/> the configured provider.</summary>
    public static PlacementOption ToContract(this GrainMarket.PlacementOption o) => new(o.Cloud, o.Provider, o.Cloud, o.Region, o.Zone, o.InstanceType, o.Market, o.VCpus,
        o.MemoryGb, o.GpuType, o.GpuCount, o.PricePerHour, o.OnDemandPricePerHour, o.Savings, o.InterruptionRate, o.AvailabilityScore, o.ExpectedCostPerHour, o.Reason);

    public static SpotPriceList ToContract(this GrainMarket.CurrentPricePage page) => new(page.Prices.Select(p => p.ToContract()).ToList(), page.NextCursor, page.Total);

    public static SpotPrice ToContract(this GrainMarket.CurrentPrice p) => new(p.Cloud, p.Provider, p.Cloud, p.Region, p.Zone, p.InstanceType, p.VCpus, p.MemoryGb, p.GpuType,
        p.GpuCount, p.SpotPricePerHour, p.OnDemandPricePerHour, p.InterruptionRate, p.UpdatedAt);

    public static PricePoint ToContract(this GrainMarket.PricePoint p) => new(p.Timestamp, p.PricePerHour);
}
