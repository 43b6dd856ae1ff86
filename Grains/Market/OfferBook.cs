using System.Collections.Frozen;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Every market of every provider, laid out for scanning: one array per field, one index per market (a zone and
/// an instance type), prices as whole units of 10⁻⁸ USD so a price is read and written atomically. The set of markets
/// is fixed when the book is built (<see cref="OfferBookBuilder"/>); prices and interruption rates change in place
/// as the price feeds report them. One book per silo, shared by every reader; a single writer per market (its feed).
/// </summary>
public sealed class OfferBook
{
    /// <summary>Prices are stored as whole multiples of this fraction of a dollar.</summary>
    public const long UnitsPerDollar = 100_000_000;
    public const long NoPrice = -1;

    internal OfferBook(
        IReadOnlyList<BookProvider> providers,
        IReadOnlyList<string> regions,
        IReadOnlyList<string> gpuTypes,
        MarketColumns markets,
        FrozenDictionary<MarketKey, int> index,
        FrozenDictionary<string, IReadOnlyList<string>>? zoneNames = null)
    {
        Providers = providers;
        Regions = regions;
        GpuTypes = gpuTypes;
        Markets = markets;
        Index = index;
        ProviderByName = providers.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        RegionByName = regions.Select((r, i) => (r, i)).ToFrozenDictionary(x => x.r, x => x.i, StringComparer.OrdinalIgnoreCase);
        GpuTypeByName = gpuTypes.Select((g, i) => (g, i)).ToFrozenDictionary(x => x.g, x => x.i, StringComparer.OrdinalIgnoreCase);
        InstanceTypes = markets.InstanceType.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        Zones = markets.Zone.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        ZoneNames = zoneNames ?? FrozenDictionary<string, IReadOnlyList<string>>.Empty;
        _regionsByProvider = providers.Select(p => (IReadOnlyList<string>)Enumerable.Range(0, markets.Count).Where(i => markets.Provider[i] == p.Index)
            .Select(i => markets.Region[i]).Distinct().Select(r => regions[r]).ToList()).ToArray();
        var providerEnd = new int[providers.Count];
        var providerStart = new int[providers.Count];
        for (int i = 0; i < markets.Count; i++)
        {
            int p = markets.Provider[i];
            if (i > 0 && p != markets.Provider[i - 1] && providerEnd[p] > 0) ProvidersContiguous = false;
            if (providerEnd[p] == 0) providerStart[p] = i;
            providerEnd[p] = i + 1;
            if (!(markets.Availability[i] <= 1)) AvailabilityAtMostOne = false;
        }

        PriceOrder = ProvidersContiguous ? new PriceOrder(markets, providerStart, providerEnd) : null;
    }

    /// <summary>Each provider's markets by a lower bound of their price (null when the providers' markets are not contiguous).</summary>
    internal PriceOrder? PriceOrder { get; }

    /// <summary>Whether every market's availability score is at most 1 (scores are fixed when the book is built).</summary>
    internal bool AvailabilityAtMostOne { get; } = true;

    /// <summary>Whether each provider's markets are one run of indexes (the builder orders them so), which lets each provider have its own price order.</summary>
    internal bool ProvidersContiguous { get; } = true;

    private readonly IReadOnlyList<string>[] _regionsByProvider;

    public static OfferBook Empty { get; } = new OfferBookBuilder().Build();

    public IReadOnlyList<BookProvider> Providers { get; }
    public IReadOnlyList<string> Regions { get; }
    public IReadOnlyList<string> GpuTypes { get; }
    internal MarketColumns Markets { get; }
    internal FrozenDictionary<MarketKey, int> Index { get; }
    internal FrozenDictionary<string, BookProvider> ProviderByName { get; }
    internal FrozenDictionary<string, int> RegionByName { get; }
    internal FrozenDictionary<string, int> GpuTypeByName { get; }
    internal FrozenSet<string> InstanceTypes { get; }
    /// <summary>The zone IDs of the markets (AWS <c>use1-az4</c>, GCP <c>us-central1-a</c>).</summary>
    internal FrozenSet<string> Zones { get; }

    /// <summary>Zone names as the providers' accounts give them (AWS <c>us-east-1a</c>) → the zone IDs they stand for.</summary>
    internal FrozenDictionary<string, IReadOnlyList<string>> ZoneNames { get; }

    public int MarketCount => Markets.Count;

    /// <summary>Spot plus on-demand offers currently priced.</summary>
    public int OfferCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < Markets.Count; i++)
            {
                if (Volatile.Read(ref Markets.Spot[i]) != NoPrice) count++;
                if (Markets.OnDemand[i] != NoPrice) count++;
            }

            return count;
        }
    }

    /// <summary>
    /// Applies a feed's price changes for one provider region; returns how many markets it knew. Unknown markets
    /// (a type the cloud added since the book was built) are skipped.
    /// </summary>
    public int Apply(string provider, string region, IReadOnlyList<MarketPriceChange> changes)
    {
        if (changes.Count > 0) Interlocked.Increment(ref _version);
        if (!ProviderByName.TryGetValue(provider, out var p) || !RegionByName.TryGetValue(region, out int r)) return 0;
        var found = new List<(int Market, long Units, MarketPriceChange Change)>(changes.Count);
        foreach (var change in changes)
        {
            if (Index.TryGetValue(new MarketKey(p.Index, r, change.Zone, change.InstanceType), out int i)) found.Add((i, ToUnits(change.PricePerHour), change));
        }

        if (PriceOrder is not { } order)
        {
            foreach (var (i, units, change) in found) Markets.SetSpot(i, units, change.InterruptionRate, change.Timestamp);
            return found.Count;
        }

        // The markets whose price falls below their bound are published before their prices are written.
        lock (order.Gate)
        {
            var lowered = new List<int>();
            foreach (var (i, units, _) in found) order.BeforeSpotWrite(i, units, lowered);
            order.Publish(p.Index, lowered);
            foreach (var (i, units, change) in found) Markets.SetSpot(i, units, change.InterruptionRate, change.Timestamp);
            order.Tidy(p.Index);
        }

        return found.Count;
    }

    private long _version;

    /// <summary>Rises with every applied change of prices: two reads at the same version saw the same prices.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>The regions in which a provider offers markets.</summary>
    public IReadOnlyList<string> RegionsOf(int provider) => _regionsByProvider[provider];

    /// <summary>The index of one market, or -1.</summary>
    public int Find(string provider, string region, string zone, string instanceType) =>
        ProviderByName.TryGetValue(provider, out var p) && RegionByName.TryGetValue(region, out int r)
        && Index.TryGetValue(new MarketKey(p.Index, r, zone, instanceType), out int i) ? i : -1;

    /// <summary>Market <paramref name="i"/>'s current spot price, or null when it has none.</summary>
    public decimal? SpotPrice(int i) => Volatile.Read(ref Markets.Spot[i]) is var units and not NoPrice ? ToDollars(units) : null;

    /// <summary>Market <paramref name="i"/>'s on-demand price, or null when it has none.</summary>
    public decimal? OnDemandPrice(int i) => Markets.OnDemand[i] is var units and not NoPrice ? ToDollars(units) : null;

    /// <summary>Market <paramref name="i"/>'s GPU type (<c>nvidia-t4</c>), or null.</summary>
    public string? GpuTypeOf(int i) => Markets.GpuType[i] < 0 ? null : GpuTypes[Markets.GpuType[i]];

    public BookProvider ProviderOf(int i) => Providers[Markets.Provider[i]];

    public static long ToUnits(decimal price) => decimal.ToInt64(decimal.Round(price * UnitsPerDollar));

    public static decimal ToDollars(long units) => units / (decimal)UnitsPerDollar;
}

/// <summary>A provider instance in the book, with the cloud it speaks to.</summary>
public sealed record BookProvider(int Index, string Name, CloudKind Cloud)
{
    public string CloudName => Cloud.ToString().ToLowerInvariant();
}

internal readonly record struct MarketKey(int Provider, int Region, string Zone, string InstanceType);

/// <summary>The book's columns: market i is element i of every array.</summary>
internal sealed class MarketColumns(int count)
{
    public int Count { get; } = count;
    public readonly int[] Provider = new int[count];
    public readonly int[] Region = new int[count];
    public readonly string[] Zone = new string[count];
    public readonly string[] InstanceType = new string[count];
    public readonly int[] VCpus = new int[count];
    public readonly float[] MemoryGb = new float[count];
    public readonly int[] GpuType = new int[count];
    public readonly int[] GpuCount = new int[count];
    public readonly long[] OnDemand = new long[count];
    public readonly long[] Spot = new long[count];
    public readonly double[] InterruptionRate = new double[count];
    public readonly double[] HazardPerHour = new double[count];
    public readonly double[] Availability = new double[count];
    public readonly long[] SpotUpdatedAt = new long[count];

    public void SetSpot(int i, long units, double interruptionRate, DateTimeOffset at)
    {
        Volatile.Write(ref Spot[i], units);
        InterruptionRate[i] = interruptionRate;
        HazardPerHour[i] = Hazard(interruptionRate);
        SpotUpdatedAt[i] = at.UtcTicks;
    }

    /// <summary>Interruptions per hour from the fraction of instances interrupted per month (a 720-hour month).</summary>
    public static double Hazard(double monthlyRate) => -Math.Log(1 - Math.Clamp(monthlyRate, 0, 0.999)) / 720;
}
