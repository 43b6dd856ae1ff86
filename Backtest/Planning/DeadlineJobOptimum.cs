namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// The exact least-cost plan for a deadline job, by backward dynamic programming over steps (see
/// <see cref="OptimalPlanner"/> for the rules and bounds).
/// <para>
/// State at the start of step t: s = 0 (nothing running) or s = 1 + option × M + m (running on the option with overhead
/// left r(m): 0 for m = 0, overhead − m × step for m ≥ 1, M = ⌈overhead / step⌉), and the progress lost so far
/// L = t × step − progress, in quanta. Only L in [0, deadline − work] can still meet the deadline, which bounds each
/// layer. A running option that is down at t is the nothing-running state (the interruption). From a running state the
/// choices are: keep running, or whatever nothing-running would do — restarting the same option is never better than
/// keeping it (more overhead, same place), so one bit per running state records the choice, and one byte per L the
/// nothing-running choice (wait, or the option to start).
/// </para>
/// </summary>
internal static partial class DeadlineJobOptimum
{
    private const double Epsilon = 1e-9; // the StepSimulator's
    private const byte Wait = byte.MaxValue;
    private const long MaxDecisionBits = 1L << 33; // 1 GiB of keep bits: 48 h within 70 h on the 32 s preemption traces needs 0.7 GiB
    private const double KeepFactor = 1 + 1e-12;

    /// <summary>The cheapest plan finishing by <paramref name="deadline"/>, or null when none does.</summary>
    public static OptimalPlan? Solve(PlanningProblem problem, double deadline)
    {
        var grid = Grid.For(problem, deadline);
        if (grid is null) return null;
        var g = grid.Value;
        var decisions = new Decisions(g);
        var next = new double[g.States * g.Width];
        var current = new double[g.States * g.Width];
        var values = new double[g.Width];
        Array.Fill(next, double.PositiveInfinity);
        for (int t = g.Steps - 1; t >= 0; t--)
        {
            Layer(problem, g, t, next, current, values, decisions);
            (next, current) = (current, next);
        }

        double cost = next[0]; // the layer of step 0, nothing running, nothing lost
        return double.IsPositiveInfinity(cost) ? null : Replay(problem, g, decisions, cost);
    }

    private static void Layer(PlanningProblem problem, in Grid g, int t, double[] next, double[] current, double[] values, Decisions decisions)
    {
        long lo = g.Low(t), hi = g.High(t);
        Array.Fill(current, double.PositiveInfinity);
        if (lo > hi) return;
        int n = (int)(hi - lo + 1), width = g.Width;
        long loNext = g.Low(t + 1), hiNext = g.High(t + 1);
        var waiting = current.AsSpan(0, n);
        var starts = decisions.StartsAt(t)[..n];

        // Nothing running: wait a step...
        long shift = lo + g.StepQuanta - loNext;
        int waitEnd = (int)Math.Clamp(hiNext - lo - g.StepQuanta + 1, 0, n);
        if (waitEnd > 0) next.AsSpan((int)shift, waitEnd).CopyTo(waiting);
        starts.Fill(Wait);

        // ...or start an option that is up.
        var (startBoot, startNextM) = g.Boot(g.OverheadQuanta);
        var run = values.AsSpan(0, n);
        for (int d = 0; d < problem.Options.Count; d++)
        {
            var option = problem.Options[d];
            if (!option.IsUp(t)) continue;
            g.RunValues(run, next.AsSpan((1 + d * g.M + startNextM) * width, width), option.PricePerHour[t], t, lo, startBoot, loNext, hiNext);
            MergeStart(waiting, run, starts, (byte)d);
        }

        // Running: keep running, or do what nothing-running does (the same when the option went down). A job can only
        // be running on an option at step t if that option was up at t − 1; otherwise the state is never reached.
        for (int c = 0; c < problem.Options.Count; c++)
        {
            var option = problem.Options[c];
            if (t == 0 || !option.IsUp(t - 1)) continue;
            bool up = option.IsUp(t);
            for (int m = 0; m < g.M; m++)
            {
                int s = 1 + c * g.M + m;
                var running = current.AsSpan(s * width, n);
                if (!up)
                {
                    waiting.CopyTo(running);
                    continue;
                }

                var (boot, nextM) = g.Boot(g.OverheadLeft(m));
                g.RunValues(run, next.AsSpan((1 + c * g.M + nextM) * width, width), option.PricePerHour[t], t, lo, boot, loNext, hiNext);
                MergeKeep(running, run, waiting, decisions.KeepsAt(t, s - 1));
            }
        }
    }

    private static OptimalPlan Replay(PlanningProblem problem, in Grid g, Decisions decisions, double cost)
    {
        var plan = Enumerable.Repeat(-1, problem.Steps).ToArray();
        int s = 0;
        long lost = 0;
        for (int t = 0; t < g.Steps; t++)
        {
            int i = (int)(lost - g.Low(t));
            if (s != 0 && !problem.Options[(s - 1) / g.M].IsUp(t)) s = 0;
            int pick;
            int boot, nextM;
            int running = s == 0 ? -1 : (s - 1) / g.M;
            if (s != 0 && (decisions.Keep(t, s - 1, i) || decisions.Start(t, i) == running))
            {
                pick = (s - 1) / g.M;
                (boot, nextM) = g.Boot(g.OverheadLeft((s - 1) % g.M));
            }
            else
            {
                byte start = decisions.Start(t, i);
                if (start == Wait)
                {
                    plan[t] = -1;
                    s = 0;
                    lost += g.StepQuanta;
                    continue;
                }

                pick = start;
                (boot, nextM) = g.Boot(g.OverheadQuanta);
            }

            plan[t] = pick;
            long progress = (long)t * g.StepQuanta - lost;
            if (progress + g.StepQuanta - boot >= g.FinishQuanta)
            {
                double finishedAt = t * problem.StepHours + boot * g.QuantumHours + (g.WorkHours - progress * g.QuantumHours);
                return new OptimalPlan(OptimalPlanStatus.Optimal, plan, cost, finishedAt, 0);
            }

            lost += boot;
            s = 1 + pick * g.M + nextM;
        }

        throw new InvalidOperationException("The optimum's plan does not finish; the dynamic programme and its replay disagree.");
    }

    /// <summary>The job's discretised grid: steps that can still meet the deadline, and the progress window of each.</summary>
    private readonly record struct Grid(
        int Steps, int StepQuanta, int OverheadQuanta, int M, int States, int Width, long FinishQuanta, long MaxLost,
        double QuantumHours, double StepHours, double WorkHours, double Deadline)
    {
        public static Grid? For(PlanningProblem problem, double deadline)
        {
            var q = ProgressQuantum.For(problem.StepHours, problem.RestartOverheadHours);
            double work = problem.WorkHours!.Value;
            if (problem.Options.Count >= Wait) throw new ArgumentException($"The optimum handles at most {Wait - 1} options; the problem has {problem.Options.Count}.", nameof(problem));

            // The least progress (in quanta) that finishes the job: the simulator finishes once progress ≥ work − ε.
            long finish = Math.Max(0, (long)Math.Ceiling(work / q.Hours) - 1);
            while (finish * q.Hours < work - Epsilon) finish++;
            while (finish > 0 && (finish - 1) * q.Hours >= work - Epsilon) finish--;

            // Progress lost beyond deadline − work can no longer finish in time (one extra quantum for rounding).
            double slack = deadline - work;
            if (slack < -Epsilon) return null;
            long maxLost = (long)Math.Floor((slack + Epsilon) / q.Hours) + 1;

            int steps = 0;
            while (steps < problem.Steps && steps * problem.StepHours < deadline) steps++;
            if (steps == 0) return null;

            int m = q.OverheadQuanta > q.StepQuanta ? (q.OverheadQuanta + q.StepQuanta - 1) / q.StepQuanta : 1;
            int states = 1 + problem.Options.Count * m;
            long width = (Math.Min(finish - 1, maxLost) + 1 + 63) / 64 * 64; // whole 64-bit words of keep bits per row
            if (width > int.MaxValue / states || (double)width * steps > int.MaxValue || (double)width * steps * (states - 1) > MaxDecisionBits)
            {
                throw new InvalidOperationException(
                    $"The optimum for this problem needs {width} progress values × {steps} steps × {states} states: too large. Use a coarser step or a restart overhead that shares a larger divisor with it.");
            }

            return new Grid(steps, q.StepQuanta, q.OverheadQuanta, m, states, (int)width, finish, maxLost, q.Hours, problem.StepHours, work, deadline);
        }

        /// <summary>The lowest lost-progress value still in the window at step t (progress cannot reach the finish).</summary>
        public long Low(int t) => Math.Max(0, (long)t * StepQuanta - (FinishQuanta - 1));

        /// <summary>The highest lost-progress value in the window at step t (lost at most all elapsed time, and the slack).</summary>
        public long High(int t) => Math.Min((long)t * StepQuanta, MaxLost);

        public int OverheadLeft(int m) => m == 0 ? 0 : OverheadQuanta - m * StepQuanta;

        /// <summary>Booting this step with <paramref name="overheadLeft"/> quanta to go, and the overhead state after it.</summary>
        public (int Boot, int NextM) Boot(int overheadLeft)
        {
            int boot = Math.Min(overheadLeft, StepQuanta);
            if (overheadLeft - boot <= 0) return (boot, 0);
            return (boot, (OverheadQuanta - (overheadLeft - boot)) / StepQuanta);
        }

        /// <summary>
        /// The cost, for every lost-progress value of step t's window, of running one step at <paramref name="price"/>
        /// with the given boot and then doing the best from <paramref name="next"/> (the next step's layer of the state
        /// the run leads to): the prefix with the most progress finishes this step (paid pro rata, if by the deadline).
        /// </summary>
        public void RunValues(Span<double> values, ReadOnlySpan<double> next, double price, int t, long lo, int boot, long loNext, long hiNext)
        {
            int n = values.Length;
            long elapsed = (long)t * StepQuanta;
            int finishEnd = (int)Math.Clamp(elapsed + StepQuanta - boot - FinishQuanta - lo + 1, 0, n);
            double start = t * StepHours, limit = Deadline + Epsilon;
            for (int i = 0; i < finishEnd; i++)
            {
                double used = boot * QuantumHours + (WorkHours - (elapsed - lo - i) * QuantumHours);
                values[i] = start + used <= limit ? price * used : double.PositiveInfinity;
            }

            int runEnd = (int)Math.Clamp(hiNext - lo - boot + 1, finishEnd, n);
            double stepCost = price * StepHours;
            long shift = lo + boot - loNext;
            if (runEnd > finishEnd) AddTo(values[finishEnd..runEnd], next[(int)(finishEnd + shift)..], stepCost);
            values[runEnd..].Fill(double.PositiveInfinity);
        }
    }

    /// <summary>The choices of every state at every step: a start byte per lost-progress value, a keep bit per running state.</summary>
    private sealed class Decisions(Grid g)
    {
        private readonly byte[] starts = new byte[(long)g.Steps * g.Width];
        private readonly ulong[] keeps = new ulong[((long)g.Steps * (g.States - 1) * g.Width + 63) / 64];

        public Span<byte> StartsAt(int t) => starts.AsSpan((int)((long)t * g.Width), g.Width);

        public byte Start(int t, int i) => starts[(long)t * g.Width + i];

        public KeepBits KeepsAt(int t, int runningState) => new(keeps, Bit(t, runningState, 0));

        public bool Keep(int t, int runningState, int i)
        {
            long bit = Bit(t, runningState, i);
            return (keeps[bit >> 6] & (1UL << (int)(bit & 63))) != 0;
        }

        private long Bit(int t, int runningState, int i) => ((long)t * (g.States - 1) + runningState) * g.Width + i;
    }

    /// <summary>The keep bits of one running state at one step (a row starting at a 64-bit boundary).</summary>
    private readonly struct KeepBits(ulong[] bits, long first)
    {
        /// <summary>Sets the keep bits of values i..i+3 (i a multiple of four) from the low four bits of <paramref name="lanes"/>.</summary>
        public void SetFour(int i, uint lanes)
        {
            if (lanes != 0) bits[(first + i) >> 6] |= (ulong)lanes << (i & 63);
        }
    }
}
