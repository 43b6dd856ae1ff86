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

    /// <summary>A fresh browser context (its own session storage) on the silo, with generous waits for a shared machine.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
}
