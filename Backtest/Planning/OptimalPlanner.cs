namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// The offline optimum with perfect foresight: the plan (an option or none at each step) that a policy knowing the
/// whole trace would choose, computed exactly by dynamic programming under the <see cref="StepSimulator"/> rules. It is
/// a bound for the backtest's policies, not a policy a user runs.
/// <list type="bullet">
/// <item><b>Deadline jobs</b> (<see cref="PlanningProblem.WorkHours"/> set): the least total cost that finishes by
/// <see cref="PlanningProblem.DeadlineHours"/> (or the end of the grid). Restart overhead carries across steps, the
/// finishing step is paid pro rata, an option that is down cannot run and a spot option going down interrupts the job.
/// When no plan meets the deadline, the answer is the cheapest plan that finishes by the end of the grid
/// (<see cref="OptimalPlanStatus.DeadlineInfeasible"/>); when none finishes at all, a plan that runs nothing
/// (<see cref="OptimalPlanStatus.CannotFinish"/>).</item>
/// <item><b>Services</b> (<see cref="PlanningProblem.WorkHours"/> null): the service must run at every step at which any
/// option is up (a step with nothing up is down). Among those plans: the least cost first, then the least downtime
/// (the boot time of every (re)start, which is paid). Since booting and running cost the same per hour, the least cost
/// runs a cheapest up option at every step; the tie-break then avoids needless switches between equally cheap options.</item>
/// </list>
/// <para>
/// Progress is counted exactly in quanta of gcd(step, overhead) (see <see cref="ProgressQuantum"/>). A deadline job's
/// state at the start of a step is (option running or none, overhead left, progress); only progress within the slack
/// can still meet the deadline, so each step holds at most min(work, deadline − work) / quantum + 1 progress values.
/// Time is O(steps × that width × options × ⌈overhead / step⌉), memory two layers of doubles plus one bit per state
/// and step for the plan (for 48 h of work within 70 h on 195 s steps, 12 min overhead and 10 options: 1,292 steps ×
/// 5,281 progress values × 41 states, about 34 MB of decisions).
/// </para>
/// </summary>
public static class OptimalPlanner
{
    /// <summary>The least work a job may have (a few milliseconds; below that a job finishes on its first boot).</summary>
    public const double MinimumWorkHours = 1e-6;

    public static OptimalPlan Solve(PlanningProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (problem.Steps < 0) throw new ArgumentOutOfRangeException(nameof(problem), problem.Steps, "A problem needs zero or more steps.");
        foreach (var option in problem.Options)
        {
            if (option.PricePerHour.Length < problem.Steps || option.Up is { } up && up.Length < problem.Steps)
            {
                throw new ArgumentException($"Option '{option.Name}' has fewer prices or availability samples than the grid's {problem.Steps} steps.", nameof(problem));
            }
        }

        if (problem.IsService) return ServiceOptimum.Solve(problem);
        if (!(problem.WorkHours >= MinimumWorkHours)) throw new ArgumentOutOfRangeException(nameof(problem), problem.WorkHours, $"A job's work must be at least {MinimumWorkHours} hours.");

        double gridEnd = problem.Steps * problem.StepHours;
        double deadline = Math.Min(problem.DeadlineHours ?? gridEnd, gridEnd);
        var pruned = Pruned(problem, problem.Steps);
        if (pruned.Solve(deadline) is { } met) return met with { Status = OptimalPlanStatus.Optimal };
        if (deadline < gridEnd && pruned.Solve(gridEnd) is { } late) return late with { Status = OptimalPlanStatus.DeadlineInfeasible };
        return new OptimalPlan(OptimalPlanStatus.CannotFinish, Enumerable.Repeat(-1, problem.Steps).ToArray(), 0, null, 0);
    }

    /// <summary>The problem without its dominated options (<see cref="DominatedOptions"/>), solved and mapped back to the original options.</summary>
    private static PrunedProblem Pruned(PlanningProblem problem, int steps)
    {
        var kept = DominatedOptions.Kept(problem, steps);
        return new PrunedProblem(kept.Count == problem.Options.Count ? problem : problem with { Options = kept.Select(i => problem.Options[i]).ToList() }, kept);
    }

    private readonly record struct PrunedProblem(PlanningProblem Problem, IReadOnlyList<int> Kept)
    {
        public OptimalPlan? Solve(double deadline)
        {
            if (DeadlineJobOptimum.Solve(Problem, deadline) is not { } plan) return null;
            var kept = Kept;
            return plan with { Plan = Array.ConvertAll(plan.Plan, o => o < 0 ? o : kept[o]) };
        }
    }
}
