namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// One market a job may run on during a replay: a spot or on-demand offer (provider, region, zone, instance type),
/// its price per hour at each step of the grid, and whether capacity is up at each step (null: always up, as
/// on-demand). A spot offer that is down at a step cannot run there; running on it when it goes down is an interruption.
/// </summary>
public sealed record MarketOption(
    string Name, bool Spot, string Provider, string Region, string? Zone, string InstanceType,
    double[] PricePerHour, bool[]? Up = null)
{
    public bool IsUp(int step) => Up is null || Up[step];
}

/// <summary>
/// One workload on one time grid: <see cref="Steps"/> steps of <see cref="StepHours"/> from <see cref="Start"/>, the
/// options it may run on (every array has <see cref="Steps"/> entries), the work it needs (null: a service, which
/// must run at every step until the end of the grid), its deadline in hours from the start (null: none), and the
/// hours every (re)start costs before work progresses again (boot plus restart overhead; paid for, no progress).
/// </summary>
public sealed record PlanningProblem(
    DateTimeOffset Start, double StepHours, int Steps, IReadOnlyList<MarketOption> Options,
    double? WorkHours, double? DeadlineHours, double RestartOverheadHours)
{
    public bool IsService => WorkHours is null;
}

/// <summary>What a policy sees at the start of a step: where the job runs, how far it is, and what is up now.</summary>
public readonly record struct StepView(
    PlanningProblem Problem, int Step, int Current, double ProgressHours, double OverheadLeftHours)
{
    /// <summary>Hours from the start of the grid to the start of this step.</summary>
    public double ElapsedHours => Step * Problem.StepHours;

    /// <summary>Whether <paramref name="option"/> has capacity now (what a launch attempt would tell).</summary>
    public bool IsUp(int option) => Problem.Options[option].IsUp(Step);

    /// <summary>The price of <paramref name="option"/> now (prices are public: no foresight needed).</summary>
    public double PriceOf(int option) => Problem.Options[option].PricePerHour[Step];
}

/// <summary>A policy decides, step by step and without foresight, which option the job runs on (-1: none).</summary>
public interface IStepPolicy
{
    string Name { get; }

    int Decide(in StepView view);
}

/// <summary>What running a job through a policy cost and gave (see <see cref="StepSimulator"/>).</summary>
public sealed record PlanOutcome(
    double TotalCost, double? FinishedAtHours, bool DeadlineMet, int Interruptions, int Moves, int Starts,
    double OverheadHours, double DowntimeHours, int[] Chosen, double[] ProgressAfterStep);

/// <summary>
/// The one set of rules every policy (and the optimum) is measured by, on a step grid:
/// <list type="bullet">
/// <item>At each step the policy picks an option or -1. A pick of an option that is down at that step is a failed
/// launch: the option running before (if any, and still up) keeps running, else nothing runs.</item>
/// <item>Running on a spot option at step t−1 that is down at step t is an interruption: the job stops there.</item>
/// <item>Running on an option that differs from what ran at t−1 (or after nothing ran) is a start: its first
/// <see cref="PlanningProblem.RestartOverheadHours"/> of running are paid and give no progress (carried over
/// steps when longer than one). A switch while the previous option was still up is a move.</item>
/// <item>Cost is the option's price at the step times the hours run in it; a job that completes mid-step pays only
/// the hours it used. A finished job runs nothing more.</item>
/// <item>A job's deadline is met when it finishes at or before <see cref="PlanningProblem.DeadlineHours"/> (or by
/// the end of the grid when there is none). A service counts as down at every hour it is not running past its overhead.</item>
/// </list>
/// </summary>
public static class StepSimulator
{
    private const double Epsilon = 1e-9;

    public static PlanOutcome Run(PlanningProblem problem, IStepPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(policy);
        double step = problem.StepHours, overhead = problem.RestartOverheadHours;
        double progress = 0, cost = 0, overheadLeft = 0, overheadPaid = 0, downtime = 0;
        double? finishedAt = null;
        int current = -1, interruptions = 0, moves = 0, starts = 0;
        var chosen = new int[problem.Steps];
        var progressAfter = new double[problem.Steps];
        for (int t = 0; t < problem.Steps; t++)
        {
            if (current >= 0 && !problem.Options[current].IsUp(t))
            {
                interruptions++;
                current = -1;
            }

            int pick = finishedAt is null ? policy.Decide(new StepView(problem, t, current, progress, current >= 0 ? overheadLeft : 0)) : -1;
            if (pick < -1 || pick >= problem.Options.Count) throw new InvalidOperationException($"Policy '{policy.Name}' picked option {pick} at step {t}; there are {problem.Options.Count}.");
            // A launch on a market with no capacity fails; what was running keeps running (the silo launches the
            // replacement before it ends the old instance).
            if (pick >= 0 && !problem.Options[pick].IsUp(t)) pick = current;
            if (pick != current && pick >= 0)
            {
                if (current >= 0) moves++;
                starts++;
                overheadLeft = overhead;
            }

            current = pick;
            chosen[t] = pick;
            if (pick < 0)
            {
                if (problem.IsService) downtime += step;
                progressAfter[t] = progress;
                continue;
            }

            double booting = Math.Min(overheadLeft, step);
            double working = step - booting;
            double used = step;
            if (!problem.IsService && progress + working >= problem.WorkHours!.Value - Epsilon)
            {
                working = problem.WorkHours.Value - progress;
                used = booting + working;
                finishedAt = t * step + used;
            }

            // Rounded so float residue (0.2 − 0.1 − 0.1) never leaves a sliver of overhead for the next step.
            overheadLeft = overheadLeft - booting < Epsilon ? 0 : overheadLeft - booting;
            overheadPaid += booting;
            if (problem.IsService) downtime += booting;
            progress += working;
            cost += problem.Options[pick].PricePerHour[t] * used;
            progressAfter[t] = progress;
            if (finishedAt is not null) current = -1;
        }

        bool met = problem.IsService || (finishedAt is { } f && f <= (problem.DeadlineHours ?? problem.Steps * step) + Epsilon);
        return new PlanOutcome(cost, finishedAt, met, interruptions, moves, starts, overheadPaid, downtime, chosen, progressAfter);
    }
}

/// <summary>Replays a fixed plan (e.g. the optimum's), so its cost is measured by the same rules as every policy.</summary>
public sealed class FixedPlanPolicy(string name, IReadOnlyList<int> plan) : IStepPolicy
{
    public string Name => name;

    public int Decide(in StepView view) => view.Step < plan.Count ? plan[view.Step] : -1;
}
