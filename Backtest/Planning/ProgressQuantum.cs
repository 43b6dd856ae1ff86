namespace Arbitrage.Orleans.Backtest.Planning;

/// <summary>
/// The exact unit of progress on a step grid: the greatest common divisor of the step and the restart overhead. Under
/// the <see cref="StepSimulator"/> rules a step either boots (overhead left, capped at a step) or works, so every
/// progress a job can reach before its finishing step is a whole number of quanta; the optimum can then count progress
/// in integers and lose nothing. The step and overhead must be whole seconds, milliseconds or microseconds.
/// </summary>
internal readonly record struct ProgressQuantum(double Hours, int StepQuanta, int OverheadQuanta)
{
    private static readonly long[] TicksPerHour = [3_600, 3_600_000, 3_600_000_000];

    public static ProgressQuantum For(double stepHours, double overheadHours)
    {
        if (!(stepHours > 0) || double.IsInfinity(stepHours)) throw new ArgumentOutOfRangeException(nameof(stepHours), stepHours, "The step must be a positive number of hours.");
        if (!(overheadHours >= 0) || double.IsInfinity(overheadHours)) throw new ArgumentOutOfRangeException(nameof(overheadHours), overheadHours, "The restart overhead must be zero or a positive number of hours.");
        foreach (var perHour in TicksPerHour)
        {
            if (!TryTicks(stepHours, perHour, out long step) || !TryTicks(overheadHours, perHour, out long overhead)) continue;
            long quantum = overhead == 0 ? step : Gcd(step, overhead);
            long stepQuanta = step / quantum, overheadQuanta = overhead / quantum;
            if (stepQuanta > int.MaxValue || overheadQuanta > int.MaxValue) break;
            return new ProgressQuantum(stepHours / stepQuanta, (int)stepQuanta, (int)overheadQuanta);
        }

        throw new ArgumentException(
            $"The step ({stepHours} h) and restart overhead ({overheadHours} h) must be whole microseconds with a common divisor the optimum can count in.",
            nameof(stepHours));
    }

    private static bool TryTicks(double hours, long perHour, out long ticks)
    {
        double exact = hours * perHour;
        ticks = (long)Math.Round(exact);
        return exact < long.MaxValue / 4 && Math.Abs(exact - ticks) <= 1e-6 * Math.Max(1, exact) && (ticks > 0 || hours == 0);
    }

    private static long Gcd(long a, long b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
