namespace Arbitrage.Orleans.Grains.Market;

/// <summary>How placement scores offers (see docs/PLACEMENT.md).</summary>
public sealed class PlacementOptions
{
    /// <summary>Hours of work lost to one interruption: re-provisioning, boot, warm-up and progress since the last checkpoint.</summary>
    public double RestartCostHours { get; set; } = 1;

    /// <summary>Extra expected cost, as a fraction of the price, of a market whose capacity is hardest to get (availability 0).</summary>
    public double AvailabilityPenalty { get; set; } = 0.1;

    /// <summary>At most this many alternatives an estimate may ask for.</summary>
    public int MaxAlternatives { get; set; } = 50;
}

/// <summary>The silo's current offer book, replaced whole when it is rebuilt (start-up), updated in place by price feeds.</summary>
public sealed class OfferBookHolder
{
    private OfferBook _current = OfferBook.Empty;

    public OfferBook Current
    {
        get => Volatile.Read(ref _current);
        set => Volatile.Write(ref _current, value);
    }
}
