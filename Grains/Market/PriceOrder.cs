namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Each provider's markets ordered by a lower bound of their cheapest price (spot or on-demand), so the search for a
/// provider's cheapest fitting offer can stop at the first market whose bound is at or above the best cost found
/// (an offer's expected cost is never below its price). A market's bound is its price when the order was built; a
/// spot price that falls below it puts the market on the provider's <see cref="ProviderPriceOrder.Lowered"/> list
/// (read in full by every search) before the lower price is written, so the bound of every market outside that list
/// is never above its price. Once the list is long the provider's order is rebuilt from the current prices.
/// Writers hold <see cref="Gate"/>; readers take a provider's order without a lock (it is immutable).
/// </summary>
internal sealed class PriceOrder
{
    /// <summary>Markets a provider's lowered list holds before its order is rebuilt.</summary>
    public const int RebuildAfter = 256;

    private readonly MarketColumns _markets;
    private readonly int[] _providerStart;
    private readonly int[] _providerEnd;
    private readonly long[] _bound;
    private readonly ProviderPriceOrder[] _orders;

    public object Gate { get; } = new();

    /// <param name="providerStart">The first market of each provider (their markets are contiguous).</param>
    /// <param name="providerEnd">One past each provider's last market.</param>
    public PriceOrder(MarketColumns markets, int[] providerStart, int[] providerEnd)
    {
        _markets = markets;
        _providerStart = providerStart;
        _providerEnd = providerEnd;
        _bound = new long[markets.Count];
        _orders = new ProviderPriceOrder[providerEnd.Length];
        for (int p = 0; p < _orders.Length; p++) Rebuild(p);
    }

    public ProviderPriceOrder Of(int provider) => Volatile.Read(ref _orders[provider]);

    /// <summary>Called with <see cref="Gate"/> held, before market <paramref name="market"/>'s spot price becomes <paramref name="units"/>.</summary>
    public void BeforeSpotWrite(int market, long units, List<int> lowered)
    {
        if (units != OfferBook.NoPrice && units < _bound[market]) lowered.Add(market);
    }

    /// <summary>Called with <see cref="Gate"/> held: publishes the markets about to fall below their bound (before their prices are written).</summary>
    public void Publish(int provider, List<int> lowered)
    {
        if (lowered.Count == 0) return;
        var order = _orders[provider];
        var list = new int[order.Lowered.Length + lowered.Count];
        order.Lowered.CopyTo(list, 0);
        lowered.CopyTo(list, order.Lowered.Length);
        foreach (int i in lowered) _bound[i] = long.MinValue; // listed: never listed twice
        Volatile.Write(ref _orders[provider], order with { Lowered = list });
    }

    /// <summary>Called with <see cref="Gate"/> held, after the prices are written: a long lowered list is folded into a new order.</summary>
    public void Tidy(int provider)
    {
        if (_orders[provider].Lowered.Length >= RebuildAfter) Rebuild(provider);
    }

    private void Rebuild(int provider)
    {
        var m = _markets;
        var markets = new List<int>(_providerEnd[provider] - _providerStart[provider]);
        for (int i = _providerStart[provider]; i < _providerEnd[provider]; i++)
        {
            long spot = Volatile.Read(ref m.Spot[i]), onDemand = m.OnDemand[i];
            long cheapest = spot == OfferBook.NoPrice ? onDemand : onDemand == OfferBook.NoPrice ? spot : Math.Min(spot, onDemand);
            _bound[i] = cheapest == OfferBook.NoPrice ? long.MaxValue : cheapest;
            if (cheapest != OfferBook.NoPrice) markets.Add(i);
        }

        var ordered = markets.ToArray();
        var bounds = ordered.Select(i => _bound[i]).ToArray();
        Array.Sort(bounds, ordered);
        Volatile.Write(ref _orders[provider], new ProviderPriceOrder(ordered, bounds, []));
    }
}

/// <summary>A provider's markets by ascending price bound, and the markets whose price fell below their bound since.</summary>
internal sealed record ProviderPriceOrder(int[] Markets, long[] Bounds, int[] Lowered);
