using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>The arithmetic of a group: its spot/on-demand split, and which spot instance type a new member gets.</summary>
internal static class GroupPlan
{
    /// <summary>The memory floor when only instance types are given (any size).</summary>
    public const double AnyMemory = 0.01;

    /// <summary>Spot and on-demand members of the target: onDemandCount when set, otherwise risk percent spot (rounded half up).</summary>
    public static (int Spot, int OnDemand) Split(GroupSpec spec)
    {
        int target = spec.Capacity.Target;
        int onDemand = spec.Strategy.OnDemandCount is { } n
            ? Math.Min(n, target)
            : target - (int)Math.Round(target * spec.Strategy.Risk / 100.0, MidpointRounding.AwayFromZero);
        return (target - onDemand, onDemand);
    }

    /// <summary>
    /// How many capacity units (members, or weight units) one spot instance type (and so any one spot market) may hold:
    /// maxShareOfMarket of the target, at least one (and a type holding nothing may always take one member).
    /// </summary>
    public static int MarketCap(GroupSpec spec) => Math.Max(1, (int)Math.Floor(spec.Strategy.MaxShareOfMarket * spec.Capacity.Target + 1e-9));

    /// <summary>
    /// The requirements of a member restricted to one lifecycle and to <paramref name="types"/> (all when empty), and to
    /// <paramref name="zone"/> when given (else to the group's zones, if any).
    /// </summary>
    public static PlacementRequirements Requirements(GroupSpec spec, string lifecycle, IReadOnlyList<string> types, string? zone = null)
    {
        var c = spec.Compute;
        var r = c.Requirements;
        return new PlacementRequirements(r?.MinCpu ?? 1, r?.MinMemoryGb ?? AnyMemory, r?.GpuCount ?? 0, r?.GpuType,
            c.Regions is { Count: > 0 } ? c.Regions : null, null, null, c.Providers is { Count: > 0 } ? c.Providers : null,
            AllowSpot: lifecycle == MarketNames.Spot, AllowOnDemand: lifecycle == MarketNames.OnDemand,
            InstanceTypes: types.Count > 0 ? types : lifecycle == MarketNames.OnDemand && c.OnDemandType is { } od ? [od] : c.SpotTypes is { Count: > 0 } spot && lifecycle == MarketNames.Spot ? spot : null,
            Zones: zone is not null ? [zone] : c.Zones is { Count: > 0 } zones ? zones : null);
    }

    /// <summary>The best spot offer of each allowed spot instance type now, in rank order (cheapest expected cost first).</summary>
    public static List<PlacementOption> SpotTypes(GroupSpec spec, IPlacementService placement)
    {
        var estimate = placement.Estimate(Requirements(spec, MarketNames.Spot, []), 500);
        var all = estimate.Recommended is null ? [] : estimate.Alternatives.Prepend(estimate.Recommended);
        return all.GroupBy(o => o.InstanceType, StringComparer.OrdinalIgnoreCase).Select(g => g.First()).ToList();
    }

    /// <summary>
    /// The instance type of a new spot member: among the types not found short, those below the market cap, ordered by
    /// the strategy; when every such type is at its cap, the least loaded (the bound cannot hold; the caller says so).
    /// <paramref name="load"/> is in capacity units: a type is below the cap when one more member of its weight keeps it
    /// within the cap. Null when no spot type can be tried now.
    /// </summary>
    public static (string Type, bool OverCap)? ChooseSpotType(GroupSpec spec, IReadOnlyList<PlacementOption> offers, IReadOnlyDictionary<string, int> load,
        Func<string, bool> isShort)
    {
        var open = offers.Where(o => !isShort(o.InstanceType)).ToList();
        if (open.Count == 0) return null;
        int cap = MarketCap(spec);
        int Load(PlacementOption o) => load.GetValueOrDefault(o.InstanceType);
        var under = open.Where(o => Load(o) == 0 || Load(o) + spec.TypeWeight(o.InstanceType) <= cap).ToList();
        if (under.Count == 0) return (open.OrderBy(Load).ThenBy(o => o.ExpectedCostPerHour).First().InstanceType, true);
        var ordered = spec.Strategy.AvailabilityVsCost switch
        {
            AvailabilityVsCost.CostOriented => under.OrderBy(o => o.ExpectedCostPerHour),
            AvailabilityVsCost.AvailabilityOriented => under.OrderBy(o => o.InterruptionRate).ThenByDescending(o => o.AvailabilityScore).ThenBy(o => o.ExpectedCostPerHour),
            _ => under.OrderBy(Load).ThenBy(o => o.ExpectedCostPerHour),
        };
        return (ordered.First().InstanceType, false);
    }

    /// <summary>
    /// The zone of a new spot member of an equalAzDistribution group on <paramref name="type"/>: the least loaded of the
    /// zones where that type is offered on spot (within the group's zones, if given), the cheapest among equals. Null
    /// when no zone offers it now (placement then picks).
    /// </summary>
    public static string? ChooseZone(GroupSpec spec, string type, IPlacementService placement, IReadOnlyDictionary<string, int> zoneLoad)
    {
        var estimate = placement.Estimate(Requirements(spec, MarketNames.Spot, [type]), 500);
        var offers = estimate.Recommended is null ? [] : estimate.Alternatives.Prepend(estimate.Recommended);
        return offers.Select(o => o.Zone).Distinct(StringComparer.OrdinalIgnoreCase)
            .Select((zone, rank) => (Zone: zone, Rank: rank))
            .OrderBy(z => zoneLoad.GetValueOrDefault(z.Zone)).ThenBy(z => z.Rank)
            .Select(z => z.Zone).FirstOrDefault();
    }
}
