using Microsoft.Playwright;

namespace Arbitrage.Orleans.Tests.Console;

/// <summary>
/// Debian's chromium driven by Playwright (browsers are never downloaded here): headless, no sandbox, nothing fetched
/// from the network. Screenshots go to <see cref="ScreenshotDirectory"/>: <c>CONSOLE_SCREENSHOTS</c> when set, else
/// <c>TestResults/console-screenshots</c> under the test output directory.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly string[] ChromiumArguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDirectory { get; } =
        Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "TestResults", "console-screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"The console tests need Debian's chromium at {ChromiumPath} (apt-get install chromium; .ci/run installs it).");
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArguments });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }

    /// <summary>
    /// A fresh browser context (its own session storage) on the silo, with generous waits for a shared machine. Every
    /// API answer the console reads is checked against the silo's contracts on its way to the page; what does not match
    /// is kept for <see cref="TakeViolations"/>.
    /// </summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress, Contracts.SiloContracts contracts)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        await context.RouteAsync(url => IsApi(baseAddress, url), async route =>
        {
            var response = await route.FetchAsync();
            var (_, problem) = await contracts.CheckAsync(route.Request.Method, new Uri(route.Request.Url).AbsolutePath, response.Status, await response.TextAsync());
            if (problem is not null) _violations.Enqueue(problem);
            await route.FulfillAsync(new RouteFulfillOptions { Response = response });
        });
        return await context.NewPageAsync();
    }

    /// <summary>The answers the console read since the last call that broke the silo's contracts.</summary>
    public IReadOnlyList<string> TakeViolations()
    {
        var taken = new List<string>();
        while (_violations.TryDequeue(out var violation)) taken.Add(violation);
        return taken;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _violations = new();

    /// <summary>A request of the console to the API (not its own files).</summary>
    private static bool IsApi(Uri baseAddress, string url) =>
        new Uri(url) is { } uri && uri.Authority == baseAddress.Authority && !uri.AbsolutePath.StartsWith("/console", StringComparison.Ordinal);

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
}
