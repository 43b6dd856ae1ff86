using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>
/// The exact optimum (<see cref="OptimalPlanner"/>): per-step for services, a dynamic programme over the deadline's
/// window for deadline jobs. A plan that cannot finish the work within the replay, or a problem too large for the
/// programme, is an <see cref="OptimumUnavailableException"/> with the reason.
/// </summary>
public sealed class ExactOptimum : IOfflinePlanner
{
    public int[]? Plan(PlanningProblem problem)
    {
        OptimalPlan plan;
        try
        {
            plan = OptimalPlanner.Solve(problem);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or OutOfMemoryException)
        {
            throw new OptimumUnavailableException($"the optimum could not be computed: {e.Message}", e);
        }

        if (plan.Status == OptimalPlanStatus.CannotFinish) throw new OptimumUnavailableException("no plan finishes the work within the replay, even on-demand from the start");
        return plan.Plan;
    }
}
