namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// Options a deadline job's optimum never needs. Option B dominates option A when, at every step of the job's window,
/// B costs no more than A and B is up whenever A is: any plan running on A runs at no more cost, with no more
/// interruptions and no more restarts, on B instead (every start pays the same overhead, whatever the option). Among
/// options that dominate each other (the same on-demand price in every zone of a region) the first is kept. Removing
/// the dominated options keeps the optimum's cost exact and shrinks its dynamic programme (states and the
/// one-byte option index).
/// </summary>
internal static class DominatedOptions
{
    /// <summary>The indexes of the options no other option dominates over the first <paramref name="steps"/> steps, in order.</summary>
    public static IReadOnlyList<int> Kept(PlanningProblem problem, int steps)
    {
        int n = problem.Options.Count;
        var kept = new List<int>(n);
        for (int a = 0; a < n; a++)
        {
            bool dominated = false;
            for (int b = 0; b < n && !dominated; b++)
            {
                if (b != a && Dominates(problem, b, a, steps, out bool strictly)) dominated = strictly || b < a;
            }

            if (!dominated) kept.Add(a);
        }

        return kept;
    }

    private static bool Dominates(PlanningProblem problem, int b, int a, int steps, out bool strictly)
    {
        strictly = false;
        var ob = problem.Options[b];
        var oa = problem.Options[a];
        for (int t = 0; t < steps; t++)
        {
            bool upA = oa.IsUp(t), upB = ob.IsUp(t);
            if (upA && !upB) return false;
            if (!upA) continue; // A cannot run here: B's price does not matter
            if (ob.PricePerHour[t] > oa.PricePerHour[t]) return false;
            if (ob.PricePerHour[t] < oa.PricePerHour[t]) strictly = true;
        }

        // Up where A is not (and A never cheaper) also makes B strictly better.
        for (int t = 0; t < steps && !strictly; t++) strictly = ob.IsUp(t) && !oa.IsUp(t);
        return true;
    }
}
