using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Catalog;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// The market side of placement in one process, on the bundled real data and the three simulated clouds (no silo):
/// (1) loading the data set and building the offer book as <c>OfferBookLoader</c> does; (2) managed memory of the
/// data set, the book and the price feeds' histories at 64 points per market; (3) single-threaded
/// <see cref="PlacementEngine.Estimate"/> latency: cold, for distinct random requirements over the whole catalog that
/// the engine's estimate cache cannot answer (what a new request costs), and cached, for a fixed, varied set of
/// requirements asked again and again at one price version (cache hits); (4) a full refresh: every
/// region's spot prices fetched from the clouds and applied to the book; (5) the rate at which the book ingests
/// price changes.
/// Options: --data (the data directory, default data/market in the repository), --seconds (each estimate
/// run, default 5), --warmup-seconds (2), --refresh-rounds (5), --ingest-rounds (10), --seed (the cold requests', 7).
/// </summary>
internal sealed class PlacementSuite : ISuite
{
    private const double TargetOffers = 100_000;
    private const double TargetColdEstimateP50Ms = 0.5;
    private const double TargetColdEstimateP99Ms = 1;
    private const double TargetFullRefreshMs = 1_000;
    private const double TargetIngestPointsPerSecond = 100_000;
    private const int HistoryPoints = 64;

    /// <summary>How far the manual clock moves before each refresh: an hour of real time, 60 hours of prices at Speed 60.</summary>
    private static readonly TimeSpan RefreshStep = TimeSpan.FromHours(1);

    /// <summary>The providers as the embedded providers.json configures them (name, cloud, seed).</summary>
    private static readonly (string Name, CloudKind Cloud, int Seed)[] Providers =
    [
        ("sim-aws", CloudKind.Aws, 1),
        ("sim-azure", CloudKind.Azure, 2),
        ("sim-gcp", CloudKind.Gcp, 3),
    ];

    public string Name => "placement";

    public string Description => "data set load and offer book build, memory of book and price history, estimate latency (cold distinct requests and cache hits), full price refresh, ingest rate (simulated clouds, no silo)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var dataDirectory = Path.GetFullPath(context.Text("data", Path.Combine(context.RepositoryRoot, "data", "market")));
        var measure = TimeSpan.FromSeconds(context.Option("seconds", 5));
        var warmup = TimeSpan.FromSeconds(context.Option("warmup-seconds", 2));
        int refreshRounds = (int)context.Option("refresh-rounds", 5);
        int ingestRounds = (int)context.Option("ingest-rounds", 10);

        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release")
        {
            context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        }

        // ---- 1 and 2: load, build, memory of the data set and the book ----
        long heapBeforeData = CollectGarbage();
        context.Log($"[load] Loading the market data set from {dataDirectory} (heap before: {heapBeforeData / 1048576.0:0.0} MB) ...");
        var loading = Stopwatch.StartNew();
        var data = MarketDataSet.Load(dataDirectory);
        double loadMs = loading.Elapsed.TotalMilliseconds;
        long heapWithData = CollectGarbage();
        context.Log($"[load] Loaded in {loadMs:0} ms: {data.Aws.Offers.Count:N0} AWS, {data.Azure.Offers.Count:N0} Azure, {data.Gcp.Offers.Count:N0} GCP catalog rows; managed heap +{(heapWithData - heapBeforeData) / 1048576.0:0.0} MB");

        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var clouds = Providers.Select(p => (p.Name, Cloud: new SimulatedCloud(data, new SimulatedCloudOptions { Cloud = p.Cloud, Seed = p.Seed }, clock))).ToArray();
        try
        {
            long heapBeforeBook = CollectGarbage();
            context.Log("[load] Building the offer book from the three simulated clouds (ListRegions, then per region DescribeInstanceTypes + GetSpotPrices) ...");
            var building = Stopwatch.StartNew();
            var book = await BuildBookAsync(clouds, ct);
            double buildMs = building.Elapsed.TotalMilliseconds;
            long heapWithBook = CollectGarbage();
            int offers = book.OfferCount;
            int spotMarkets = CountSpotMarkets(book);
            long bookBytes = heapWithBook - heapBeforeBook;
            context.Log($"[load] Book built in {buildMs:0} ms: {book.MarketCount:N0} markets, {offers:N0} offers ({spotMarkets:N0} spot-priced markets), {book.Regions.Count} regions, {book.GpuTypes.Count} GPU types; managed heap +{bookBytes / 1048576.0:0.0} MB");

            building.Restart();
            var rebuilt = await BuildBookAsync(clouds, ct);
            double rebuildMs = building.Elapsed.TotalMilliseconds;
            if (rebuilt.MarketCount != book.MarketCount) throw new InvalidOperationException($"A second build gave {rebuilt.MarketCount} markets, the first {book.MarketCount}.");
            context.Log($"[load] A second build (code already compiled) took {rebuildMs:0} ms.");

            result.Add("data_directory", dataDirectory)
                .Add("catalog_load_ms", Math.Round(loadMs, 1))
                .Add("book_build_ms", Math.Round(buildMs, 1))
                .Add("book_rebuild_ms", Math.Round(rebuildMs, 1))
                .Add("catalog_rows", data.TotalOfferCount)
                .Add("markets", book.MarketCount)
                .Add("spot_markets", spotMarkets)
                .Add("offers", offers)
                .Add("regions", book.Regions.Count)
                .Add("gpu_types", book.GpuTypes.ToList())
                .Add("market_data_bytes", heapWithData - heapBeforeData)
                .Add("offer_book_bytes", bookBytes)
                .Add("offer_book_bytes_per_market", Math.Round(bookBytes / (double)book.MarketCount, 1));

            MeasurePriceHistoryMemory(context, result, clouds, ct);
            MeasureColdEstimates(context, result, book, warmup, measure, (int)context.Option("seed", 7));
            MeasureEstimates(context, result, book, warmup, measure);
            await MeasureRefreshAsync(context, result, book, clouds, clock, refreshRounds, ct);
            MeasureIngest(context, result, book, ingestRounds);
            GC.KeepAlive(data);
        }
        finally
        {
            foreach (var (_, cloud) in clouds) cloud.Dispose();
        }

        var missed = new List<string>();
        context.Log("Figures against the targets:");
        Check(context, result, missed, "offers", ">", TargetOffers, "offers");
        Check(context, result, missed, "cold_estimate_p50_ms", "<=", TargetColdEstimateP50Ms, "ms");
        Check(context, result, missed, "cold_estimate_p99_ms", "<=", TargetColdEstimateP99Ms, "ms");
        Check(context, result, missed, "full_refresh_ms", "<=", TargetFullRefreshMs, "ms");
        Check(context, result, missed, "ingest_price_points_per_s", ">=", TargetIngestPointsPerSecond, "points/s");
        result.Add("targets_missed", missed);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        return result;
    }

    // ---- 1. Building the book, as Grains/Market/OfferBookLoader.cs does ---------------------------------------

    private static async Task<OfferBook> BuildBookAsync((string Name, SimulatedCloud Cloud)[] clouds, CancellationToken ct)
    {
        var builder = new OfferBookBuilder();
        foreach (var (name, cloud) in clouds)
        {
            var entry = builder.AddProvider(name, cloud.Cloud);
            foreach (var region in await cloud.ListRegionsAsync(ct))
            {
                builder.AddOffers(entry, await cloud.DescribeInstanceTypesAsync(region.Name, ct));
                builder.AddSpotPrices(entry, await cloud.GetSpotPricesAsync(region.Name, ct));
            }
        }

        return builder.Build();
    }

    private static int CountSpotMarkets(OfferBook book)
    {
        int count = 0;
        for (int i = 0; i < book.MarketCount; i++)
        {
            if (book.Markets.Spot[i] != OfferBook.NoPrice) count++;
        }

        return count;
    }

    // ---- 2. Price history held by the feeds ------------------------------------------------------------------

    /// <summary>
    /// What the price feeds hold: per provider region a dictionary of <see cref="MarketSeries"/> keyed by (zone, type),
    /// one per spot-available offer (as <c>RegionPriceFeedGrain.OnActivateAsync</c> builds it), each having observed
    /// <see cref="HistoryPoints"/> distinct prices, so its history is full.
    /// </summary>
    private static void MeasurePriceHistoryMemory(SuiteContext context, BenchResult result, (string Name, SimulatedCloud Cloud)[] clouds, CancellationToken ct)
    {
        context.Log($"[memory] Building the feeds' series for every spot market and observing {HistoryPoints} distinct prices in each ...");
        var regionOffers = new List<IReadOnlyList<InstanceTypeOffer>>();
        foreach (var (_, cloud) in clouds)
        {
            foreach (var region in cloud.ListRegionsAsync(ct).GetAwaiter().GetResult())
            {
                regionOffers.Add(cloud.DescribeInstanceTypesAsync(region.Name, ct).GetAwaiter().GetResult());
            }
        }

        long before = CollectGarbage();
        var feeds = new List<Dictionary<(string Zone, string Type), MarketSeries>>(regionOffers.Count);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        int series = 0;
        foreach (var offers in regionOffers)
        {
            var markets = new Dictionary<(string Zone, string Type), MarketSeries>();
            foreach (var offer in offers)
            {
                if (!offer.SpotAvailable) continue;
                var s = new MarketSeries(offer.Zone, offer.InstanceType, offer.InterruptionRate, HistoryPoints);
                if (!markets.TryAdd((offer.Zone, offer.InstanceType), s)) continue;
                for (int k = 0; k < HistoryPoints; k++)
                {
                    if (!s.Observe(0.1000m + k * 0.0001m, start.AddMinutes(5 * k), k + 1)) throw new InvalidOperationException("A distinct price was not recorded.");
                }

                series++;
            }

            feeds.Add(markets);
        }

        long after = CollectGarbage();
        long points = feeds.Sum(f => f.Values.Sum(s => (long)s.HistoryCount));
        GC.KeepAlive(feeds);
        long bytes = after - before;
        context.Log($"[memory] {series:N0} series in {feeds.Count} region feeds, {points:N0} points: managed heap +{bytes / 1048576.0:0.0} MB = {bytes / (double)series:0} bytes per market");
        result.Add("price_history_markets", series)
            .Add("price_history_points", points)
            .Add("price_history_bytes_at_64_points", bytes)
            .Add("price_history_bytes_per_market_at_64_points", Math.Round(bytes / (double)series, 1));
    }

    // ---- 3. Estimate latency ---------------------------------------------------------------------------------

    // ---- 3a. Cold estimates: distinct requests the cache cannot answer ---------------------------------------

    /// <summary>
    /// What a new request costs: single-threaded estimates of distinct random requirements over the whole catalog
    /// (vCPUs, memory, GPUs by count and type, preferred regions, price and interruption caps, providers, markets,
    /// alternatives), on a fresh <see cref="PlacementEngine"/>. Its cache is keyed by every field of the requirements
    /// and the alternatives, so distinct requests (checked by a key of every field) always miss; the cost of filling
    /// the cache (and clearing it when full) is part of each request, as it is for a user.
    /// </summary>
    private static void MeasureColdEstimates(SuiteContext context, BenchResult result, OfferBook book, TimeSpan warmup, TimeSpan measure, int seed)
    {
        var engine = new PlacementEngine(new OfferBookHolder { Current = book }, Options.Create(new PlacementOptions()));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var random = new Random(seed);
        var warmupRequests = RandomRequests(book, random, seen, 20_000);
        var requests = RandomRequests(book, random, seen, 60_000);
        context.Log($"[cold] {warmupRequests.Count + requests.Count:N0} distinct random requirement sets generated (seed {seed}); warm-up {warmup.TotalSeconds:0.#} s on other requests than the measured ones ...");
        RunColdEstimates(engine, warmupRequests, warmup, null);
        CollectGarbage();
        var latency = new LatencyRecorder();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var (calls, elapsed, withOption, accepted) = RunColdEstimates(engine, requests, measure, latency);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;
        if (calls == requests.Count) context.Log($"[cold] WARNING: all {calls:N0} prepared requests were used before {measure.TotalSeconds:0.#} s.");
        context.Log($"[cold] {calls:N0} distinct estimates in {elapsed.TotalSeconds:0.00} s = {calls / elapsed.TotalSeconds:N0}/s; p50 {latency.PercentileMs(0.5):0.###} ms, p99 {latency.PercentileMs(0.99):0.###} ms, p99.9 {latency.PercentileMs(0.999):0.###} ms, max {latency.MaxMs:0.###} ms, mean {latency.MeanMs:0.###} ms; "
            + $"{100.0 * withOption / calls:0.#} % found an option, {accepted / (double)calls:N0} offers accepted on average; {allocated / (double)calls:N0} bytes allocated per call; GCs gen0/1/2 {gen0}/{gen1}/{gen2}");
        result.Add("cold_estimate_calls", calls)
            .Add("cold_estimate_seed", seed)
            .Add("cold_estimate_p50_ms", BenchEnvironment.Significant(latency.PercentileMs(0.5)))
            .Add("cold_estimate_p99_ms", BenchEnvironment.Significant(latency.PercentileMs(0.99)))
            .Add("cold_estimate_p999_ms", BenchEnvironment.Significant(latency.PercentileMs(0.999)))
            .Add("cold_estimate_max_ms", BenchEnvironment.Significant(latency.MaxMs))
            .Add("cold_estimate_mean_ms", BenchEnvironment.Significant(latency.MeanMs))
            .Add("cold_estimates_per_s", Math.Round(calls / elapsed.TotalSeconds))
            .Add("cold_estimate_found_option_percent", Math.Round(100.0 * withOption / calls, 1))
            .Add("cold_estimate_allocated_bytes_per_call", Math.Round(allocated / (double)calls));
    }

    private static (long Calls, TimeSpan Elapsed, long WithOption, long Accepted) RunColdEstimates(PlacementEngine engine, List<(PlacementRequirements Requirements, int Alternatives)> requests, TimeSpan duration, LatencyRecorder? latency)
    {
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long now = start, withOption = 0, accepted = 0;
        int next = 0;
        while (now < end && next < requests.Count)
        {
            var (requirements, alternatives) = requests[next++];
            long t0 = Stopwatch.GetTimestamp();
            var estimate = engine.Estimate(requirements, alternatives);
            now = Stopwatch.GetTimestamp();
            latency?.Record(now - t0);
            if (estimate.OffersConsidered == 0) throw new InvalidOperationException("An estimate considered no offers.");
            if (estimate.Recommended is not null) withOption++;
            accepted += estimate.OffersAccepted;
        }

        return (next, Stopwatch.GetElapsedTime(start, now), withOption, accepted);
    }

    /// <summary>
    /// <paramref name="count"/> random requirement sets over the whole catalog, none equal (in any field the estimate
    /// cache keys on) to another or to one in <paramref name="seen"/>. Shapes lean to small, as workloads do; a part
    /// asks for GPUs, regions, price or interruption caps, providers, one market only, or more alternatives.
    /// </summary>
    private static List<(PlacementRequirements, int)> RandomRequests(OfferBook book, Random random, HashSet<string> seen, int count)
    {
        int[] cpus = [1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 16, 16, 32, 48, 64, 96, 128];
        double[] memoryPerCpu = [0.5, 1, 2, 2, 4, 4, 8, 16];
        int[] gpuCounts = [1, 1, 1, 2, 4, 8];
        string[] clouds = ["aws", "azure", "gcp"];
        var requests = new List<(PlacementRequirements, int)>(count);
        while (requests.Count < count)
        {
            int cpu = cpus[random.Next(cpus.Length)];
            double memory = Math.Round(cpu * memoryPerCpu[random.Next(memoryPerCpu.Length)] * (0.75 + 0.5 * random.NextDouble()), 2);
            int gpuCount = 0;
            string? gpuType = null;
            if (random.NextDouble() < 0.25)
            {
                gpuCount = gpuCounts[random.Next(gpuCounts.Length)];
                if (random.NextDouble() < 0.7) gpuType = book.GpuTypes[random.Next(book.GpuTypes.Count)];
            }

            string[]? regions = random.NextDouble() < 0.3
                ? Enumerable.Range(0, random.Next(1, 4)).Select(_ => book.Regions[random.Next(book.Regions.Count)]).Distinct().ToArray()
                : null;
            decimal? maxPrice = random.NextDouble() < 0.4 ? Math.Round((decimal)Math.Exp(Math.Log(0.005) + random.NextDouble() * (Math.Log(50) - Math.Log(0.005))), 4) : null;
            if (maxPrice is 0) maxPrice = 0.0001m;
            double? maxInterruption = random.NextDouble() < 0.2 ? Math.Round(0.02 + 0.3 * random.NextDouble(), 3) : null;
            string[]? providers = random.NextDouble() < 0.15 ? clouds.OrderBy(_ => random.Next()).Take(random.Next(1, 3)).ToArray() : null;
            double market = random.NextDouble();
            bool allowSpot = market >= 0.1, allowOnDemand = market < 0.1 || market >= 0.2;
            int alternatives = random.NextDouble() < 0.1 ? 20 : 5;
            var requirements = new PlacementRequirements(cpu, memory, gpuCount, gpuType, regions, maxPrice, maxInterruption, providers, allowSpot, allowOnDemand);
            string key = string.Create(CultureInfo.InvariantCulture,
                $"{alternatives}|{cpu}|{memory:R}|{gpuCount}|{gpuType}|{(regions is null ? "-" : string.Join(',', regions))}|{maxPrice}|{maxInterruption:R}|{(providers is null ? "-" : string.Join(',', providers))}|{allowSpot}|{allowOnDemand}");
            if (seen.Add(key)) requests.Add((requirements, alternatives));
        }

        return requests;
    }

    private sealed record EstimateCase(string Label, PlacementRequirements Requirements, int Alternatives = 5);

    /// <summary>
    /// A fixed, varied set of requirements. GPU names and regions are picked from the book, so every case is valid
    /// on this data (a case that cannot be built stops the suite with the known names).
    /// </summary>
    private static List<EstimateCase> Cases(OfferBook book)
    {
        string t4 = Gpu(book, "t4"), a100 = Gpu(book, "a100"), v100 = Gpu(book, "v100");
        string aws = Region(book, "sim-aws", "us-east-1"), aws2 = Region(book, "sim-aws", "eu-west-1");
        string azure = Region(book, "sim-azure", "eastus"), azure2 = Region(book, "sim-azure", "westeurope");
        string gcp = Region(book, "sim-gcp", "us-central1");
        return
        [
            new("cpu tiny 1 vCPU / 0.5 GiB", new(1, 0.5)),
            new("cpu small 2 / 4", new(2, 4)),
            new("cpu medium 8 / 32", new(8, 32)),
            new("cpu large 64 / 256", new(64, 256)),
            new("cpu huge 96 / 384", new(96, 384)),
            new("memory heavy 16 / 512", new(16, 512)),
            new("memory extreme 32 / 1,900", new(32, 1_900)),
            new("any gpu 4 / 16 x1", new(4, 16, GpuCount: 1)),
            new($"{t4} x1", new(4, 16, GpuCount: 1, GpuType: t4)),
            new($"{t4} x4 max $2/h", new(16, 64, GpuCount: 4, GpuType: t4, MaxPricePerHour: 2m)),
            new($"{a100} x8", new(96, 680, GpuCount: 8, GpuType: a100)),
            new($"{a100} x1 spot only, interruption <= 10%", new(8, 64, GpuCount: 1, GpuType: a100, MaxInterruptionRate: 0.10, AllowOnDemand: false)),
            new($"{v100} x4", new(32, 240, GpuCount: 4, GpuType: v100)),
            new($"regions {aws}, {aws2}", new(4, 16, PreferredRegions: [aws, aws2])),
            new($"regions {azure}, {azure2}", new(8, 32, PreferredRegions: [azure, azure2])),
            new($"region {gcp}", new(2, 8, PreferredRegions: [gcp])),
            new("max $0.05/h 2 / 4", new(2, 4, MaxPricePerHour: 0.05m)),
            new("interruption <= 5% 8 / 32", new(8, 32, MaxInterruptionRate: 0.05)),
            new("provider aws 4 / 16", new(4, 16, Providers: ["aws"])),
            new("providers azure, gcp 16 / 64", new(16, 64, Providers: ["azure", "gcp"])),
            new("on-demand only 8 / 32", new(8, 32, AllowSpot: false)),
            new("spot only max $1/h 32 / 128", new(32, 128, MaxPricePerHour: 1m, AllowOnDemand: false)),
            new("broad 2 / 2, 50 alternatives", new(2, 2), Alternatives: 50),
            new($"impossible: {a100} x8 under $0.01/h in {gcp}", new(96, 680, GpuCount: 8, GpuType: a100, PreferredRegions: [gcp], MaxPricePerHour: 0.01m)),
        ];
    }

    private static string Gpu(OfferBook book, string model) =>
        book.GpuTypes.FirstOrDefault(g => g.Equals("nvidia-" + model, StringComparison.OrdinalIgnoreCase))
        ?? book.GpuTypes.FirstOrDefault(g => g.Contains(model, StringComparison.OrdinalIgnoreCase))
        ?? throw new InvalidOperationException($"No GPU type like '{model}' in the book; known: {string.Join(", ", book.GpuTypes)}.");

    /// <summary>The region if the provider offers it, else the provider's first region.</summary>
    private static string Region(OfferBook book, string provider, string preferred)
    {
        var regions = book.RegionsOf(book.ProviderByName[provider].Index);
        return regions.FirstOrDefault(r => r.Equals(preferred, StringComparison.OrdinalIgnoreCase))
            ?? regions.FirstOrDefault()
            ?? throw new InvalidOperationException($"Provider {provider} has no regions in the book.");
    }

    private static void MeasureEstimates(SuiteContext context, BenchResult result, OfferBook book, TimeSpan warmup, TimeSpan measure)
    {
        var engine = new PlacementEngine(new OfferBookHolder { Current = book }, Options.Create(new PlacementOptions()));
        var cases = Cases(book);
        context.Log($"[cached] {cases.Count} fixed requirement sets over {book.MarketCount:N0} markets, asked round-robin: after the first round every estimate is a cache hit (one price version throughout). One estimate of each:");
        foreach (var c in cases)
        {
            var estimate = engine.Estimate(c.Requirements, c.Alternatives);
            var top = estimate.Recommended is { } r ? $"{r.Provider} {r.Region} {r.InstanceType} {r.Market} ${r.PricePerHour:0.####}/h" : "nothing fits";
            var reasons = estimate.Recommended is null && estimate.Rejections.Count > 0 ? $" ({string.Join("; ", estimate.Rejections.Take(3).Select(x => x.Message))})" : "";
            context.Log($"[cached]   {c.Label,-52} accepted {estimate.OffersAccepted,7:N0} of {estimate.OffersConsidered:N0}, {1 + estimate.Alternatives.Count - (estimate.Recommended is null ? 1 : 0),2} options; best: {top}{reasons}");
        }

        context.Log($"[cached] Warm-up {warmup.TotalSeconds:0.#} s, round-robin on one thread ...");
        RunEstimates(engine, cases, warmup, null, null);
        CollectGarbage();
        context.Log($"[cached] Measuring {measure.TotalSeconds:0.#} s, every call timed ...");
        var all = new LatencyRecorder();
        var perCase = cases.Select(_ => new LatencyRecorder()).ToArray();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var pauseBefore = GC.GetTotalPauseDuration();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var (calls, elapsed) = RunEstimates(engine, cases, measure, all, perCase);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        var pauses = GC.GetTotalPauseDuration() - pauseBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;

        double perSecond = calls / elapsed.TotalSeconds;
        double bytesPerCall = allocated / (double)calls;
        context.Log($"[cached] {calls:N0} estimates in {elapsed.TotalSeconds:0.00} s = {perSecond:N0}/s; p50 {all.PercentileMs(0.5):0.###} ms, p99 {all.PercentileMs(0.99):0.###} ms, p99.9 {all.PercentileMs(0.999):0.###} ms, max {all.MaxMs:0.###} ms, mean {all.MeanMs:0.###} ms; {bytesPerCall:N0} bytes allocated per call; GCs gen0/1/2 {gen0}/{gen1}/{gen2}, paused {pauses.TotalMilliseconds:0} ms");
        int slowest = Enumerable.Range(0, cases.Count).MaxBy(i => perCase[i].PercentileTicks(0.99));
        int fastest = Enumerable.Range(0, cases.Count).MinBy(i => perCase[i].PercentileTicks(0.5));
        context.Log($"[cached] slowest set by p99: '{cases[slowest].Label}' p50 {perCase[slowest].PercentileMs(0.5):0.###} ms, p99 {perCase[slowest].PercentileMs(0.99):0.###} ms; fastest by p50: '{cases[fastest].Label}' p50 {perCase[fastest].PercentileMs(0.5):0.###} ms");
        result.Add("cached_estimate_requirement_sets", cases.Count)
            .Add("cached_estimate_warmup_s", warmup.TotalSeconds)
            .Add("cached_estimate_measure_s", measure.TotalSeconds)
            .Add("cached_estimate_calls", calls)
            .Add("cached_estimate_p50_ms", BenchEnvironment.Significant(all.PercentileMs(0.5)))
            .Add("cached_estimate_p99_ms", BenchEnvironment.Significant(all.PercentileMs(0.99)))
            .Add("cached_estimate_p999_ms", BenchEnvironment.Significant(all.PercentileMs(0.999)))
            .Add("cached_estimate_max_ms", BenchEnvironment.Significant(all.MaxMs))
            .Add("cached_estimate_mean_ms", BenchEnvironment.Significant(all.MeanMs))
            .Add("cached_estimates_per_s", Math.Round(perSecond))
            .Add("cached_estimate_allocated_bytes_per_call", Math.Round(bytesPerCall))
            .Add("cached_estimate_gc_gen0_count", gen0)
            .Add("cached_estimate_gc_gen1_count", gen1)
            .Add("cached_estimate_gc_gen2_count", gen2)
            .Add("cached_estimate_gc_pause_ms", Math.Round(pauses.TotalMilliseconds, 1))
            .Add("cached_estimate_slowest_set", cases[slowest].Label)
            .Add("cached_estimate_slowest_set_p99_ms", BenchEnvironment.Significant(perCase[slowest].PercentileMs(0.99)));
    }

    /// <summary>Runs the cases round-robin on this thread for <paramref name="duration"/>, timing each call when given recorders.</summary>
    private static (long Calls, TimeSpan Elapsed) RunEstimates(PlacementEngine engine, List<EstimateCase> cases, TimeSpan duration, LatencyRecorder? all, LatencyRecorder[]? perCase)
    {
        long start = Stopwatch.GetTimestamp();
        long end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long calls = 0, now = start;
        int next = 0;
        while (now < end)
        {
            var c = cases[next];
            long t0 = Stopwatch.GetTimestamp();
            var estimate = engine.Estimate(c.Requirements, c.Alternatives);
            now = Stopwatch.GetTimestamp();
            if (estimate.OffersConsidered == 0) throw new InvalidOperationException("An estimate considered no offers.");
            all?.Record(now - t0);
            perCase?[next].Record(now - t0);
            calls++;
            if (++next == cases.Count) next = 0;
        }

        return (calls, Stopwatch.GetElapsedTime(start, now));
    }

    // ---- 4. Full refresh -------------------------------------------------------------------------------------

    /// <summary>
    /// Each round moves the manual clock by <see cref="RefreshStep"/>, then fetches every region's spot prices from its
    /// cloud, turns them into <see cref="MarketPriceChange"/>s with the market's current interruption rate, and applies
    /// each region's list to the book. The first round (compiling the path) is reported on its own; the figure is the
    /// median of the others.
    /// </summary>
    private static async Task MeasureRefreshAsync(SuiteContext context, BenchResult result, OfferBook book, (string Name, SimulatedCloud Cloud)[] clouds, ManualClock clock, int rounds, CancellationToken ct)
    {
        var regions = new List<(string Provider, SimulatedCloud Cloud, string Region)>();
        foreach (var (name, cloud) in clouds)
        {
            foreach (var region in await cloud.ListRegionsAsync(ct)) regions.Add((name, cloud, region.Name));
        }

        context.Log($"[refresh] {rounds + 1} rounds over {regions.Count} regions, the clock moved {RefreshStep.TotalHours:0} h ({RefreshStep.TotalHours * 60:0} h of prices at Speed 60) before each; the first round is the cold one ...");
        var totals = new List<double>();
        var applies = new List<double>();
        int points = 0;
        for (int round = 0; round <= rounds; round++)
        {
            ct.ThrowIfCancellationRequested();
            clock.Advance(RefreshStep);
            CollectGarbage();
            int fetched = 0, changed = 0, applied = 0;
            long applyTicks = 0;
            long start = Stopwatch.GetTimestamp();
            foreach (var (provider, cloud, region) in regions)
            {
                var prices = await cloud.GetSpotPricesAsync(region, ct);
                var changes = new List<MarketPriceChange>(prices.Count);
                foreach (var price in prices)
                {
                    int i = book.Find(provider, region, price.Zone, price.InstanceType);
                    double rate = i >= 0 ? book.Markets.InterruptionRate[i] : 0;
                    if (i >= 0 && Volatile.Read(ref book.Markets.Spot[i]) != OfferBook.ToUnits(price.PricePerHour)) changed++;
                    changes.Add(new MarketPriceChange(price.Zone, price.InstanceType, price.PricePerHour, price.Timestamp, rate));
                }

                fetched += prices.Count;
                long a0 = Stopwatch.GetTimestamp();
                applied += book.Apply(provider, region, changes);
                applyTicks += Stopwatch.GetTimestamp() - a0;
            }

            double totalMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            double applyMs = LatencyRecorder.TicksToMs(applyTicks);
            context.Log($"[refresh]   round {round + 1}{(round == 0 ? " (cold)" : "")}: {fetched:N0} prices fetched, {changed:N0} changed, {applied:N0} applied; {totalMs:0.0} ms in all, of which applying {applyMs:0.0} ms");
            if (applied != fetched) throw new InvalidOperationException($"The book knew {applied} of the {fetched} prices fetched.");
            if (round == 0)
            {
                result.Add("full_refresh_cold_ms", Math.Round(totalMs, 1));
                continue;
            }

            totals.Add(totalMs);
            applies.Add(applyMs);
            points = fetched;
        }

        result.Add("refresh_rounds", rounds)
            .Add("refresh_regions", regions.Count)
            .Add("refresh_price_points", points)
            .Add("full_refresh_ms", Math.Round(Median(totals), 1))
            .Add("full_refresh_max_ms", Math.Round(totals.Max(), 1))
            .Add("full_refresh_apply_ms", Math.Round(Median(applies), 1));
        context.Log($"[refresh] median of {rounds} warm rounds: {Median(totals):0.0} ms (max {totals.Max():0.0} ms), applying {Median(applies):0.0} ms, {points:N0} price points");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    // ---- 5. Ingest rate --------------------------------------------------------------------------------------

    /// <summary>
    /// Lists of changes for every spot-priced market, grouped by provider region as a feed applies them, built before
    /// the clock starts: <paramref name="rounds"/> rounds, each with every price moved by a different factor. The
    /// figure is every change of every round applied, over the time it took.
    /// </summary>
    private static void MeasureIngest(SuiteContext context, BenchResult result, OfferBook book, int rounds)
    {
        var m = book.Markets;
        var groups = new List<(string Provider, string Region, int[] Markets)>();
        for (int i = 0; i < m.Count;)
        {
            int j = i;
            var markets = new List<int>();
            while (j < m.Count && m.Provider[j] == m.Provider[i] && m.Region[j] == m.Region[i])
            {
                if (m.Spot[j] != OfferBook.NoPrice) markets.Add(j);
                j++;
            }

            if (markets.Count > 0) groups.Add((book.Providers[m.Provider[i]].Name, book.Regions[m.Region[i]], markets.ToArray()));
            i = j;
        }

        var at = DateTimeOffset.UtcNow;
        var batches = new List<(string Provider, string Region, List<MarketPriceChange> Changes)>();
        for (int round = 0; round < rounds; round++)
        {
            decimal factor = 1 + 0.01m * (round + 1);
            foreach (var (provider, region, markets) in groups)
            {
                var changes = new List<MarketPriceChange>(markets.Length);
                foreach (int i in markets)
                {
                    changes.Add(new MarketPriceChange(m.Zone[i], m.InstanceType[i], decimal.Round(OfferBook.ToDollars(m.Spot[i]) * factor, 6), at.AddMinutes(round), m.InterruptionRate[i]));
                }

                batches.Add((provider, region, changes));
            }
        }

        long total = batches.Sum(b => (long)b.Changes.Count);
        context.Log($"[ingest] Applying {rounds} rounds of changes to all {groups.Sum(g => g.Markets.Length):N0} spot markets ({total:N0} price points in {batches.Count:N0} region lists, built beforehand) ...");
        CollectGarbage();
        long applied = 0;
        long start = Stopwatch.GetTimestamp();
        foreach (var (provider, region, changes) in batches) applied += book.Apply(provider, region, changes);
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (applied != total) throw new InvalidOperationException($"The book applied {applied} of {total} changes.");
        double perSecond = applied / elapsed.TotalSeconds;
        context.Log($"[ingest] {applied:N0} points in {elapsed.TotalMilliseconds:0.0} ms = {perSecond:N0} points/s ({elapsed.TotalMilliseconds * 1_000_000 / applied:0} ns per point)");
        result.Add("ingest_rounds", rounds)
            .Add("ingest_price_points", applied)
            .Add("ingest_ms", Math.Round(elapsed.TotalMilliseconds, 1))
            .Add("ingest_price_points_per_s", Math.Round(perSecond));
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /// <summary>Full blocking compacting collections until finalizers are done; returns the live managed heap in bytes.</summary>
    private static long CollectGarbage()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static void Check(SuiteContext context, BenchResult result, List<string> missed, string key, string comparison, double target, string unit)
    {
        double value = Convert.ToDouble(result[key], CultureInfo.InvariantCulture);
        bool met = comparison switch
        {
            ">" => value > target,
            ">=" => value >= target,
            "<=" => value <= target,
            _ => throw new ArgumentOutOfRangeException(nameof(comparison), comparison, "Unknown comparison."),
        };
        if (!met) missed.Add(key);
        context.Log($"  {key,-40} {value.ToString("#,0.####", CultureInfo.InvariantCulture),14} {unit,-14} target {comparison,-2} {target.ToString("#,0.####", CultureInfo.InvariantCulture),-8} {(met ? "met" : "MISSED")}");
    }
}
