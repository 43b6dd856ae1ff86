namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// The Can't Be Late policy (NSDI'24, "uniform progress") for deadline jobs, without foresight. The uniform line is
/// work × elapsed / deadline (the deadline, or the end of the grid when there is none or it lies beyond; nothing runs
/// past the grid); ahead of it is progress − line.
/// <list type="number">
/// <item><b>Safety net.</b> Slack is time left − work left − one restart overhead: what remains if the job had to start
/// afresh on on-demand now. When waiting or running spot for one more step could bring that slack below
/// <see cref="UniformProgressOptions.SafetyMarginHours"/> (slack &lt; step + margin), the job goes to on-demand and stays
/// there until done. A step loses at most one step of slack, so the job then finishes by the deadline whenever
/// on-demand from the start would have. The one exception: a spot that is running and would keep its slack through the
/// step (its boot is done) keeps running, since if it is taken back the job can still start on-demand in time.</item>
/// <item><b>On spot</b> and it is still up: keep running (spot progresses as fast as on-demand).</item>
/// <item><b>On on-demand</b>: stay until ahead of the line by the hysteresis buffer
/// (<see cref="UniformProgressOptions.BufferOverheads"/> restart overheads, at least one step); then move to the
/// cheapest up spot, or wait if none is up.</item>
/// <item><b>Not running</b> (waiting, or just interrupted): start the cheapest up spot; if none is up, start the
/// cheapest on-demand when behind the line, else wait.</item>
/// </list>
/// For a service (no work): the current spot while it is up, else the cheapest up spot, else stay on (or start the
/// cheapest) on-demand. The policy keeps no state between steps; it reads everything from the <see cref="StepView"/>.
/// </summary>
public sealed class UniformProgressPolicy : IStepPolicy
{
    private readonly UniformProgressOptions options;

    public UniformProgressPolicy(UniformProgressOptions? options = null)
    {
        this.options = options ?? UniformProgressOptions.Default;
        var problems = this.options.Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(options));
    }

    public string Name => "uniform-progress";

    public int Decide(in StepView view)
    {
        var problem = view.Problem;
        int current = view.Current;
        bool onSpot = current >= 0 && problem.Options[current].Spot && view.IsUp(current);
        bool onOnDemand = current >= 0 && !problem.Options[current].Spot && view.IsUp(current);
        int spot = onSpot ? current : CheapestUp(view, spot: true);
        int onDemand = onOnDemand ? current : CheapestUp(view, spot: false);

        if (problem.IsService) return spot >= 0 ? spot : onDemand;

        double step = problem.StepHours, overhead = problem.RestartOverheadHours;
        double work = problem.WorkHours!.Value;
        double deadline = Math.Min(problem.DeadlineHours ?? double.PositiveInfinity, problem.Steps * step); // nothing runs past the grid
        double left = work - view.ProgressHours;
        double slack = deadline - view.ElapsedHours - left - overhead;
        if (slack < step + options.SafetyMarginHours)
        {
            // A spot that keeps working loses no slack this step, and if it is taken back on-demand still fits after it.
            if (onSpot && slack - Math.Min(view.OverheadLeftHours, step) >= options.SafetyMarginHours) return current;
            return onDemand >= 0 ? onDemand : spot;
        }

        if (onSpot) return current;
        double ahead = view.ProgressHours - work * view.ElapsedHours / deadline;
        if (onOnDemand)
        {
            double buffer = Math.Max(options.BufferOverheads * overhead, step);
            return ahead >= buffer ? spot : current;
        }

        if (spot >= 0) return spot;
        return ahead < 0 ? onDemand : -1;
    }

    /// <summary>The cheapest option of the kind that is up now, or -1.</summary>
    private static int CheapestUp(in StepView view, bool spot)
    {
        int best = -1;
        for (int i = 0; i < view.Problem.Options.Count; i++)
        {
            if (view.Problem.Options[i].Spot != spot || !view.IsUp(i)) continue;
            if (best < 0 || view.PriceOf(i) < view.PriceOf(best)) best = i;
        }

        return best;
    }
}
