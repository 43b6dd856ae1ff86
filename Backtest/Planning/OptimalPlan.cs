namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>What the offline optimum could achieve for a <see cref="PlanningProblem"/>.</summary>
public enum OptimalPlanStatus
{
    /// <summary>The plan is the cheapest that meets the deadline (for a service: the cheapest, then least down).</summary>
    Optimal,

    /// <summary>No plan meets the deadline; the plan is the cheapest that finishes by the end of the grid.</summary>
    DeadlineInfeasible,

    /// <summary>No plan finishes within the grid at all; the plan runs nothing and costs nothing.</summary>
    CannotFinish,
}

/// <summary>
/// The offline optimum's answer: the option to pick at each step (-1: none), what it costs under the
/// <see cref="StepSimulator"/> rules, when the job finishes (hours from the start; null for a service or when it
/// cannot finish) and, for a service, the hours it is down. Replaying <see cref="Plan"/> through
/// <see cref="StepSimulator.Run"/> with a <see cref="FixedPlanPolicy"/> gives the same cost.
/// </summary>
public sealed record OptimalPlan(OptimalPlanStatus Status, int[] Plan, double TotalCost, double? FinishedAtHours, double DowntimeHours)
{
    /// <summary>The plan as a policy, to replay it by the same rules as every other policy.</summary>
    public FixedPlanPolicy AsPolicy(string name = "optimal") => new(name, Plan);
}
