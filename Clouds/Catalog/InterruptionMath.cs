namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Converts between a monthly interruption fraction (the AWS Spot Advisor's measure; a month is 720 hours) and the
/// hourly hazard of an exponential lifetime: fraction = 1 − e^(−720·λ), λ = −ln(1 − fraction) / 720.
/// </summary>
public static class InterruptionMath
{
    public const double HoursPerMonth = 720;

    public static double HourlyHazardOfMonthlyFraction(double fraction) =>
        fraction <= 0 ? 0 : fraction >= 1 ? double.PositiveInfinity : -Math.Log(1 - fraction) / HoursPerMonth;

    public static double MonthlyFractionOfHourlyHazard(double hazard) =>
        hazard <= 0 ? 0 : -double.ExpM1(-hazard * HoursPerMonth);
}
