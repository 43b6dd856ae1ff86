namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// One market's spot price history: change times (UTC ticks, ascending) and the price from each change on.
/// Immutable; lookups are a binary search by time.
/// </summary>
public sealed class PriceSeries
{
    private readonly long[] _ticks;
    private readonly decimal[] _prices;

    internal PriceSeries(string location, string instanceType, long[] ticks, decimal[] prices)
    {
        if (ticks.Length == 0 || ticks.Length != prices.Length) throw new ArgumentException("A price series needs one price per time, and at least one.");
        Location = location;
        InstanceType = instanceType;
        _ticks = ticks;
        _prices = prices;
    }

    /// <summary>The zone (AWS: as the history names it, e.g. us-east-1a) or region (Azure, GCP) of the history.</summary>
    public string Location { get; }

    public string InstanceType { get; }

    public int Count => _ticks.Length;

    public DateTimeOffset Start => new(_ticks[0], TimeSpan.Zero);

    public DateTimeOffset End => new(_ticks[^1], TimeSpan.Zero);

    public decimal First => _prices[0];

    public DateTimeOffset TimeAt(int index) => new(_ticks[index], TimeSpan.Zero);

    public decimal PriceAtIndex(int index) => _prices[index];

    /// <summary>The price in force at <paramref name="utcTicks"/>: the last change at or before it (the first price before the series starts).</summary>
    public decimal PriceAt(long utcTicks) => _prices[Math.Max(CountAtOrBefore(utcTicks) - 1, 0)];

    public decimal PriceAt(DateTimeOffset time) => PriceAt(time.UtcTicks);

    /// <summary>How many changes happened at or before <paramref name="utcTicks"/> (the index of the first change after it).</summary>
    public int CountAtOrBefore(long utcTicks)
    {
        int low = 0, high = _ticks.Length;
        while (low < high)
        {
            var middle = low + ((high - low) >> 1);
            if (_ticks[middle] <= utcTicks) low = middle + 1;
            else high = middle;
        }

        return low;
    }
}
