using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>Every plan of a small problem run through the StepSimulator: the answer the optimum must equal.</summary>
internal static class BruteForce
{
    /// <summary>The cheapest outcome meeting the deadline, and the cheapest finishing at all (null when none).</summary>
    public static (PlanOutcome? Met, PlanOutcome? Finished) CheapestJobPlans(PlanningProblem problem)
    {
        PlanOutcome? met = null, finished = null;
        foreach (var plan in Plans(problem, _ => false))
        {
            var outcome = StepSimulator.Run(problem, new FixedPlanPolicy("brute-force", plan));
            if (outcome.FinishedAtHours is null) continue;
            if (finished is null || outcome.TotalCost < finished.TotalCost) finished = outcome;
            if (outcome.DeadlineMet && (met is null || outcome.TotalCost < met.TotalCost)) met = outcome;
        }

        return (met, finished);
    }

    /// <summary>The least cost, then least downtime, over plans that run some up option at every step where one is up.</summary>
    public static PlanOutcome BestServicePlan(PlanningProblem problem)
    {
        PlanOutcome? best = null;
        foreach (var plan in Plans(problem, t => problem.Options.Any(o => o.IsUp(t))))
        {
            var outcome = StepSimulator.Run(problem, new FixedPlanPolicy("brute-force", plan));
            if (best is null || outcome.TotalCost < best.TotalCost - 1e-9
                || Math.Abs(outcome.TotalCost - best.TotalCost) <= 1e-9 && outcome.DowntimeHours < best.DowntimeHours - 1e-9)
            {
                best = outcome;
            }
        }

        return best!;
    }

    /// <summary>Every sequence of picks; at steps where <paramref name="mustRun"/> holds, only up options, else also none.</summary>
    private static IEnumerable<int[]> Plans(PlanningProblem problem, Func<int, bool> mustRun)
    {
        var choices = Enumerable.Range(0, problem.Steps)
            .Select(t => (mustRun(t) ? Enumerable.Empty<int>() : [-1])
                .Concat(Enumerable.Range(0, problem.Options.Count).Where(o => problem.Options[o].IsUp(t))).ToArray())
            .ToArray();
        var plan = new int[problem.Steps];
        var index = new int[problem.Steps];
        if (choices.Any(c => c.Length == 0)) throw new InvalidOperationException("A step has no choice.");
        while (true)
        {
            for (int t = 0; t < plan.Length; t++) plan[t] = choices[t][index[t]];
            yield return plan;
            int i = plan.Length - 1;
            while (i >= 0 && ++index[i] == choices[i].Length) index[i--] = 0;
            if (i < 0) yield break;
        }
    }
}
