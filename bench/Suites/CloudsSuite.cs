using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Aws;
using Arbitrage.Orleans.Clouds.Real.Azure;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Tests.Clouds.Fakes;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// The real cloud adapters (Clouds.Real) against their local fakes (tests/Arbitrage.Orleans.CloudFakes), one call at a
/// time, for AWS, Azure and GCP in turn:
/// (1) describing an instance: the adapter's <see cref="ICloudAdapter.DescribeInstanceAsync"/> over distinct launched
/// instances, cold (the first call of a new adapter: credentials, token, SDK start-up, new connection) and warm, beside
/// the fake's own round trip for the very same requests, recorded from the adapter and sent again with a plain
/// HttpClient (same signature or bearer token, same body), so the ratio adapter/fake is what the adapter adds;
/// (2) ingesting spot prices from the paged price APIs (EC2 DescribeSpotPriceHistory, Azure Retail Prices, GCP Billing
/// Catalog) with the fake holding thousands of price records at the real APIs' page sizes, again beside the fake's own
/// round trip for the same pages.
/// Options: --calls (warm describes per cloud, default 1000), --cold (new adapters per cloud, 10), --instances (distinct
/// instances, 20), --price-records (records each fake holds beyond its own, 5000), --price-rounds (10).
/// </summary>
internal sealed class CloudsSuite : ISuite
{
    /// <summary>The real APIs' page sizes: EC2 MaxResults 1000, Retail Prices 100 a page, Billing Catalog pageSize up to 5000.</summary>
    private const int AwsPageSize = 1000;
    private const int AzurePageSize = 100;
    private const int GcpPageSize = 5000;

    public string Name => "clouds";

    public string Description => "real cloud adapters against their local fakes: describe latency cold and warm and its overhead over the fake's own round trip, spot prices ingested per second from the paged price APIs";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var settings = new Settings(
            Calls: (int)context.Option("calls", 1000),
            Cold: (int)context.Option("cold", 10),
            Instances: (int)context.Option("instances", 20),
            PriceRecords: (int)context.Option("price-records", 5000),
            PriceRounds: (int)context.Option("price-rounds", 10));
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release")
        {
            context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        }

        result.Add("describe_warm_calls", settings.Calls).Add("describe_cold_adapters", settings.Cold).Add("describe_distinct_instances", settings.Instances)
            .Add("price_rounds", settings.PriceRounds);

        await RunAwsAsync(context, settings, result);
        await RunAzureAsync(context, settings, result);
        await RunGcpAsync(context, settings, result);

        context.Log("Summary (p50 per call; ratio = adapter / the fake's own round trip for the same requests):");
        foreach (var cloud in new[] { "aws", "azure", "gcp" })
        {
            context.Log($"  {cloud,-6} describe warm {result[$"{cloud}_describe_p50_ms"]} ms vs fake {result[$"{cloud}_describe_fake_p50_ms"]} ms (x{result[$"{cloud}_describe_overhead_ratio"]}); "
                + $"cold {result[$"{cloud}_describe_cold_p50_ms"]} ms vs fake {result[$"{cloud}_describe_fake_cold_p50_ms"]} ms; "
                + $"prices {result[$"{cloud}_prices_ingested_per_s"]}/s vs fake {result[$"{cloud}_prices_fake_served_per_s"]}/s (x{result[$"{cloud}_prices_overhead_ratio"]})");
        }

        return result;
    }

    private static async Task RunAwsAsync(SuiteContext context, Settings settings, BenchResult result)
    {
        var ct = context.CancellationToken;
        await using var fake = await FakeAws.StartAsync();
        using var provider = new AwsTestProvider(fake);
        fake.BootOnLaunch = true;
        context.Log($"[aws] Fake EC2 at {fake.Url}; launching {settings.Instances} instances ...");
        var ids = new List<string>();
        using (var launcher = new Owned(provider.CreateAdapter()))
        {
            for (int i = 0; i < settings.Instances; i++)
            {
                var zone = FakeAws.Zones.Values.ElementAt(i % FakeAws.Zones.Count);
                var type = FakeAws.Types[i % FakeAws.Types.Count].Type;
                var launched = await launcher.Adapter.LaunchAsync(new LaunchRequest(FakeAws.Region, zone, type, Market.Spot, null, "ami-0abc1234", $"bench-{i}", null), ct);
                ids.Add(launched.InstanceId);
            }
        }

        using var raw = new Replayer(fake.Url, () => new SocketsHttpHandler());
        await DescribeAsync(context, "aws", settings, result, fake.Recorder, raw, ids, () => provider.CreateAdapter());

        // Prices: every market's history since a day ago, so each poll reads every record again (the adapter's clock stays a day back).
        for (int i = 0; i < settings.PriceRecords; i++)
        {
            var zoneId = FakeAws.Zones.Values.ElementAt(i % FakeAws.Zones.Count);
            var (type, _, _, _, spot) = FakeAws.Types[(i / FakeAws.Zones.Count) % FakeAws.Types.Count];
            fake.SetSpotPrice(zoneId, type, spot + ((i % 97) * 0.0001m));
        }

        fake.PageSize = AwsPageSize;
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddDays(-1));
        using var pricing = new Owned(new AwsCloudAdapterFactory(AwsTestProvider.Options(), clock, NullLoggerFactory.Instance).Create(provider.Settings));
        await PricesAsync(context, "aws", settings, result, fake.Recorder, raw, AwsPageSize, CountAwsRecords,
            () => pricing.Adapter.GetSpotPricesAsync(FakeAws.Region, ct), () => { });
    }

    private static async Task RunAzureAsync(SuiteContext context, Settings settings, BenchResult result)
    {
        var ct = context.CancellationToken;
        await using var fake = await FakeAzure.StartAsync();
        var secrets = AzureTesting.WriteSecrets();
        try
        {
            ICloudAdapter NewAdapter() => new AzureCloudAdapterFactory(AzureTesting.Options(fake)).Create(AzureTesting.Settings(fake, secrets));
            context.Log($"[azure] Fake Entra ID, ARM and Retail Prices at {fake.BaseAddress}; launching {settings.Instances} Spot VMs ...");
            var ids = new List<string>();
            using (var launcher = new Owned(NewAdapter()))
            {
                for (int i = 0; i < settings.Instances; i++)
                {
                    var launched = await launcher.Adapter.LaunchAsync(new LaunchRequest(FakeAzure.Region, "eastus-1", "Standard_D2s_v3", Market.Spot, null,
                        "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", $"bench-{i}", null), ct);
                    ids.Add(launched.InstanceId);
                }
            }

            using var raw = new Replayer(fake.BaseAddress, fake.TrustingHandler);
            await DescribeAsync(context, "azure", settings, result, fake.Recorder, raw, ids, NewAdapter);

            fake.ExtraSpotSizes = settings.PriceRecords;
            fake.PricePageSize = AzurePageSize;
            using var pricing = new Owned(NewAdapter());
            await PricesAsync(context, "azure", settings, result, fake.Recorder, raw, AzurePageSize, body => CountJsonArray(body, "Items"),
                () => pricing.Adapter.GetSpotPricesAsync(FakeAzure.Region, ct), () => { });
        }
        finally
        {
            File.Delete(secrets);
        }
    }

    private static async Task RunGcpAsync(SuiteContext context, Settings settings, BenchResult result)
    {
        var ct = context.CancellationToken;
        await using var fake = await FakeGcp.StartAsync();
        fake.AutoBoot = true;
        ICloudAdapter NewAdapter(TimeProvider? time = null) => new GcpCloudAdapterFactory(time).Create(GcpTestSettings.For(fake));
        context.Log($"[gcp] Fake OAuth, Compute Engine and Cloud Billing at {fake.BaseUrl}; launching {settings.Instances} Spot VMs ...");
        var ids = new List<string>();
        using (var launcher = new Owned(NewAdapter()))
        {
            for (int i = 0; i < settings.Instances; i++)
            {
                var zone = FakeGcp.Regions["us-central1"][i % FakeGcp.Regions["us-central1"].Length];
                var launched = await launcher.Adapter.LaunchAsync(new LaunchRequest("us-central1", zone, "n2-standard-2", Market.Spot, null, "", $"bench-{i}", null), ct);
                ids.Add(launched.InstanceId);
            }
        }

        using var raw = new Replayer(new Uri(fake.BaseUrl + "/"), () => new SocketsHttpHandler());
        await DescribeAsync(context, "gcp", settings, result, fake.Recorder, raw, ids, () => NewAdapter());

        fake.AddOtherRegionSkus(settings.PriceRecords);
        fake.SkuPageSize = GcpPageSize;
        // The adapter keeps the catalog a minute when asked for spot prices: its clock moves two minutes before each round.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        using var pricing = new Owned(NewAdapter(clock));
        await PricesAsync(context, "gcp", settings, result, fake.Recorder, raw, GcpPageSize, body => CountJsonArray(body, "skus"),
            () => pricing.Adapter.GetSpotPricesAsync("us-central1", ct), () => clock.Advance(TimeSpan.FromMinutes(2)));
    }

    /// <summary>Describe latency through the adapter (cold and warm) and of the same requests sent again without it.</summary>
    private static async Task DescribeAsync(SuiteContext context, string cloud, Settings settings, BenchResult result, RequestRecorder recorder, Replayer raw,
        IReadOnlyList<string> ids, Func<ICloudAdapter> newAdapter)
    {
        var ct = context.CancellationToken;

        // Cold: the first describe of a new adapter; against it, the same requests on a new connection.
        var cold = new LatencyRecorder();
        var fakeCold = new LatencyRecorder();
        for (int i = 0; i < settings.Cold; i++)
        {
            using var adapter = new Owned(newAdapter());
            recorder.Recording = true;
            long start = Stopwatch.GetTimestamp();
            var found = await adapter.Adapter.DescribeInstanceAsync(ids[i % ids.Count], ct);
            cold.Record(Stopwatch.GetTimestamp() - start);
            recorder.Recording = false;
            var requests = recorder.Take();
            if (found is null) throw new InvalidOperationException($"[{cloud}] instance {ids[i % ids.Count]} was not found.");
            using var fresh = raw.Fresh();
            start = Stopwatch.GetTimestamp();
            await fresh.SendAsync(requests, ct);
            fakeCold.Record(Stopwatch.GetTimestamp() - start);
        }

        // Warm: one adapter, distinct instances in turn; first the requests it makes for each instance, to send again.
        using var warm = new Owned(newAdapter());
        var perInstance = new List<IReadOnlyList<RecordedRequest>>();
        foreach (var id in ids)
        {
            await warm.Adapter.DescribeInstanceAsync(id, ct);
            recorder.Recording = true;
            await warm.Adapter.DescribeInstanceAsync(id, ct);
            recorder.Recording = false;
            perInstance.Add(recorder.Take());
        }

        int warmup = Math.Max(50, settings.Calls / 5);
        for (int i = 0; i < warmup; i++)
        {
            await warm.Adapter.DescribeInstanceAsync(ids[i % ids.Count], ct);
            await raw.SendAsync(perInstance[i % ids.Count], ct);
        }

        // Alternating blocks of adapter and raw calls, so a change of machine load falls on both alike.
        var adapterLatency = new LatencyRecorder();
        var fakeLatency = new LatencyRecorder();
        const int Block = 50;
        for (int done = 0; done < settings.Calls; done += Block)
        {
            for (int i = done; i < Math.Min(settings.Calls, done + Block); i++)
            {
                long start = Stopwatch.GetTimestamp();
                await warm.Adapter.DescribeInstanceAsync(ids[i % ids.Count], ct);
                adapterLatency.Record(Stopwatch.GetTimestamp() - start);
            }

            for (int i = done; i < Math.Min(settings.Calls, done + Block); i++)
            {
                long start = Stopwatch.GetTimestamp();
                await raw.SendAsync(perInstance[i % ids.Count], ct);
                fakeLatency.Record(Stopwatch.GetTimestamp() - start);
            }
        }

        result.Add($"{cloud}_describe_http_requests_per_call", perInstance.Average(r => r.Count));
        result.Add($"{cloud}_describe_p50_ms", Ms(adapterLatency.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_p99_ms", Ms(adapterLatency.PercentileMs(0.99)));
        result.Add($"{cloud}_describe_fake_p50_ms", Ms(fakeLatency.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_fake_p99_ms", Ms(fakeLatency.PercentileMs(0.99)));
        result.Add($"{cloud}_describe_overhead_ratio", Ratio(adapterLatency.PercentileMs(0.5), fakeLatency.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_overhead_p50_ms", Ms(adapterLatency.PercentileMs(0.5) - fakeLatency.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_cold_p50_ms", Ms(cold.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_cold_max_ms", Ms(cold.MaxMs));
        result.Add($"{cloud}_describe_fake_cold_p50_ms", Ms(fakeCold.PercentileMs(0.5)));
        result.Add($"{cloud}_describe_cold_overhead_ratio", Ratio(cold.PercentileMs(0.5), fakeCold.PercentileMs(0.5)));
        context.Log($"[{cloud}] describe warm: adapter p50 {adapterLatency.PercentileMs(0.5):0.000} ms p99 {adapterLatency.PercentileMs(0.99):0.000} ms; "
            + $"fake alone p50 {fakeLatency.PercentileMs(0.5):0.000} ms p99 {fakeLatency.PercentileMs(0.99):0.000} ms ({perInstance.Average(r => r.Count):0.#} request(s) a call)");
        context.Log($"[{cloud}] describe cold: adapter p50 {cold.PercentileMs(0.5):0.0} ms max {cold.MaxMs:0.0} ms; fake alone on a new connection p50 {fakeCold.PercentileMs(0.5):0.0} ms");
    }

    /// <summary>Spot prices read from the paged price API through the adapter, and the same pages fetched without it.</summary>
    private static async Task PricesAsync(SuiteContext context, string cloud, Settings settings, BenchResult result, RequestRecorder recorder, Replayer raw,
        int pageSize, Func<string, int> countRecords, Func<Task<IReadOnlyList<SpotPrice>>> ingest, Action beforeRound)
    {
        var ct = context.CancellationToken;
        beforeRound();
        await ingest(); // warm-up: catalog, zones, machine types and SKUs the adapter keeps, JIT
        beforeRound();
        recorder.Recording = true;
        var prices = await ingest();
        recorder.Recording = false;
        var pages = recorder.Take();
        var bodies = await raw.SendAsync(pages, ct);
        int records = bodies.Sum(countRecords);
        context.Log($"[{cloud}] prices: {records:N0} records in {pages.Count} page request(s) of up to {pageSize:N0}; the adapter returns {prices.Count} spot prices. Measuring {settings.PriceRounds} rounds ...");

        var adapterRound = new LatencyRecorder();
        var fakeRound = new LatencyRecorder();
        long adapterTicks = 0, fakeTicks = 0;
        for (int round = 0; round < settings.PriceRounds; round++)
        {
            beforeRound();
            long start = Stopwatch.GetTimestamp();
            await ingest();
            long took = Stopwatch.GetTimestamp() - start;
            adapterRound.Record(took);
            adapterTicks += took;

            start = Stopwatch.GetTimestamp();
            await raw.SendAsync(pages, ct);
            took = Stopwatch.GetTimestamp() - start;
            fakeRound.Record(took);
            fakeTicks += took;
        }

        double adapterSeconds = adapterTicks / (double)Stopwatch.Frequency;
        double fakeSeconds = fakeTicks / (double)Stopwatch.Frequency;
        result.Add($"{cloud}_prices_records_per_round", records);
        result.Add($"{cloud}_prices_page_requests_per_round", pages.Count);
        result.Add($"{cloud}_prices_page_size", pageSize);
        result.Add($"{cloud}_prices_round_p50_ms", Ms(adapterRound.PercentileMs(0.5)));
        result.Add($"{cloud}_prices_fake_round_p50_ms", Ms(fakeRound.PercentileMs(0.5)));
        result.Add($"{cloud}_prices_ingested_per_s", BenchEnvironment.Significant(records * settings.PriceRounds / adapterSeconds));
        result.Add($"{cloud}_prices_fake_served_per_s", BenchEnvironment.Significant(records * settings.PriceRounds / fakeSeconds));
        result.Add($"{cloud}_prices_overhead_ratio", Ratio(adapterSeconds, fakeSeconds));
        context.Log($"[{cloud}] prices: adapter {records * settings.PriceRounds / adapterSeconds:N0} records/s (round p50 {adapterRound.PercentileMs(0.5):0.0} ms); "
            + $"fake alone {records * settings.PriceRounds / fakeSeconds:N0} records/s (round p50 {fakeRound.PercentileMs(0.5):0.0} ms)");
    }

    private static int CountAwsRecords(string body)
    {
        int count = 0;
        for (int at = body.IndexOf("<availabilityZone>", StringComparison.Ordinal); at >= 0; at = body.IndexOf("<availabilityZone>", at + 1, StringComparison.Ordinal)) count++;
        return count;
    }

    private static int CountJsonArray(string body, string property) => JsonNode.Parse(body)?[property]?.AsArray().Count ?? 0;

    private static double Ms(double milliseconds) => BenchEnvironment.Significant(milliseconds, 3);

    private static double Ratio(double adapter, double fake) => fake > 0 ? BenchEnvironment.Significant(adapter / fake, 3) : double.NaN;

    private sealed record Settings(int Calls, int Cold, int Instances, int PriceRecords, int PriceRounds);

    /// <summary>An adapter disposed with the scope (adapters that hold SDK clients or pollers are disposable).</summary>
    private sealed class Owned(ICloudAdapter adapter) : IDisposable
    {
        public ICloudAdapter Adapter { get; } = adapter;

        public void Dispose() => (Adapter as IDisposable)?.Dispose();
    }

    /// <summary>Sends recorded requests again as they were (headers, signature, token, body) with a plain HttpClient.</summary>
    private sealed class Replayer(Uri baseAddress, Func<HttpMessageHandler> handler) : IDisposable
    {
        private static readonly HashSet<string> NotCopied = new(StringComparer.OrdinalIgnoreCase) { "Host", "Content-Length", "Transfer-Encoding", "Connection", "Expect" };

        private readonly HttpClient _client = new(handler()) { Timeout = TimeSpan.FromSeconds(30) };

        /// <summary>Another replayer on new connections (a cold client).</summary>
        public Replayer Fresh() => new(baseAddress, handler);

        /// <summary>Sends the requests in order and reads each answer whole; returns the answers' bodies.</summary>
        public async Task<IReadOnlyList<string>> SendAsync(IReadOnlyList<RecordedRequest> requests, CancellationToken cancellationToken)
        {
            var bodies = new List<string>(requests.Count);
            foreach (var recorded in requests)
            {
                using var request = new HttpRequestMessage(new HttpMethod(recorded.Method), new Uri(baseAddress, recorded.PathAndQuery.TrimStart('/')));
                if (recorded.Body.Length > 0 || recorded.Method is "POST" or "PUT" or "PATCH") request.Content = new ByteArrayContent(recorded.Body);
                foreach (var (name, value) in recorded.Headers)
                {
                    if (NotCopied.Contains(name)) continue;
                    if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    {
                        request.Content?.Headers.TryAddWithoutValidation(name, value);
                    }
                    else
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }
                }

                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"The fake refused a replayed {recorded.Method} {recorded.PathAndQuery}: {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes)}");
                }

                bodies.Add(Encoding.UTF8.GetString(bytes));
            }

            return bodies;
        }

        public void Dispose() => _client.Dispose();
    }
}
