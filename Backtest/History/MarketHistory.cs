using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Backtest.History;

/// <summary>
/// The price history of one market read from a file: change times (UTC ticks, ascending, distinct) and, from each
/// change on, the spot and on-demand prices per hour (NaN: the row gave no such price). <see cref="Location"/> is the
/// zone (AWS change rows, e.g. us-east-1a) or the region (GCP and Azure snapshots).
/// </summary>
public sealed record MarketHistory(
    CloudKind Cloud, string Region, string? Zone, string InstanceType, long[] Ticks, double[] Spot, double[] OnDemand)
{
    public string Location => Zone ?? Region;
}

/// <summary>One price history file: its format, its markets and the span of time it covers.</summary>
public sealed record PriceHistoryFile(
    string Path, PriceFileFormat Format, IReadOnlyList<MarketHistory> Markets, DateTimeOffset Start, DateTimeOffset End, int ZeroPricesRead)
{
    public CloudKind Cloud => Format.Cloud;
}

/// <summary>
/// One availability or preemption trace: whether one spot instance of <see cref="InstanceType"/> was up in
/// <see cref="Zone"/> at each sample, one sample every <see cref="GapSeconds"/> from <see cref="Start"/>, and, when
/// the trace has them, the spot price per hour at each sample (<see cref="Prices"/>).
/// </summary>
public sealed record AvailabilityTrace(
    string Path, CloudKind Cloud, string Region, string Zone, string InstanceType, DateTimeOffset Start, int GapSeconds, bool[] Up, double[]? Prices = null)
{
    /// <summary>The trace's prices as a price history (one row per change), or null when it has none.</summary>
    public MarketHistory? PriceHistory()
    {
        if (Prices is null) return null;
        var ticks = new List<long>();
        var spot = new List<double>();
        for (int i = 0; i < Prices.Length; i++)
        {
            if (i > 0 && Prices[i] == Prices[i - 1]) continue;
            ticks.Add(Start.AddSeconds((double)GapSeconds * i).UtcTicks);
            spot.Add(Prices[i]);
        }

        var none = new double[spot.Count];
        Array.Fill(none, double.NaN);
        return new MarketHistory(Cloud, Region, Zone, InstanceType, [.. ticks], [.. spot], none);
    }

    public DateTimeOffset End => Start.AddSeconds((double)GapSeconds * Up.Length);

    /// <summary>The folder the trace was read from: traces in one folder start together and form one replay.</summary>
    public string Folder => System.IO.Path.GetDirectoryName(Path) ?? "";

    /// <summary>
    /// Whether capacity was up for the whole of [<paramref name="from"/>, <paramref name="to"/>): every sample that
    /// overlaps it is up. Times outside the trace count as down (no sample says it was up).
    /// </summary>
    public bool UpThroughout(DateTimeOffset from, DateTimeOffset to)
    {
        double first = (from - Start).TotalSeconds / GapSeconds, last = (to - Start).TotalSeconds / GapSeconds;
        long i0 = (long)Math.Floor(first), i1 = (long)Math.Ceiling(last) - 1;
        if (i1 < i0) i1 = i0;
        if (i0 < 0 || i1 >= Up.Length) return false;
        for (long i = i0; i <= i1; i++)
        {
            if (!Up[i]) return false;
        }

        return true;
    }
}

/// <summary>What a history folder holds: its price files and traces.</summary>
public sealed record HistoryData(string Path, IReadOnlyList<PriceHistoryFile> PriceFiles, IReadOnlyList<AvailabilityTrace> Traces);
