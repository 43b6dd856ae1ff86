namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// The optimum for a service (see <see cref="OptimalPlanner"/>): it runs at every step at which an option is up, on one
/// of the cheapest up options (booting and running cost the same per hour, so this is the least cost), choosing among
/// equally cheap options by backward dynamic programming over (option running, overhead left) for the least downtime.
/// </summary>
internal static class ServiceOptimum
{
    private const double TieTolerance = 1e-12;

    public static OptimalPlan Solve(PlanningProblem problem)
    {
        var q = ProgressQuantum.For(problem.StepHours, problem.RestartOverheadHours);
        int sQ = q.StepQuanta, ovQ = q.OverheadQuanta, k = problem.Options.Count, steps = problem.Steps;
        int m = ovQ > sQ ? (ovQ + sQ - 1) / sQ : 1;
        int states = 1 + k * m;

        // Downtime in quanta from the start of step t on, per state; the pick per (t, state).
        var next = new long[states];
        var current = new long[states];
        var picks = new int[steps, states];
        var cheapest = new bool[k];
        for (int t = steps - 1; t >= 0; t--)
        {
            bool any = MarkCheapest(problem, t, cheapest);
            for (int s = 0; s < states; s++)
            {
                int running = s == 0 ? -1 : (s - 1) / m;
                if (running >= 0 && !problem.Options[running].IsUp(t)) running = -1; // interrupted
                if (!any)
                {
                    current[s] = sQ + next[0];
                    picks[t, s] = -1;
                    continue;
                }

                long best = long.MaxValue;
                int bestPick = -1;
                for (int d = 0; d < k; d++)
                {
                    if (!cheapest[d]) continue;
                    int overheadLeft = d == running ? OverheadLeft((s - 1) % m, ovQ, sQ) : ovQ;
                    var (boot, nextM) = Boot(overheadLeft, ovQ, sQ);
                    long v = boot + next[1 + d * m + nextM];
                    if (v < best || v == best && d == running)
                    {
                        best = v;
                        bestPick = d;
                    }
                }

                current[s] = best;
                picks[t, s] = bestPick;
            }

            (next, current) = (current, next);
        }

        var plan = new int[steps];
        double cost = 0;
        long downtime = 0;
        int state = 0;
        for (int t = 0; t < steps; t++)
        {
            int pick = picks[t, state];
            plan[t] = pick;
            if (pick < 0)
            {
                downtime += sQ;
                state = 0;
                continue;
            }

            int running = state == 0 ? -1 : (state - 1) / m;
            if (running >= 0 && !problem.Options[running].IsUp(t)) running = -1;
            int overheadLeft = pick == running ? OverheadLeft((state - 1) % m, ovQ, sQ) : ovQ;
            var (boot, nextM) = Boot(overheadLeft, ovQ, sQ);
            downtime += boot;
            cost += problem.Options[pick].PricePerHour[t] * problem.StepHours;
            state = 1 + pick * m + nextM;
        }

        return new OptimalPlan(OptimalPlanStatus.Optimal, plan, cost, null, downtime * q.Hours);
    }

    /// <summary>Marks the up options priced at the step's least up price; false when nothing is up.</summary>
    private static bool MarkCheapest(PlanningProblem problem, int t, bool[] cheapest)
    {
        double least = double.PositiveInfinity;
        for (int d = 0; d < problem.Options.Count; d++)
        {
            if (problem.Options[d].IsUp(t)) least = Math.Min(least, problem.Options[d].PricePerHour[t]);
        }

        for (int d = 0; d < problem.Options.Count; d++)
        {
            cheapest[d] = problem.Options[d].IsUp(t) && problem.Options[d].PricePerHour[t] <= least + TieTolerance * Math.Abs(least);
        }

        return !double.IsPositiveInfinity(least);
    }

    private static int OverheadLeft(int m, int overheadQuanta, int stepQuanta) => m == 0 ? 0 : overheadQuanta - m * stepQuanta;

    private static (int Boot, int NextM) Boot(int overheadLeft, int overheadQuanta, int stepQuanta)
    {
        int boot = Math.Min(overheadLeft, stepQuanta);
        return overheadLeft - boot <= 0 ? (boot, 0) : (boot, (overheadQuanta - (overheadLeft - boot)) / stepQuanta);
    }
}
