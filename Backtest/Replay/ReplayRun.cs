using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>
/// One market a replay may place on: a spot offer in a zone (or region, for clouds whose history is per region) or
/// an on-demand offer in a region; its shape from the catalog; its prices from a history file (or, when none covers
/// it, the catalog's price, constant); its capacity from a trace when one covers it (else always up).
/// </summary>
public sealed record RunMarket(
    CloudKind Cloud, string Region, string? Zone, string InstanceType, bool Spot, InstanceTypeOffer Shape,
    MarketHistory? History, double ConstantPrice, AvailabilityTrace? Trace)
{
    public string Name => $"{Cloud.ToString().ToLowerInvariant()}:{Zone ?? Region}:{InstanceType}:{(Spot ? "spot" : "on-demand")}";

    public string? GpuType => Shape.GpuType is { } g ? Grains.Market.GpuNames.Normalize(g) : null;
}

/// <summary>
/// One replay: a span of history (a price file's, or a trace folder's) with the markets it prices, on which every
/// workload of the mix is placed by every policy. <see cref="PriceSource"/> and <see cref="AvailabilitySource"/> say
/// where prices and capacity come from, for the report.
/// </summary>
public sealed record ReplayRun(
    string Name, string Kind, DateTimeOffset Start, DateTimeOffset End, double StepHours, IReadOnlyList<RunMarket> Markets,
    string PriceSource, string AvailabilitySource)
{
    public double Hours => (End - Start).TotalHours;
}
