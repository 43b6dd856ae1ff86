namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// The interruption hazard and availability score of Azure and GCP offers, which publish no interruption data. GPU
/// types: the real spot traces' preemptions per hour up (V100 traces), and the availability traces' up-fraction.
/// Other types: the AWS Spot Advisor's mean monthly rate over every market it rates (the only broad published
/// measure; the r5 preemption traces come from a period of heavy contention and would make every CPU spot instance
/// live two hours), and <see cref="NonGpuAvailabilityScore"/>.
/// </summary>
internal sealed class TraceMarketFigures(SpotTraces traces, double nonGpuMonthlyRate)
{
    private readonly double _nonGpuHazard = -Math.Log(1 - Math.Clamp(nonGpuMonthlyRate, 0, 0.999)) / 720;

    /// <summary>CPU capacity is rarely short: the score of non-GPU types.</summary>
    public const double NonGpuAvailabilityScore = 0.9;

    public double HourlyHazard(bool gpu) => gpu ? traces.GpuHourlyHazard : _nonGpuHazard;

    public double AvailabilityScore(bool gpu) => gpu ? traces.GpuUpFraction : NonGpuAvailabilityScore;
}
