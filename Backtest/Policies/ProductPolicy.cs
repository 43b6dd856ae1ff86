using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>How the product policy is replayed (defaults: the silo's own rules and settings).</summary>
public sealed record ProductPolicyOptions
{
    /// <summary>The silo's placement scoring (restart cost, availability penalty): its defaults unless told.</summary>
    public PlacementOptions Placement { get; init; } = new();

    /// <summary>How many ranked offers a placement tries before waiting (the silo's Workloads:LaunchCandidates).</summary>
    public int LaunchCandidates { get; init; } = 5;

    /// <summary>
    /// The weight, in hours of running, of the catalog's interruption rate in the hazard the policy learns: hazard =
    /// (prior hazard × PriorHours + interruptions seen) / (PriorHours + hours run on the option).
    /// </summary>
    public double PriorHours { get; init; } = 168;

    /// <summary>
    /// The deadline guard: a deadline job moves to on-demand (and stays) when the time left is no more than the work
    /// left, one restart and this many steps. The silo has no deadlines yet; this is the rule it needs to miss none.
    /// </summary>
    public int GuardSteps { get; init; } = 2;

    public bool DeadlineGuard { get; init; } = true;

    /// <summary>
    /// Not a silo rule (off by default): when a ranked candidate refuses for capacity, rank again without it before
    /// trying the next, so markets beyond the first <see cref="LaunchCandidates"/> are tried when those all refuse.
    /// </summary>
    public bool RetryWithoutRefusals { get; init; }

    /// <summary>
    /// The silo's rebalancing rule (Workloads:Rebalance, the same defaults): a placement up MinUptime is checked every
    /// CheckInterval and moves to another ranked offer whose expected cost is at least MinSaving lower. Not while the
    /// deadline guard holds a job on on-demand.
    /// </summary>
    public RebalanceOptions Rebalance { get; init; } = new();
}

/// <summary>
/// The product's placement as the silo runs it (WorkloadGrain.Placement): at launch, and again whenever the instance
/// is interrupted, rank every acceptable offer with the real <see cref="PlacementEngine"/> over an
/// <see cref="OfferBook"/> of the workload's options at the current prices, and launch on the first of the top
/// <see cref="ProductPolicyOptions.LaunchCandidates"/> that has capacity (else wait and try again next step). The
/// interruption hazard in the book is learned from what this workload has seen (interruptions per hour run, per
/// option, with the catalog's rate as the prior): no foresight. A running placement is moved to a cheaper offer by the
/// silo's own <see cref="RebalanceRule"/> (checked every CheckInterval once it has been up MinUptime, on the same
/// expected-cost figure the ranking uses). For deadline jobs it adds the deadline guard (<see cref="ProductPolicyOptions.DeadlineGuard"/>).
/// </summary>
public sealed class ProductPolicy : IStepPolicy
{
    public const string PolicyName = "product";

    private readonly PolicyContext _context;
    private readonly ProductPolicyOptions _options;
    private readonly double[] _hoursRun;
    private readonly int[] _interruptions;
    private readonly double[] _priorHazard;
    private readonly Dictionary<(string Region, string Zone, string Type, bool Spot), int> _optionOf = [];
    private readonly PlacementRequirements _requirements;
    private int _running = -1;
    private bool _guarded;
    private int _placedAtStep = -1;
    private int _lastCheckStep = -1;

    public ProductPolicy(PolicyContext context, ProductPolicyOptions options)
    {
        _context = context;
        _options = options;
        int n = context.Problem.Options.Count;
        _hoursRun = new double[n];
        _interruptions = new int[n];
        _priorHazard = new double[n];
        for (int i = 0; i < n; i++)
        {
            var market = context.Markets[i];
            _priorHazard[i] = market.Spot ? Hazard(market.Shape.InterruptionRate) : 0;
            _optionOf[(market.Region, ZoneKey(i), market.InstanceType, market.Spot)] = i;
        }

        var shape = context.Shape;
        _requirements = new PlacementRequirements(shape.Cpu, shape.MemoryGb, Math.Max(shape.GpuCount, shape.Gpu is null ? 0 : 1),
            shape.Gpu is { } gpu ? Replay.ProblemBuilder.NormalizeGpu(gpu) : null, shape.Regions, shape.MaxPrice, shape.MaxInterruptionRate);
    }

    public string Name => PolicyName;

    /// <summary>Decisions that ranked offers (launches and replacements), for tests and the report.</summary>
    public int Rankings { get; private set; }

    /// <summary>Moves to a cheaper offer made by the rebalancing rule.</summary>
    public int Rebalances { get; private set; }

    public int Decide(in StepView view)
    {
        var problem = view.Problem;
        if (_running >= 0)
        {
            // What the last step showed: it ran there, or the cloud took it back.
            if (view.Current == _running) _hoursRun[_running] += problem.StepHours;
            else _interruptions[_running]++;
        }

        int pick = view.Current;
        if (_options.DeadlineGuard && !problem.IsService && problem.DeadlineHours is { } deadline && (_guarded || NeedsGuard(view, deadline)))
        {
            _guarded = true;
            if (pick < 0 || problem.Options[pick].Spot) pick = OnDemandPolicy.Cheapest(view, spot: false, filter: null);
        }
        else if (pick < 0) pick = Place(view);
        else if (Rebalance(view) is var cheaper and >= 0)
        {
            Rebalances++;
            pick = cheaper;
        }

        if (pick != _running || view.Current != _running) _placedAtStep = view.Step;
        _running = pick;
        return pick;
    }

    /// <summary>Whether only on-demand can still meet the deadline: time left ≤ work left + one restart + the guard's steps.</summary>
    private bool NeedsGuard(in StepView view, double deadline)
    {
        var problem = view.Problem;
        double left = deadline - view.ElapsedHours;
        double work = problem.WorkHours!.Value - view.ProgressHours;
        bool onDemandNow = view.Current >= 0 && !problem.Options[view.Current].Spot;
        double restart = onDemandNow ? view.OverheadLeftHours : problem.RestartOverheadHours;
        return left <= work + restart + _options.GuardSteps * problem.StepHours + 1e-9;
    }

    /// <summary>
    /// The silo's rebalancing rule on the step grid: a placement up MinUptime is checked once per CheckInterval; the
    /// first ranked candidate (other market) saving at least MinSaving of the current expected cost that has capacity,
    /// or -1 to stay.
    /// </summary>
    private int Rebalance(in StepView view)
    {
        var rule = _options.Rebalance;
        var problem = view.Problem;
        int current = view.Current;
        var uptime = TimeSpan.FromHours((view.Step - _placedAtStep) * problem.StepHours);
        TimeSpan? sinceCheck = _lastCheckStep < 0 ? null : TimeSpan.FromHours((view.Step - _lastCheckStep) * problem.StepHours);
        if (!RebalanceRule.IsDue(rule, uptime, sinceCheck)) return -1;
        _lastCheckStep = view.Step;

        Rankings++;
        var engine = Engine(view, refused: null);
        var m = _context.Markets[current];
        bool spot = problem.Options[current].Spot;
        string provider = ProviderName(m.Cloud), zone = ZoneKey(current), market = spot ? MarketNames.Spot : MarketNames.OnDemand;
        if (engine.ExpectedCostPerHour(provider, m.Region, zone, m.InstanceType, market) is not { } currentCost) return -1;
        var estimate = engine.Estimate(_requirements, _options.LaunchCandidates);
        if (estimate.Recommended is null) return -1;
        var candidates = estimate.Alternatives.Prepend(estimate.Recommended)
            .Where(o => !(o.Provider == provider && o.Zone == zone && o.InstanceType == m.InstanceType && o.Market == market))
            .Take(_options.LaunchCandidates);
        foreach (var offer in RebalanceRule.Worthwhile(rule, candidates, currentCost, provider, zone, m.InstanceType, market))
        {
            if (_optionOf.TryGetValue((offer.Region, offer.Zone, offer.InstanceType, offer.Market == MarketNames.Spot), out var i) && view.IsUp(i)) return i;
        }

        return -1;
    }

    private int Place(in StepView view)
    {
        var refused = new HashSet<int>();
        for (int round = 0; round < (_options.RetryWithoutRefusals ? view.Problem.Options.Count : 1); round++)
        {
            int pick = Place(view, refused);
            if (pick >= 0) return pick;
            if (pick == -2) break;
        }

        return -1;
    }

    /// <summary>One ranking and launch round: the first candidate with capacity; -1 (noting the refusals), or -2 when nothing is left to rank.</summary>
    private int Place(in StepView view, HashSet<int> refused)
    {
        Rankings++;
        var problem = view.Problem;
        var engine = Engine(view, refused);
        var estimate = engine.Estimate(_requirements, Math.Min(problem.Options.Count, _options.Placement.MaxAlternatives));
        if (estimate.Recommended is null) return -2;
        foreach (var offer in estimate.Alternatives.Prepend(estimate.Recommended).Take(_options.LaunchCandidates))
        {
            if (!_optionOf.TryGetValue((offer.Region, offer.Zone, offer.InstanceType, offer.Market == MarketNames.Spot), out var i)) continue;
            if (view.IsUp(i)) return i;
            refused.Add(i);
            // Rank again without it: a market below the top candidates may now make the list.
            if (_options.RetryWithoutRefusals) return -1;
        }

        return -1;
    }

    /// <summary>The real placement engine over a book of the workload's options (but <paramref name="refused"/>) at this step's prices and learned hazards.</summary>
    private PlacementEngine Engine(in StepView view, HashSet<int>? refused)
    {
        var problem = view.Problem;
        var builder = new OfferBookBuilder();
        var providers = new Dictionary<CloudKind, BookProvider>();
        var offers = new Dictionary<(string Region, string Zone, string Type), (int Spot, int OnDemand)>();
        for (int i = 0; i < problem.Options.Count; i++)
        {
            if (refused?.Contains(i) == true) continue;
            var m = _context.Markets[i];
            var key = (m.Region, ZoneKey(i), m.InstanceType);
            var entry = offers.GetValueOrDefault(key, (-1, -1));
            offers[key] = m.Spot ? (i, entry.Item2) : (entry.Item1, i);
        }

        var time = problem.Start.AddHours(view.ElapsedHours);
        foreach (var ((region, zone, type), (spot, onDemand)) in offers)
        {
            var m = _context.Markets[spot >= 0 ? spot : onDemand];
            if (!providers.TryGetValue(m.Cloud, out var provider)) providers[m.Cloud] = provider = builder.AddProvider(ProviderName(m.Cloud), m.Cloud);
            double monthly = spot >= 0 ? 1 - Math.Exp(-LearnedHazard(spot) * 720) : 0;
            decimal? onDemandPrice = onDemand >= 0 ? (decimal)view.PriceOf(onDemand) : null;
            builder.AddOffers(provider, [new InstanceTypeOffer(type, region, zone, m.Shape.VCpus, m.Shape.MemoryGiB, m.Shape.GpuType, m.Shape.GpuCount,
                onDemandPrice, spot >= 0, monthly, m.Shape.AvailabilityScore)]);
            if (spot >= 0)
            {
                builder.AddSpotPrices(provider, [new SpotPrice(region, zone, type, (decimal)view.PriceOf(spot), time)]);
                builder.SetObservedHazard(provider, region, zone, type, LearnedHazard(spot));
            }
        }

        return new PlacementEngine(new OfferBookHolder { Current = builder.Build() }, Options.Create(_options.Placement));
    }

    private static string ProviderName(CloudKind cloud) => cloud.ToString().ToLowerInvariant();

    /// <summary>
    /// The hazard learned for an option (interruptions per hour), given to the book as observed: the catalog's monthly
    /// rate is capped below 1, which would squash the hazards seen on busy GPU zones.
    /// </summary>
    private double LearnedHazard(int option)
    {
        double prior = _options.PriorHours;
        return (_priorHazard[option] * prior + _interruptions[option]) / (prior + _hoursRun[option]);
    }

    private static double Hazard(double monthlyRate) => -Math.Log(1 - Math.Clamp(monthlyRate, 0, 0.999)) / 720;

    /// <summary>The book's zone of an option: its zone, or its region for offers priced per region.</summary>
    private string ZoneKey(int option) => _context.Markets[option].Zone ?? _context.Markets[option].Region;
}
