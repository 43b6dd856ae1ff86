using System.Globalization;
using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>
/// Turns history into replays: one per price file (its span, at most <c>maxDays</c>, on a grid of five minutes unless
/// told otherwise), and one per trace folder (the traces' span, on a grid of the traces' sample gap). A price replay
/// places on every market of its file (on-demand prices from the file, else from the catalog), with capacity from a
/// trace that overlaps it in time; a trace replay places on the traced spot markets and the on-demand offers of the
/// same types in the same regions, priced by a price file that covers them in time, else by the catalog.
/// </summary>
public static class RunBuilder
{
    public const double DefaultStepMinutes = 5;

    public static IReadOnlyList<ReplayRun> Build(HistoryData data, CatalogIndex catalog, double? stepMinutes, double maxDays, RepairLog repairs)
    {
        var runs = new List<ReplayRun>();
        foreach (var file in data.PriceFiles) runs.Add(FromPrices(file, data, catalog, stepMinutes, maxDays, repairs));
        foreach (var folder in data.Traces.GroupBy(t => t.Folder).OrderBy(g => g.Key, StringComparer.Ordinal)) runs.Add(FromTraces(folder.ToList(), data, catalog, stepMinutes, maxDays, repairs));
        return runs;
    }

    private static ReplayRun FromPrices(PriceHistoryFile file, HistoryData data, CatalogIndex catalog, double? stepMinutes, double maxDays, RepairLog repairs)
    {
        var start = file.Start;
        var end = file.End > start.AddDays(maxDays) ? start.AddDays(maxDays) : file.End;
        var name = Path.GetFileName(file.Path);
        if (file.ZeroPricesRead > 0)
        {
            repairs.Add("zero-price-not-offered", "a price of 0 in a snapshot file is read as 'not offered at that time' (no spot capacity; on-demand carries its last price)", name, file.ZeroPricesRead);
        }

        var markets = new List<RunMarket>();
        var onDemandSeen = new HashSet<(string Region, string Type)>();
        foreach (var history in file.Markets)
        {
            var offer = catalog.Find(history.Cloud, history.Region, history.Zone, history.InstanceType);
            if (offer is null)
            {
                repairs.Add("type-not-in-catalog", "a market whose instance type the bundled catalog does not know (no shape to match requirements) is left out", $"{name}: {history.InstanceType} in {history.Location}");
                continue;
            }

            CheckGaps(history, start, end, name, repairs);
            var trace = data.Traces.FirstOrDefault(t => t.Cloud == history.Cloud && t.InstanceType == history.InstanceType
                && (history.Zone is null ? t.Region == history.Region : t.Zone == history.Zone) && t.Start < end && t.End > start);
            if (trace is not null && (trace.Start > start || trace.End < end)) TraceShort(trace, name, repairs);
            if (history.Spot.Any(double.IsFinite)) markets.Add(new RunMarket(history.Cloud, history.Region, history.Zone, history.InstanceType, true, offer.Offer, history, double.NaN, trace));
            if (onDemandSeen.Add((history.Region, history.InstanceType)))
            {
                bool fromFile = history.OnDemand.Any(double.IsFinite) && history.Zone is null;
                var constant = fromFile ? double.NaN : offer.OnDemandPrice ?? double.NaN;
                if (fromFile || double.IsFinite(constant)) markets.Add(new RunMarket(history.Cloud, history.Region, null, history.InstanceType, false, offer.Offer, fromFile ? history : null, constant, null));
            }
        }

        double step = (stepMinutes ?? DefaultStepMinutes) / 60;
        var traced = markets.Count(m => m.Trace is not null);
        return new ReplayRun(name, "prices", start, end, step, markets,
            file.Format.IsSnapshot ? $"{name} (spot and on-demand)" : $"{name} (spot); on-demand from the catalog",
            traced > 0 ? $"{traced} markets from traces, the others always up" : "no trace covers this history: capacity always up");
    }

    private static ReplayRun FromTraces(List<AvailabilityTrace> traces, HistoryData data, CatalogIndex catalog, double? stepMinutes, double maxDays, RepairLog repairs)
    {
        var start = traces.Min(t => t.Start);
        var end = traces.Max(t => t.End);
        if (end > start.AddDays(maxDays)) end = start.AddDays(maxDays);
        var name = Path.GetFileName(traces[0].Folder);
        var markets = new List<RunMarket>();
        var onDemandSeen = new HashSet<(string Region, string Type)>();
        int fromHistory = 0;
        foreach (var trace in traces.OrderBy(t => t.Zone, StringComparer.Ordinal).ThenBy(t => t.InstanceType, StringComparer.Ordinal))
        {
            var offer = catalog.Find(trace.Cloud, trace.Region, trace.Zone, trace.InstanceType);
            if (offer is null)
            {
                repairs.Add("type-not-in-catalog", "a market whose instance type the bundled catalog does not know (no shape to match requirements) is left out", $"{name}: {trace.InstanceType} in {trace.Zone}");
                continue;
            }

            if (trace.Start > start || trace.End < end) TraceShort(trace, name, repairs);
            var history = data.PriceFiles.Where(f => f.Cloud == trace.Cloud && f.Start < end && f.End > start)
                .SelectMany(f => f.Markets).FirstOrDefault(m => m.InstanceType == trace.InstanceType && (m.Zone ?? m.Region) == (m.Zone is null ? trace.Region : trace.Zone));
            history ??= trace.PriceHistory();
            if (history is not null) fromHistory++;
            var spot = offer.SpotPrice ?? double.NaN;
            if (history is null && !double.IsFinite(spot))
            {
                repairs.Add("trace-without-price", "a traced spot market with no price in the history nor the catalog is left out", $"{name}: {trace.InstanceType} in {trace.Zone}");
                continue;
            }

            markets.Add(new RunMarket(trace.Cloud, trace.Region, trace.Zone, trace.InstanceType, true, offer.Offer, history, spot, trace));
            if (onDemandSeen.Add((trace.Region, trace.InstanceType)) && offer.OnDemandPrice is { } onDemand)
            {
                markets.Add(new RunMarket(trace.Cloud, trace.Region, null, trace.InstanceType, false, offer.Offer, null, onDemand, null));
            }
        }

        double step = (stepMinutes ?? traces.Max(t => t.GapSeconds) / 60.0) / 60;
        return new ReplayRun(name, "traces", start, end, step, markets,
            fromHistory > 0 ? $"{fromHistory} spot markets priced from a price file or the trace's own prices, the others at the catalog's prices (constant); on-demand at the catalog's" : "the catalog's spot and on-demand prices (constant): no price file covers these dates",
            $"{traces.Count} traces in {name} (a market is up at a step only when every sample in the step is up; time outside a trace is down)");
    }

    private static void TraceShort(AvailabilityTrace trace, string run, RepairLog repairs) =>
        repairs.Add("trace-shorter-than-window", "a trace that does not cover the whole replay: capacity outside it is treated as down",
            $"{run}: {Path.GetFileName(trace.Path)} covers {trace.Start:yyyy-MM-dd HH:mm} to {trace.End:yyyy-MM-dd HH:mm}");

    private static void CheckGaps(MarketHistory history, DateTimeOffset start, DateTimeOffset end, string file, RepairLog repairs)
    {
        long threshold = RepairLog.GapThreshold.Ticks, previous = start.UtcTicks, longest = 0;
        foreach (var ticks in history.Ticks)
        {
            if (ticks > end.UtcTicks) break;
            longest = Math.Max(longest, ticks - previous);
            previous = Math.Max(previous, ticks);
        }

        longest = Math.Max(longest, end.UtcTicks - previous);
        if (longest > threshold)
        {
            repairs.Add("price-gap", $"no row for more than {RepairLog.GapThreshold.TotalDays.ToString(CultureInfo.InvariantCulture)} days in a market's series: the last price is carried over the gap (the first price back to the start of the replay)",
                $"{file}: {history.InstanceType} in {history.Location}, {TimeSpan.FromTicks(longest).TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days");
        }
    }
}
