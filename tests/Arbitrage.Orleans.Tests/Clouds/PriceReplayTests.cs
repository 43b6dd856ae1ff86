using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Arbitrage.Orleans.Tests.Clouds;

[Collection(MarketDataCollection.Name)]
public sealed class PriceReplayTests(MarketDataFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_market_with_history_replays_its_real_price_as_the_clock_moves()
    {
        // us-east-1b is the second zone letter, so it maps to the second sorted zone ID, use1-az2.
        var history = ReadAwsHistory("us-east-1b", "m5dn.8xlarge");
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => o.Speed = 60);
        Assert.True(cloud.Catalog.TryFindOffer("us-east-1", "use1-az2", "m5dn.8xlarge", out var index));
        Assert.Equal(PriceSource.History, cloud.Catalog.Prices.SourceOf(index));

        var seen = new HashSet<decimal>();
        for (var step = 0; step < 30; step++)
        {
            var prices = await cloud.GetSpotPricesAsync("us-east-1", CancellationToken.None);
            var price = Assert.Single(prices, p => p.Zone == "use1-az2" && p.InstanceType == "m5dn.8xlarge");
            Assert.Equal(ValueAt(history, cloud.SimulatedTime), price.PricePerHour);
            Assert.Equal(clock.GetUtcNow(), price.Timestamp);
            seen.Add(price.PricePerHour);
            clock.Advance(TimeSpan.FromMinutes(30)); // 30 simulated hours
        }

        Assert.True(seen.Count > 5, $"only {seen.Count} distinct prices over 37 simulated days");
    }

    [Fact]
    public async Task A_markets_price_history_on_the_simulations_clock_lists_every_price_it_served()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => (o.Speed, o.InterruptionsEnabled) = (60, false));
        var started = clock.GetUtcNow();
        var served = new List<(DateTimeOffset At, decimal Price)>();
        // Past two and a half history lengths, so the replay wraps around twice.
        while (clock.GetUtcNow() - started < cloud.Catalog.Prices.HistoryLength * 2.5 / 60)
        {
            var prices = await cloud.GetSpotPricesAsync("us-east-1", CancellationToken.None);
            served.Add((clock.GetUtcNow(), Assert.Single(prices, p => p.Zone == "use1-az2" && p.InstanceType == "m5dn.8xlarge").PricePerHour));
            clock.Advance(TimeSpan.FromMinutes(97));
        }

        var history = await cloud.GetSpotPriceHistoryAsync(new SpotPriceHistoryQuery("us-east-1", "use1-az2", "m5dn.8xlarge", started, clock.GetUtcNow()), CancellationToken.None);

        Assert.Equal(started, history[0].Timestamp);
        Assert.Equal(history.Select(p => p.Timestamp).Order(), history.Select(p => p.Timestamp));
        Assert.True(history.Count > served.Select(s => s.Price).Distinct().Count(), "the history has every change, not only the sampled ones");
        foreach (var (at, price) in served) Assert.Equal(price, history.Last(p => p.Timestamp <= at).PricePerHour);

        // The week before the cloud started is the replay's past on the same clock, and ends where the later window starts.
        var before = await cloud.GetSpotPriceHistoryAsync(new SpotPriceHistoryQuery("us-east-1", "use1-az2", "m5dn.8xlarge", started.AddDays(-7), started), CancellationToken.None);
        Assert.True(before.Count > 2);
        Assert.Equal(history[0].PricePerHour, before[^1].PricePerHour);

        // A market priced from the catalog is flat: its price at the start and no change.
        var catalog = Enumerable.Range(0, cloud.Catalog.Offers.Count).FirstOrDefault(i => cloud.Catalog.Prices.SourceOf(i) == PriceSource.Catalog, -1);
        if (catalog >= 0)
        {
            var offer = cloud.Catalog.Offers[catalog];
            var flat = await cloud.GetSpotPriceHistoryAsync(new SpotPriceHistoryQuery(offer.Region, offer.Zone, offer.InstanceType, started, clock.GetUtcNow()), CancellationToken.None);
            Assert.Equal(cloud.Catalog.CatalogSpotPrice(catalog), Assert.Single(flat).PricePerHour);
        }
    }

    [Fact]
    public void Simulated_time_starts_at_the_offset_and_wraps_around_the_history()
    {
        var clock = new ManualTimeProvider();
        var offset = TimeSpan.FromDays(10);
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => (o.StartOffset, o.Speed) = (offset, 60));
        var replay = cloud.Catalog.Prices;

        Assert.Equal(replay.HistoryStart + offset, cloud.SimulatedTime);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(replay.HistoryStart + offset + TimeSpan.FromHours(60), cloud.SimulatedTime);
        clock.Advance(replay.HistoryLength / 60);
        var wrapped = cloud.SimulatedTime - (replay.HistoryStart + offset + TimeSpan.FromHours(60));
        Assert.True(wrapped.Duration() < TimeSpan.FromMilliseconds(1), $"after one history length, simulated time is {wrapped} off");
    }

    [Fact]
    public async Task A_market_without_history_follows_its_types_relative_movement_from_its_catalog_price()
    {
        var clock = new ManualTimeProvider();
        using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => o.StartOffset = TimeSpan.FromDays(40));
        Assert.True(cloud.Catalog.TryFindOffer("us-west-2", "usw2-az1", "m5.large", out var index));
        Assert.Equal(PriceSource.RelativeHistory, cloud.Catalog.Prices.SourceOf(index));
        var series = cloud.Catalog.Prices.SeriesOf(index)!;
        var catalogPrice = cloud.Catalog.CatalogSpotPrice(index)!.Value;

        var prices = await cloud.GetSpotPricesAsync("us-west-2", CancellationToken.None);

        var price = Assert.Single(prices, p => p.Zone == "usw2-az1" && p.InstanceType == "m5.large");
        var expected = decimal.Round(catalogPrice * (series.PriceAt(cloud.SimulatedTime) / series.First), 6, MidpointRounding.AwayFromZero);
        Assert.Equal(expected, price.PricePerHour, 5);
        Assert.Equal("m5.large", series.InstanceType);
    }

    [Fact]
    public async Task Gcp_and_azure_markets_replay_their_region_histories()
    {
        var clock = new ManualTimeProvider();
        using var gcp = fixture.CreateCloud(CloudKind.Gcp, clock);
        using var azure = fixture.CreateCloud(CloudKind.Azure, clock);

        foreach (var cloud in new[] { gcp, azure })
        {
            Assert.True(cloud.Catalog.Prices.HistoryMarkets > 0, $"{cloud.Cloud} replays no market");
            var index = Enumerable.Range(0, cloud.Catalog.Offers.Count).First(i => cloud.Catalog.Prices.SourceOf(i) == PriceSource.History);
            var offer = cloud.Catalog.Offers[index];
            var prices = await cloud.GetSpotPricesAsync(offer.Region, CancellationToken.None);
            var price = Assert.Single(prices, p => p.Zone == offer.Zone && p.InstanceType == offer.InstanceType);
            Assert.Equal(cloud.Catalog.Prices.SeriesOf(index)!.PriceAt(cloud.SimulatedTime), price.PricePerHour);
        }
    }

    [Fact]
    public async Task The_same_options_and_clock_steps_replay_the_same_prices()
    {
        var first = await ReplayAsync();
        var second = await ReplayAsync();

        Assert.Equal(first, second);

        async Task<List<decimal>> ReplayAsync()
        {
            var clock = new ManualTimeProvider();
            using var cloud = fixture.CreateCloud(CloudKind.Aws, clock, o => o.StartOffset = TimeSpan.FromDays(3));
            var result = new List<decimal>();
            for (var step = 0; step < 5; step++)
            {
                result.AddRange((await cloud.GetSpotPricesAsync("us-east-1", CancellationToken.None)).Select(p => p.PricePerHour));
                clock.Advance(TimeSpan.FromMinutes(17));
            }

            return result;
        }
    }

    [Fact]
    public async Task Spot_prices_of_the_biggest_region_come_back_in_well_under_ten_milliseconds()
    {
        var clock = new ManualTimeProvider();
        var biggest = new[] { CloudKind.Aws, CloudKind.Azure, CloudKind.Gcp }
            .SelectMany(kind => fixture.Data[kind].Regions.Select(r => (Kind: kind, Region: r.Name, Count: fixture.Data[kind].OffersIn(r.Name).Count)))
            .MaxBy(r => r.Count);
        using var cloud = fixture.CreateCloud(biggest.Kind, clock);
        await cloud.GetSpotPricesAsync(biggest.Region, CancellationToken.None);

        const int calls = 200;
        var stopwatch = Stopwatch.StartNew();
        var count = 0;
        for (var i = 0; i < calls; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(7));
            count = (await cloud.GetSpotPricesAsync(biggest.Region, CancellationToken.None)).Count;
        }

        var perCall = stopwatch.Elapsed / calls;
        output.WriteLine($"{biggest.Kind} {biggest.Region}: {biggest.Count} offers, {count} spot prices, {perCall.TotalMilliseconds:0.000} ms per call");
        Assert.True(perCall < TimeSpan.FromMilliseconds(10), $"{perCall.TotalMilliseconds} ms per call");
    }

    /// <summary>The raw history of one zone letter and type, read straight from the file (independently of the loader).</summary>
    private static List<(DateTimeOffset Time, decimal Price)> ReadAwsHistory(string zone, string type)
    {
        var path = Directory.GetFiles(Path.Combine(SharedData.Directory, "prices"), "aws_us-east-1_spot_*.csv.gz").Single();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var rows = new List<(DateTimeOffset, decimal)>();
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var fields = line.TrimEnd('\r').Split(',');
            if (fields[1] == zone && fields[2] == type)
            {
                rows.Add((DateTimeOffset.Parse(fields[0], CultureInfo.InvariantCulture), decimal.Parse(fields[3], CultureInfo.InvariantCulture)));
            }
        }

        return [.. rows.OrderBy(r => r.Item1)];
    }

    private static decimal ValueAt(List<(DateTimeOffset Time, decimal Price)> history, DateTimeOffset time)
    {
        var value = history[0].Price;
        foreach (var (at, price) in history)
        {
            if (at > time) break;
            value = price;
        }

        return value;
    }
}
