using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Backtest.Replay;
using Arbitrage.Orleans.Backtest.Workloads;

namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>What a policy is made for: one workload's problem, its shape, and the market behind each option.</summary>
public sealed record PolicyContext(PlanningProblem Problem, WorkloadShape Shape, IReadOnlyList<RunMarket> Markets);

/// <summary>
/// The offline optimum's seam: a plan (an option or -1 per step) for a problem, computed with perfect foresight, or
/// null when there is none. The plan is replayed through <see cref="StepSimulator"/> like every policy.
/// </summary>
public interface IOfflinePlanner
{
    int[]? Plan(PlanningProblem problem);
}

/// <summary>An <see cref="IOfflinePlanner"/> from a function (e.g. <c>p => OptimalPlanner.Solve(p).Plan</c>).</summary>
public sealed class DelegatePlanner(Func<PlanningProblem, int[]?> plan) : IOfflinePlanner
{
    public int[]? Plan(PlanningProblem problem) => plan(problem);
}

/// <summary>
/// The policies the command knows, by name, each made fresh for every workload (policies keep what they have seen),
/// and the offline optimum when one is plugged in.
/// </summary>
public sealed class PolicyRegistry
{
    public const string OptimalName = "optimal";

    private readonly List<(string Name, Func<PolicyContext, IStepPolicy> Create)> _policies = [];

    public IReadOnlyList<string> Names => _policies.Select(p => p.Name).ToList();

    /// <summary>The offline optimum ("optimal"), or null when none is plugged in (the report's ratio_to_optimum is then null).</summary>
    public IOfflinePlanner? Optimum { get; set; }

    public PolicyRegistry Add(string name, Func<PolicyContext, IStepPolicy> create)
    {
        if (_policies.Any(p => p.Name == name) || name == OptimalName) throw new ArgumentException($"A policy named '{name}' is already registered.", nameof(name));
        _policies.Add((name, create));
        return this;
    }

    public bool Contains(string name) => _policies.Any(p => p.Name == name) || (name == OptimalName && Optimum is not null);

    public IStepPolicy Create(string name, PolicyContext context) => _policies.First(p => p.Name == name).Create(context);

    public const string UniformProgressName = "uniform-progress";

    /// <summary>
    /// on-demand, cheapest-spot, product and uniform-progress (Can't Be Late), with the exact offline optimum
    /// (<see cref="ExactOptimum"/>) as <c>optimal</c>.
    /// </summary>
    public static PolicyRegistry CreateDefault(ProductPolicyOptions? product = null, UniformProgressOptions? uniformProgress = null)
    {
        var options = product ?? new ProductPolicyOptions();
        var registry = new PolicyRegistry()
            .Add(OnDemandPolicy.PolicyName, _ => new OnDemandPolicy())
            .Add(CheapestSpotPolicy.PolicyName, _ => new CheapestSpotPolicy())
            .Add(ProductPolicy.PolicyName, c => new ProductPolicy(c, options))
            .Add(UniformProgressName, _ => new UniformProgressPolicy(uniformProgress ?? UniformProgressOptions.Default));
        registry.Optimum = new ExactOptimum();
        return registry;
    }
}
