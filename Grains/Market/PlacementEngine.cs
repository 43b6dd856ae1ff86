using System.Globalization;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Ranks every acceptable offer by the expected cost of an hour of useful work, in one pass over the silo's
/// <see cref="OfferBook"/>: price × (1 + interruptions per hour × restart cost in hours) × (1 + availability penalty
/// × (1 − availability score)). On-demand offers are never interrupted. Each offer a constraint removes is counted
/// against the first constraint it fails, so an empty answer says why.
/// </summary>
public sealed class PlacementEngine(OfferBookHolder book, IOptions<PlacementOptions> options) : IPlacementService
{
    /// <summary>Most answers remembered for the current prices (cleared whenever it fills).</summary>
    public const int CacheCapacity = 4096;

    private readonly PlacementOptions _options = options.Value;

    /// <summary>
    /// Answers by requirements for one offer book at one price version: many workloads of one shape placed between
    /// two price updates cost one scan. An entry is used only while the book and its version are unchanged.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (OfferBook Book, long Version, PlacementEstimate Answer)> _cache = new();

    public IReadOnlyCollection<string> KnownGpuTypes => book.Current.GpuTypes;

    public void Validate(PlacementRequirements requirements) => EstimateQuery.From(requirements, book.Current, 0);

    public PlacementEstimate Estimate(PlacementRequirements requirements, int alternatives = 5)
    {
        var current = book.Current;
        long version = current.Version;
        string key = CacheKey(requirements, alternatives);
        if (_cache.TryGetValue(key, out var cached) && ReferenceEquals(cached.Book, current) && cached.Version == version) return cached.Answer;
        var answer = Scan(current, requirements, alternatives);
        if (_cache.Count >= CacheCapacity) _cache.Clear();
        _cache[key] = (current, version, answer);
        return answer;
    }

    public IReadOnlyList<PlacementOption> CheapestByProvider(PlacementRequirements requirements)
    {
        var current = book.Current;
        var perProvider = new TopOffers[current.Providers.Count];
        for (int p = 0; p < perProvider.Length; p++) perProvider[p] = new TopOffers(1);
        // Every provider of the book asked for is no filter at all (the scan then reads no mask).
        if (requirements.Providers is { } asked && current.Providers.All(p => asked.Contains(p.Name, StringComparer.OrdinalIgnoreCase))) requirements = requirements with { Providers = null };
        if (current.PriceOrder is { } order && _options.RestartCostHours >= 0 && _options.AvailabilityPenalty >= 0 && current.AvailabilityAtMostOne) CheapestInPriceOrder(current, order, requirements, perProvider);
        else Scan(current, requirements, 0, perProvider);
        return perProvider.SelectMany(top => top.Ranked().Take(1))
            .Select(c => Describe(current, c, 0, requirements))
            .OrderBy(o => o.ExpectedCostPerHour)
            .ToList();
    }

    /// <summary>The first constraint of the market's own (its provider, region and shape) that it fails, or -1.</summary>
    private static int FailedConstraint(EstimateQuery query, MarketColumns m, int i) =>
        query.Providers is { } providers && !providers[m.Provider[i]] ? Constraint.Provider
        : query.Regions is { } regions && !regions[m.Region[i]] ? Constraint.Region
        : m.VCpus[i] < query.MinCpu ? Constraint.MinCpu
        : m.MemoryGb[i] < query.MinMemoryGb ? Constraint.MinMemory
        : m.GpuCount[i] < query.GpuCount ? Constraint.GpuCount
        : query.GpuType >= 0 && m.GpuType[i] != query.GpuType ? Constraint.GpuType
        : query.InstanceTypes is { } types && !types.Contains(m.InstanceType[i]) ? Constraint.InstanceType
        : query.Zones is { } zones && !zones.Contains(m.Zone[i]) ? Constraint.Zone
        : -1;

    /// <summary>
    /// Each asked provider's cheapest fitting offer, read in the order of the markets' price bounds (<see cref="PriceOrder"/>):
    /// a provider's search stops at the first market whose bound is at or above its best cost so far (an offer's
    /// expected cost is never below its price). The markets whose price fell below their bound are read first, in full.
    /// </summary>
    private void CheapestInPriceOrder(OfferBook current, PriceOrder order, PlacementRequirements requirements, TopOffers[] perProvider)
    {
        var query = EstimateQuery.From(requirements, current, 0);
        var m = current.Markets;
        double restart = _options.RestartCostHours, penalty = _options.AvailabilityPenalty;
        for (int p = 0; p < perProvider.Length; p++)
        {
            if (query.Providers is { } asked && !asked[p]) continue;
            var top = perProvider[p];
            var markets = order.Of(p);
            foreach (int i in markets.Lowered) Consider(i);
            for (int k = 0; k < markets.Markets.Length && markets.Bounds[k] < top.Bound; k++) Consider(markets.Markets[k]);

            void Consider(int i)
            {
                if (FailedConstraint(query, m, i) >= 0) return;
                long spot = Volatile.Read(ref m.Spot[i]), onDemand = m.OnDemand[i];
                if (spot != OfferBook.NoPrice && query.AllowSpot && spot <= query.MaxPrice && spot < top.Bound && m.InterruptionRate[i] <= query.MaxInterruptionRate)
                {
                    top.Offer(SpotCost(spot, m.HazardPerHour[i], m.Availability[i], restart, penalty), i, isSpot: true, m);
                }

                if (onDemand != OfferBook.NoPrice && query.AllowOnDemand && onDemand <= query.MaxPrice) top.Offer(onDemand, i, isSpot: false, m);
            }
        }
    }

    private static string CacheKey(PlacementRequirements r, int alternatives) => string.Create(CultureInfo.InvariantCulture,
        $"{alternatives}|{r.MinCpu}|{r.MinMemoryGb:R}|{r.GpuCount}|{r.GpuType}|{Join(r.PreferredRegions)}|{r.MaxPricePerHour}|{r.MaxInterruptionRate:R}|{Join(r.Providers)}|{r.AllowSpot}|{r.AllowOnDemand}|{Join(r.InstanceTypes)}|{Join(r.Zones)}");

    private static string Join(IReadOnlyList<string>? values) => values is null ? "-" : string.Join(',', values);

    /// <param name="perProvider">When given, the cheapest offers of each provider (by book index) are kept there instead (the estimate answered is then empty): the full scan behind <see cref="CheapestByProvider"/> when the price order cannot be used.</param>
    private PlacementEstimate Scan(OfferBook current, PlacementRequirements requirements, int alternatives, TopOffers[]? perProvider = null)
    {
        var query = EstimateQuery.From(requirements, current, Math.Clamp(alternatives, 0, _options.MaxAlternatives));
        var best = new TopOffers(query.Alternatives + 1);
        var removed = new int[Constraint.Count];
        var m = current.Markets;
        int considered = 0, accepted = 0;
        double restart = _options.RestartCostHours, penalty = _options.AvailabilityPenalty;

        for (int i = 0; i < m.Count; i++)
        {
            long spot = Volatile.Read(ref m.Spot[i]), onDemand = m.OnDemand[i];
            int offers = (spot != OfferBook.NoPrice ? 1 : 0) + (onDemand != OfferBook.NoPrice ? 1 : 0);
            considered += offers;
            if (offers == 0) continue;

            int failed = FailedConstraint(query, m, i);
            if (failed >= 0)
            {
                removed[failed] += offers;
                continue;
            }

            if (spot != OfferBook.NoPrice)
            {
                if (!query.AllowSpot) removed[Constraint.Market]++;
                else if (spot > query.MaxPrice) removed[Constraint.MaxPrice]++;
                else if (m.InterruptionRate[i] > query.MaxInterruptionRate) removed[Constraint.MaxInterruptionRate]++;
                else
                {
                    accepted++;
                    double cost = SpotCost(spot, m.HazardPerHour[i], m.Availability[i], restart, penalty);
                    (perProvider?[m.Provider[i]] ?? best).Offer(cost, i, isSpot: true, m);
                }
            }

            if (onDemand != OfferBook.NoPrice)
            {
                if (!query.AllowOnDemand) removed[Constraint.Market]++;
                else if (onDemand > query.MaxPrice) removed[Constraint.MaxPrice]++;
                else
                {
                    accepted++;
                    (perProvider?[m.Provider[i]] ?? best).Offer(onDemand, i, isSpot: false, m);
                }
            }
        }

        var ranked = best.Ranked().Select((c, rank) => Describe(current, c, rank, requirements)).ToList();
        var rejections = Enumerable.Range(0, Constraint.Count).Where(c => removed[c] > 0)
            .Select(c => new ConstraintRejection(Constraint.Names[c], removed[c], $"{Constraint.Names[c]} removed {removed[c].ToString("N0", CultureInfo.InvariantCulture)} offers"))
            .OrderByDescending(r => r.Removed)
            .ToList();
        return new PlacementEstimate(ranked.FirstOrDefault(), ranked.Skip(1).ToList(), considered, accepted, rejections);
    }

    public decimal? ExpectedCostPerHour(string provider, string region, string zone, string instanceType, string market)
    {
        var current = book.Current;
        int i = current.Find(provider, region, zone, instanceType);
        if (i < 0) return null;
        var m = current.Markets;
        long units = market == MarketNames.Spot ? Volatile.Read(ref m.Spot[i]) : m.OnDemand[i];
        if (units == OfferBook.NoPrice) return null;
        double cost = market == MarketNames.Spot ? SpotCost(units, m.HazardPerHour[i], m.Availability[i], _options.RestartCostHours, _options.AvailabilityPenalty) : units;
        return Dollars(cost);
    }

    /// <summary>A spot offer's expected cost (in book units): price × (1 + hazard × restart hours) × (1 + penalty × (1 − availability)).</summary>
    private static double SpotCost(long price, double hazardPerHour, double availability, double restartHours, double penalty) =>
        price * (1 + hazardPerHour * restartHours) * (1 + penalty * (1 - availability));

    private static decimal Dollars(double cost) => Math.Round(OfferBook.ToDollars((long)Math.Round(cost)), 6);

    public CurrentPricePage CurrentPrices(CurrentPriceQuery query) => CurrentPriceReader.Read(book.Current, query);

    private PlacementOption Describe(OfferBook current, Candidate c, int rank, PlacementRequirements requirements)
    {
        var m = current.Markets;
        int i = c.Market;
        var provider = current.ProviderOf(i);
        decimal? onDemand = current.OnDemandPrice(i);
        decimal price = (c.IsSpot ? current.SpotPrice(i) : onDemand) ?? 0;
        double savings = onDemand is > 0 ? (double)(1 - price / onDemand.Value) : 0;
        double rate = c.IsSpot ? m.InterruptionRate[i] : 0;
        double availability = c.IsSpot ? m.Availability[i] : 1;
        var expected = Dollars(c.Cost);
        return new PlacementOption(
            provider.Name, provider.CloudName, current.Regions[m.Region[i]], m.Zone[i], m.InstanceType[i],
            c.IsSpot ? MarketNames.Spot : MarketNames.OnDemand,
            m.VCpus[i], Math.Round(m.MemoryGb[i], 2), current.GpuTypeOf(i), m.GpuCount[i],
            price, onDemand, Math.Round(savings, 4), rate, availability, expected,
            Reason(rank, c.IsSpot, price, expected, savings, rate, m.VCpus[i], m.MemoryGb[i], requirements));
    }

    private static string Reason(int rank, bool spot, decimal price, decimal expected, double savings, double rate, int vcpus, float memory, PlacementRequirements r)
    {
        var fit = $"{vcpus} vCPU / {memory:0.#} GiB for {r.MinCpu} vCPU / {r.MinMemoryGb:0.#} GiB asked";
        var what = rank == 0 ? "lowest expected cost" : $"#{rank + 1} by expected cost";
        return spot
            ? $"{what}: spot at ${price:0.####}/h ({savings:P0} below on-demand), {rate:P1} interrupted per month, ${expected:0.####}/h with expected restarts; {fit}"
            : $"{what}: on-demand at ${price:0.####}/h, never interrupted; {fit}";
    }

    /// <summary>The constraints, in the order an offer is checked against them.</summary>
    private static class Constraint
    {
        public const int Provider = 0, Region = 1, MinCpu = 2, MinMemory = 3, GpuCount = 4, GpuType = 5, Market = 6, MaxPrice = 7, MaxInterruptionRate = 8, InstanceType = 9, Zone = 10;
        public const int Count = 11;
        public static readonly string[] Names =
            ["providers", "preferredRegions", "minCPU", "minMemoryGB", "gpuCount", "gpuType", "market", "maxPricePerHour", "maxInterruptionRate", "instanceTypes", "zones"];
    }
}
