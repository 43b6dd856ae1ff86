using System.Text.Json;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Playwright;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// The web console in Debian's chromium (headless, through Playwright) against the silo executable on the embedded
/// default (a throwaway PostgreSQL, the three simulated clouds of Silo/providers.json). (1) The first page interactive:
/// from navigation start to the login form being usable, in a fresh browser context each time (no cache); (2) the first
/// page after sign-in (#/workloads with its list and live estimate) until its first refresh has drawn the data; both
/// read from the page's own performance marks. (3) The market chart given a week of one region's prices (6 zones, the
/// history route's largest answer the console asks for, and the route's maximum of 10,000 a zone): the chart's own
/// render time and the longest main-thread task while it loads (Chromium's long-task timing). Options: --runs (10).
/// </summary>
internal sealed class ConsoleSuite : ISuite
{
    private const double TargetInteractiveMs = 1_000, TargetLongestTaskMs = 200;
    private const string Chromium = "/usr/bin/chromium";

    public string Name => "console";

    public string Description => "the web console in chromium: first page interactive (login, and #/workloads signed in), the 7-day market chart's render time and longest task";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        int runs = (int)context.Option("runs", 10);
        if (!File.Exists(Chromium)) throw new InvalidOperationException($"The console suite needs Debian's chromium at {Chromium} (apt-get install chromium).");

        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("Starting a throwaway PostgreSQL ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false }, context.Progress, ct);
        var database = await BenchDatabases.CreateAsync(postgres.ConnectionString, "bench_console", ct);
        string adminToken = SiloProcess.NewAdminToken();
        await using var silo = SiloProcess.Start(context.RepositoryRoot, new SiloProcessOptions("silo", database, adminToken)
        {
            OnLine = line => { if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)) context.Log($"silo: {line}"); },
        });
        await silo.WaitUntilServingAsync(TimeSpan.FromMinutes(2), ct);
        context.Log($"The silo serves on port {silo.HttpPort}.");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        result.Add("browser", $"chromium {browser.Version} (headless)");
        result.Add("runs", runs);

        // One warm-up of each, not counted: the silo's JIT and the browser's first process start.
        await LoginReadyAsync(browser, silo.BaseAddress);
        await SignedInReadyAsync(browser, silo.BaseAddress, adminToken);

        var login = new List<double>();
        var signedIn = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            ct.ThrowIfCancellationRequested();
            login.Add(await LoginReadyAsync(browser, silo.BaseAddress));
            signedIn.Add(await SignedInReadyAsync(browser, silo.BaseAddress, adminToken));
        }

        Summarise(context, result, "login_interactive", login);
        Summarise(context, result, "workloads_page_ready", signedIn);

        foreach (int perZone in new[] { 5_000, 10_000 })
        {
            var (render, longest, drawn, total) = await WeekChartAsync(browser, silo.BaseAddress, adminToken, perZone);
            context.Log($"7-day chart, 6 zones x {perZone} prices: render {render:0.0} ms, longest task {longest:0} ms, {drawn} vertices drawn for {total} prices.");
            result.Add($"chart_7d_{perZone}_per_zone_render_ms", Math.Round(render, 1));
            result.Add($"chart_7d_{perZone}_per_zone_longest_task_ms", Math.Round(longest, 0));
            result.Add($"chart_7d_{perZone}_per_zone_points", total);
            result.Add($"chart_7d_{perZone}_per_zone_vertices_drawn", drawn);
        }

        var missed = new List<string>();
        Targets.Check(context, result, missed, "login_interactive_p95_ms", TargetInteractiveMs, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "workloads_page_ready_p95_ms", TargetInteractiveMs, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "chart_7d_10000_per_zone_longest_task_ms", TargetLongestTaskMs, higherIsBetter: false, "ms");
        result.Add("targets_missed", missed);
        return result;
    }

    private static async Task<double> LoginReadyAsync(IBrowser browser, Uri baseAddress)
    {
        await using var session = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        var page = await session.NewPageAsync();
        await page.GotoAsync("/console/");
        return await MarkAsync(page, "console-login-ready");
    }

    private static async Task<double> SignedInReadyAsync(IBrowser browser, Uri baseAddress, string token)
    {
        await using var session = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        await session.AddInitScriptAsync($"sessionStorage.setItem('arbitrage.console.token', {JsonSerializer.Serialize(token)}); sessionStorage.setItem('arbitrage.console.project', 'default');");
        var page = await session.NewPageAsync();
        await page.GotoAsync("/console/#/workloads");
        return await MarkAsync(page, "console-page-ready");
    }

    /// <summary>Milliseconds from navigation start to the page's performance mark.</summary>
    private static async Task<double> MarkAsync(IPage page, string mark)
    {
        await page.WaitForFunctionAsync($"() => performance.getEntriesByName('{mark}').length > 0", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
        return await page.EvaluateAsync<double>($"() => performance.getEntriesByName('{mark}')[0].startTime");
    }

    private static async Task<(double RenderMs, double LongestTaskMs, int Drawn, int Total)> WeekChartAsync(IBrowser browser, Uri baseAddress, string token, int perZone)
    {
        await using var session = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await session.AddInitScriptAsync($$"""
            sessionStorage.setItem('arbitrage.console.token', {{JsonSerializer.Serialize(token)}});
            window.__longTasks = [];
            new PerformanceObserver(list => list.getEntries().forEach(e => window.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
            """);
        var json = WeekJson(perZone);
        var page = await session.NewPageAsync();
        await page.RouteAsync("**/v1/pricing/history?*", route => route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = json }));
        await page.GotoAsync("/console/#/market");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=price-chart]')?.dataset.state === 'drawn'", null, new PageWaitForFunctionOptions { Timeout = 60_000 });
        var chart = page.GetByTestId("price-chart");
        double render = double.Parse((await chart.GetAttributeAsync("data-render-ms"))!, System.Globalization.CultureInfo.InvariantCulture);
        int drawn = int.Parse((await chart.GetAttributeAsync("data-points-drawn"))!, System.Globalization.CultureInfo.InvariantCulture);
        int total = int.Parse((await chart.GetAttributeAsync("data-points-total"))!, System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForTimeoutAsync(500); // long-task entries arrive after the task
        double longest = await page.EvaluateAsync<double>("() => Math.max(0, ...window.__longTasks)");
        return (render, longest, drawn, total);
    }

    /// <summary>A week of six zones' prices in the history route's shape, evenly spaced, with a daily swing.</summary>
    private static string WeekJson(int perZone)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-7);
        var series = Enumerable.Range(0, 6).Select(z => new
        {
            zone = $"use1-az{z + 1}", sourcePoints = perZone,
            points = Enumerable.Range(0, perZone).Select(i => new
            {
                timestamp = start.AddSeconds(i * 7 * 24 * 3600.0 / (perZone - 1)),
                pricePerHour = Math.Round(0.035m + z * 0.002m + (decimal)Math.Sin(i * 7 * 2 * Math.PI / perZone) * 0.004m + (i % 13) * 0.0001m, 6),
            }),
        });
        return JsonSerializer.Serialize(new { provider = "sim-aws", region = "us-east-1", instanceType = "m5.large", maxPoints = perZone, downsampled = false, series, message = (string?)null });
    }

    private static void Summarise(SuiteContext context, BenchResult result, string key, List<double> samples)
    {
        samples.Sort();
        double Percentile(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];
        context.Log($"{key}: median {Percentile(0.5):0} ms, p95 {Percentile(0.95):0} ms, max {samples[^1]:0} ms over {samples.Count} runs.");
        result.Add($"{key}_median_ms", Math.Round(Percentile(0.5), 1));
        result.Add($"{key}_p95_ms", Math.Round(Percentile(0.95), 1));
        result.Add($"{key}_max_ms", Math.Round(samples[^1], 1));
    }
}
