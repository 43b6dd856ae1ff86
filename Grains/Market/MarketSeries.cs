namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// What a price feed knows of one market: the current spot price, a bounded history of changes, the cloud's
/// published interruption rate and the interruptions and exposure observed here.
/// </summary>
internal sealed class MarketSeries(string zone, string instanceType, double advisorRate, int historyLength)
{
    // The history as a ring of (UTC ticks, price in 10^-8 USD): 16 bytes a point, grown as points arrive.
    private (long Ticks, long Units)[] _ring = new (long, long)[Math.Min(historyLength, 2)];
    private int _start, _count;

    public string Zone { get; } = zone;
    public string InstanceType { get; } = instanceType;
    public double AdvisorRate { get; } = advisorRate;
    public decimal? Current { get; private set; }
    public DateTimeOffset? UpdatedAt { get; private set; }
    public long Version { get; private set; }
    public int ObservedInterruptions { get; private set; }
    public double ExposureHours { get; private set; }
    public int HistoryCount => _count;

    /// <summary>The history, oldest first.</summary>
    public IReadOnlyList<PricePoint> History =>
        Enumerable.Range(0, _count).Select(i => _ring[(_start + i) % _ring.Length]).Select(p => new PricePoint(new DateTimeOffset(p.Ticks, TimeSpan.Zero), OfferBook.ToDollars(p.Units))).ToList();

    /// <summary>Records a price; true when it changed.</summary>
    public bool Observe(decimal price, DateTimeOffset at, long version)
    {
        if (Current == price) return false;
        Current = price;
        UpdatedAt = at;
        Version = version;
        Append(at.UtcTicks, OfferBook.ToUnits(price));
        return true;
    }

    private void Append(long ticks, long units)
    {
        if (_count == _ring.Length && _ring.Length < historyLength)
        {
            var grown = new (long, long)[Math.Min(historyLength, _ring.Length * 2)];
            for (int i = 0; i < _count; i++) grown[i] = _ring[(_start + i) % _ring.Length];
            _ring = grown;
            _start = 0;
        }

        if (_count < _ring.Length)
        {
            _ring[(_start + _count++) % _ring.Length] = (ticks, units);
        }
        else
        {
            _ring[_start] = (ticks, units);
            _start = (_start + 1) % _ring.Length;
        }
    }

    public void RecordInterruption(long version)
    {
        ObservedInterruptions++;
        Version = version;
    }

    public void RecordExposure(double hours, long version)
    {
        ExposureHours += hours;
        Version = version;
    }

    /// <summary>
    /// Interruptions per instance-month: the cloud's published rate weighted as <paramref name="priorMonths"/> instance-months
    /// of evidence, plus what was observed here over the instance-months run.
    /// </summary>
    public double InterruptionRateEstimate(double priorMonths) =>
        Math.Clamp((AdvisorRate * priorMonths + ObservedInterruptions) / (priorMonths + ExposureHours / 720), 0, 1);

    /// <summary>Standard deviation of the log price changes over the history (0 with fewer than three points).</summary>
    public double Volatility()
    {
        if (_count < 3) return 0;
        int n = _count - 1;
        Span<double> returns = n <= 128 ? stackalloc double[n] : new double[n];
        double mean = 0;
        for (int i = 0; i < n; i++)
        {
            returns[i] = Math.Log((double)_ring[(_start + i + 1) % _ring.Length].Units / _ring[(_start + i) % _ring.Length].Units);
            mean += returns[i];
        }

        mean /= n;
        double variance = 0;
        foreach (var r in returns) variance += (r - mean) * (r - mean);
        return Math.Sqrt(variance / (n - 1));
    }
}
