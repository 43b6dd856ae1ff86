using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>Placement over a small hand-made offer book: ranking, constraints, explanations, validation, current prices.</summary>
public sealed class PlacementEngineTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static InstanceTypeOffer Offer(string type, string region, string zone, int cpu, double memory, decimal onDemand,
        double rate = 0.025, double availability = 1, string? gpu = null, int gpus = 0, bool spot = true) =>
        new(type, region, zone, cpu, memory, gpu, gpus, onDemand, spot, rate, availability);

    private static (PlacementEngine Engine, OfferBook Book) Build(params (string Provider, CloudKind Cloud, InstanceTypeOffer Offer, decimal? Spot)[] rows) =>
        Build(new PlacementOptions(), rows);

    private static (PlacementEngine Engine, OfferBook Book) Build(PlacementOptions options, params (string Provider, CloudKind Cloud, InstanceTypeOffer Offer, decimal? Spot)[] rows)
    {
        var builder = new OfferBookBuilder();
        var providers = new Dictionary<string, BookProvider>();
        foreach (var (name, cloud, offer, spot) in rows)
        {
            if (!providers.TryGetValue(name, out var provider)) providers[name] = provider = builder.AddProvider(name, cloud);
            builder.AddOffers(provider, [offer]);
            if (spot is { } price) builder.AddSpotPrices(provider, [new SpotPrice(offer.Region, offer.Zone, offer.InstanceType, price, At)]);
        }

        var book = builder.Build();
        return (new PlacementEngine(new OfferBookHolder { Current = book }, Options.Create(options)), book);
    }

    private static (PlacementEngine Engine, OfferBook Book) Market() => Build(
        ("sim-aws", CloudKind.Aws, Offer("m5.large", "us-east-1", "use1-az1", 2, 8, 0.096m, rate: 0.025), 0.035m),
        ("sim-aws", CloudKind.Aws, Offer("m5.large", "us-east-1", "use1-az2", 2, 8, 0.096m, rate: 0.025), 0.036m),
        ("sim-aws", CloudKind.Aws, Offer("c5.large", "us-east-1", "use1-az1", 2, 4, 0.085m, rate: 0.25), 0.030m),
        ("sim-aws", CloudKind.Aws, Offer("m5.xlarge", "eu-west-1", "euw1-az1", 4, 16, 0.192m, rate: 0.075), 0.070m),
        ("sim-gcp", CloudKind.Gcp, Offer("n1-standard-8+T4x1", "us-central1", "us-central1-a", 8, 30, 0.73m, gpu: "T4", gpus: 1, rate: 0.1), 0.25m),
        ("sim-azure", CloudKind.Azure, Offer("Standard_D2s_v3", "eastus", "eastus", 2, 8, 0.096m, spot: false), null));

    [Fact]
    public void The_recommendation_is_the_lowest_expected_cost_not_the_lowest_price()
    {
        // c5.large is 0.03 % cheaper per hour but interrupted ten times as often; a workload that loses 8 hours of work
        // per interruption pays more on it. Both fit a 2 vCPU / 4 GiB need.
        var (engine, _) = Build(new PlacementOptions { RestartCostHours = 8 },
            ("sim-aws", CloudKind.Aws, Offer("c5.large", "us-east-1", "use1-az1", 2, 4, 0.085m, rate: 0.25), 0.03000m),
            ("sim-aws", CloudKind.Aws, Offer("m5.large", "us-east-1", "use1-az1", 2, 8, 0.096m, rate: 0.025), 0.03001m));

        var estimate = engine.Estimate(new PlacementRequirements(2, 4));

        Assert.Equal("m5.large", estimate.Recommended!.InstanceType);
        Assert.Equal("c5.large", estimate.Alternatives[0].InstanceType);
        Assert.True(estimate.Recommended.ExpectedCostPerHour < estimate.Alternatives[0].ExpectedCostPerHour);
        Assert.True(estimate.Alternatives[0].PricePerHour < estimate.Recommended.PricePerHour);
    }

    [Fact]
    public void An_option_carries_prices_savings_and_a_reason()
    {
        var (engine, _) = Market();

        var best = engine.Estimate(new PlacementRequirements(2, 8)).Recommended!;

        Assert.Equal(("sim-aws", "aws", "us-east-1", "use1-az1", "m5.large", "spot"), (best.Provider, best.Cloud, best.Region, best.Zone, best.InstanceType, best.Market));
        Assert.Equal(0.035m, best.PricePerHour);
        Assert.Equal(0.096m, best.OnDemandPricePerHour);
        Assert.Equal(Math.Round(1 - 0.035 / 0.096, 4), best.Savings, 4);
        Assert.Equal(0.025, best.InterruptionRate);
        Assert.Contains("lowest expected cost", best.Reason);
        Assert.Contains("spot at $0.035/h", best.Reason);
    }

    // This used to fold the spot zones of a region into its cheapest one ("each instance type of a region once"). A zone
    // that has no spot capacity, or has just taken the instance back, then hid the region's other zones from the
    // workload's re-placement (the backtest showed the product losing to a plain zone failover); each spot zone is now
    // a choice of its own, and only on-demand (priced per region) is listed once.
    [Fact]
    public void Alternatives_list_every_spot_zone_but_on_demand_once_per_region_and_type()
    {
        var (engine, _) = Market();

        var estimate = engine.Estimate(new PlacementRequirements(2, 8), alternatives: 10);

        var all = new[] { estimate.Recommended! }.Concat(estimate.Alternatives).ToList();
        Assert.Equal(["use1-az1", "use1-az2"], all.Where(o => o.InstanceType == "m5.large" && o.Market == MarketNames.Spot).Select(o => o.Zone));
        Assert.Single(all, o => o.InstanceType == "m5.large" && o.Market == MarketNames.OnDemand);
        Assert.Equal(all.OrderBy(o => o.ExpectedCostPerHour).Select(o => (o.InstanceType, o.Zone, o.Market)), all.Select(o => (o.InstanceType, o.Zone, o.Market)));
    }

    [Fact]
    public void A_workload_re_placed_off_an_interrupted_zone_finds_the_next_zone_of_the_region_before_another_region()
    {
        // The workload grain drops the interrupted market from the ranked candidates; the region's second zone must
        // still be among them, ahead of the dearer region and of on-demand.
        var (engine, _) = Build(
            ("sim-aws", CloudKind.Aws, Offer("p3.2xlarge", "us-east-1", "use1-az1", 8, 61, 3.06m, gpu: "V100", gpus: 1), 0.918m),
            ("sim-aws", CloudKind.Aws, Offer("p3.2xlarge", "us-east-1", "use1-az2", 8, 61, 3.06m, gpu: "V100", gpus: 1), 0.930m),
            ("sim-aws", CloudKind.Aws, Offer("p3.2xlarge", "us-west-2", "usw2-az1", 8, 61, 3.06m, gpu: "V100", gpus: 1), 1.100m));

        var ranked = engine.Estimate(new PlacementRequirements(8, 61, GpuType: "nvidia-v100"), alternatives: 4);
        var candidates = ranked.Alternatives.Prepend(ranked.Recommended!).Where(o => !(o.Zone == "use1-az1" && o.Market == MarketNames.Spot)).ToList();

        Assert.Equal(("use1-az2", MarketNames.Spot), (candidates[0].Zone, candidates[0].Market));
        Assert.Equal(("usw2-az1", MarketNames.Spot), (candidates[1].Zone, candidates[1].Market));
        Assert.Equal(2, candidates.Count(o => o.Market == MarketNames.OnDemand)); // one per region, not one per zone
    }

    [Fact]
    public void Nothing_acceptable_gives_no_recommendation_and_the_count_each_constraint_removed()
    {
        var (engine, _) = Market();

        var estimate = engine.Estimate(new PlacementRequirements(2, 8, MaxPricePerHour: 0.01m));

        Assert.Null(estimate.Recommended);
        Assert.Empty(estimate.Alternatives);
        Assert.Equal(11, estimate.OffersConsidered); // 5 spot + 6 on-demand
        var byConstraint = estimate.Rejections.ToDictionary(r => r.Constraint, r => r.Removed);
        Assert.Equal(2, byConstraint["minMemoryGB"]); // c5.large: spot and on-demand
        Assert.Equal(9, byConstraint["maxPricePerHour"]);
        Assert.Equal(11, estimate.Rejections.Sum(r => r.Removed));
        Assert.Contains(estimate.Rejections, r => r.Message == "maxPricePerHour removed 9 offers");
    }

    [Fact]
    public void Gpu_type_region_provider_and_interruption_constraints_filter_offers()
    {
        var (engine, _) = Market();

        Assert.Equal("n1-standard-8+T4x1", engine.Estimate(new PlacementRequirements(1, 1, GpuType: "nvidia-t4")).Recommended!.InstanceType);
        Assert.Equal("eu-west-1", engine.Estimate(new PlacementRequirements(1, 1, PreferredRegions: ["eu-west-1"])).Recommended!.Region);
        Assert.Equal("sim-azure", engine.Estimate(new PlacementRequirements(1, 1, Providers: ["azure"])).Recommended!.Provider);
        var stable = engine.Estimate(new PlacementRequirements(1, 1, MaxInterruptionRate: 0.05, AllowOnDemand: false), alternatives: 10);
        Assert.All(new[] { stable.Recommended! }.Concat(stable.Alternatives), o => Assert.True(o.InterruptionRate <= 0.05));
        var onDemandOnly = engine.Estimate(new PlacementRequirements(1, 1, AllowSpot: false));
        Assert.Equal("on-demand", onDemandOnly.Recommended!.Market);
        Assert.Equal(0, onDemandOnly.Recommended.InterruptionRate);
    }

    [Theory]
    [InlineData(0, 1.0, null, null, "minCPU")]
    [InlineData(1, 0.0, null, null, "minMemoryGB")]
    [InlineData(1, -2.0, null, null, "minMemoryGB")]
    [InlineData(1, 1.0, "nvidia-quantum", null, "gpuType")]
    [InlineData(1, 1.0, null, 1.5, "maxInterruptionRate")]
    [InlineData(1, 1.0, null, -0.1, "maxInterruptionRate")]
    public void Bad_requirements_are_refused_naming_the_field(int cpu, double memory, string? gpuType, double? maxRate, string field)
    {
        var (engine, _) = Market();

        var error = Assert.Throws<PlacementValidationException>(() => engine.Estimate(new PlacementRequirements(cpu, memory, GpuType: gpuType, MaxInterruptionRate: maxRate)));

        Assert.Equal(field, error.Field);
        Assert.Contains(field, error.Message);
    }

    [Fact]
    public void Unknown_providers_and_regions_are_refused()
    {
        var (engine, _) = Market();

        Assert.Equal("providers", Assert.Throws<PlacementValidationException>(() => engine.Estimate(new PlacementRequirements(1, 1, Providers: ["oracle"]))).Field);
        Assert.Equal("preferredRegions", Assert.Throws<PlacementValidationException>(() => engine.Estimate(new PlacementRequirements(1, 1, PreferredRegions: ["mars-1"]))).Field);
        Assert.Equal("region", Assert.Throws<PlacementValidationException>(() => engine.CurrentPrices(new CurrentPriceQuery(null, null, "mars-1", null, 10, null))).Field);
    }

    [Fact]
    public void Zones_restrict_placement_to_their_markets_by_zone_id_or_by_the_accounts_zone_name_and_an_unknown_zone_is_refused()
    {
        var builder = new OfferBookBuilder();
        var aws = builder.AddProvider("sim-aws", CloudKind.Aws);
        var gcp = builder.AddProvider("sim-gcp", CloudKind.Gcp);
        // The account names its zones its own way: us-east-1a is use1-az2 here, us-east-1b use1-az1.
        builder.AddZoneNames(new CloudRegion("us-east-1", ["use1-az1", "use1-az2"], new Dictionary<string, string> { ["us-east-1a"] = "use1-az2", ["us-east-1b"] = "use1-az1" }));
        builder.AddOffers(aws, [Offer("m5.large", "us-east-1", "use1-az1", 2, 8, 0.096m), Offer("m5.large", "us-east-1", "use1-az2", 2, 8, 0.096m), Offer("c5.large", "us-east-1", "use1-az2", 2, 4, 0.085m)]);
        builder.AddSpotPrices(aws, [new SpotPrice("us-east-1", "use1-az1", "m5.large", 0.030m, At), new SpotPrice("us-east-1", "use1-az2", "m5.large", 0.036m, At), new SpotPrice("us-east-1", "use1-az2", "c5.large", 0.040m, At)]);
        builder.AddOffers(gcp, [Offer("e2-standard-2", "us-central1", "us-central1-a", 2, 8, 0.067m)]);
        builder.AddSpotPrices(gcp, [new SpotPrice("us-central1", "us-central1-a", "e2-standard-2", 0.020m, At)]);
        var engine = new PlacementEngine(new OfferBookHolder { Current = builder.Build() }, Options.Create(new PlacementOptions()));
        static List<PlacementOption> All(PlacementEstimate e) => e.Recommended is null ? [] : [e.Recommended, .. e.Alternatives];

        var everywhere = All(engine.Estimate(new PlacementRequirements(2, 4), 20));
        var byId = engine.Estimate(new PlacementRequirements(2, 4, Zones: ["use1-az2"]), 20);
        var byName = All(engine.Estimate(new PlacementRequirements(2, 4, Zones: ["us-east-1a"]), 20));
        var gcpZone = All(engine.Estimate(new PlacementRequirements(2, 4, Zones: ["us-central1-a"]), 20));

        Assert.Contains(everywhere, o => o.Zone != "use1-az2");
        Assert.Equal("use1-az2", byId.Recommended!.Zone);
        Assert.All(All(byId), o => Assert.Equal("use1-az2", o.Zone));
        Assert.Contains(byId.Rejections, r => r.Constraint == "zones");
        // The name is placed by the zone ID it stands for, and answers name the zone ID.
        Assert.Equal(All(byId).Select(o => (o.Zone, o.InstanceType, o.Market)), byName.Select(o => (o.Zone, o.InstanceType, o.Market)));
        Assert.All(gcpZone, o => Assert.Equal(("sim-gcp", "us-central1-a"), (o.Provider, o.Zone)));
        Assert.NotEmpty(gcpZone);

        var refused = Assert.Throws<PlacementValidationException>(() => engine.Estimate(new PlacementRequirements(2, 4, Zones: ["us-east-1a", "us-east-1z"])));
        Assert.Equal("zones[1]", refused.Field);
        Assert.Contains("us-east-1z", refused.Message);
    }

    [Fact]
    public void A_price_change_applied_to_the_book_changes_the_next_estimate()
    {
        var (engine, book) = Market();
        Assert.Equal("use1-az1", engine.Estimate(new PlacementRequirements(2, 8, Providers: ["sim-aws"], AllowOnDemand: false)).Recommended!.Zone);

        int applied = book.Apply("sim-aws", "us-east-1", [new MarketPriceChange("use1-az1", "m5.large", 0.050m, At.AddMinutes(5), 0.025)]);

        Assert.Equal(1, applied);
        var best = engine.Estimate(new PlacementRequirements(2, 8, Providers: ["sim-aws"], AllowOnDemand: false)).Recommended!;
        Assert.Equal(("use1-az2", 0.036m), (best.Zone, best.PricePerHour));
    }

    [Fact]
    public void Current_prices_page_through_every_market_with_a_cursor()
    {
        var (engine, _) = Market();

        var seen = new List<CurrentPrice>();
        string? cursor = null;
        int pages = 0;
        do
        {
            var page = engine.CurrentPrices(new CurrentPriceQuery(null, null, null, null, 4, cursor));
            Assert.Equal(6, page.Total);
            seen.AddRange(page.Prices);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(2, pages);
        Assert.Equal(6, seen.Select(p => (p.Provider, p.Region, p.Zone, p.InstanceType)).Distinct().Count());
        var filtered = engine.CurrentPrices(new CurrentPriceQuery("aws", null, "us-east-1", "m5.large", 10, null));
        Assert.Equal(2, filtered.Total);
        Assert.All(filtered.Prices, p => Assert.Equal(0.096m, p.OnDemandPricePerHour));
        Assert.Null(engine.CurrentPrices(new CurrentPriceQuery("sim-azure", null, null, null, 10, null)).Prices.Single().SpotPricePerHour);
    }
}
