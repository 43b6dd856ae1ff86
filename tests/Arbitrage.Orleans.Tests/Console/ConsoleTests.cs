using System.Text.Json;
using System.Text.RegularExpressions;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Arbitrage.Orleans.Tests.Console;

/// <summary>
/// The web console at /console driven in chromium against a real silo over real HTTP (the workload silo: real
/// PostgreSQL, simulated clouds with fast boots and a 2 s billing period). Screenshots: <see cref="ConsoleBrowser.ScreenshotDirectory"/>.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class ConsoleTests(WorkloadSiloFixture fixture, ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>, IDisposable
{
    /// <summary>Every API answer the console read during the test matched the silo's OpenAPI document (and the seed's schemas).</summary>
    public void Dispose()
    {
        var violations = browser.TakeViolations();
        Assert.True(violations.Count == 0, "The console read answers that break the API's contracts:\n" + string.Join("\n", violations));
    }

    private static readonly LocatorAssertionsToBeVisibleOptions Long = new() { Timeout = 90_000 };

    private async Task<IPage> SignedInAsync(string token, string project = "default")
    {
        var page = await browser.NewPageAsync(fixture.Silo.BaseAddress, fixture.Silo.Contracts);
        await page.GotoAsync("/console");
        await page.GetByTestId("login-token").FillAsync(token);
        await page.GetByTestId("login-project").FillAsync(project);
        await page.GetByTestId("login-submit").ClickAsync();
        // Signed in: the workloads page is shown (the nav only appears then).
        await Expect(page.GetByTestId("main")).ToHaveAttributeAsync("data-page", "workloads");
        await Expect(page.GetByTestId("nav-workloads")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Runs an expectation; when it fails, the failure carries what the console's error area showed (an API refusal).</summary>
    private static async Task ExpectPageAsync(IPage page, string what, Func<Task> expectation)
    {
        try
        {
            await expectation();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            var error = page.GetByTestId("error");
            string shown = await error.IsVisibleAsync() ? await error.InnerTextAsync() : "(no error shown)";
            await ConsoleBrowser.ScreenshotAsync(page, "failed-" + Regex.Replace(what, "[^a-z]+", "-"));
            throw new Xunit.Sdk.XunitException($"{what}: {e.Message}; the console shows: {shown}");
        }
    }

    [Fact]
    public async Task A_person_creates_a_workload_watches_it_run_move_and_end_and_sees_the_charge()
    {
        var page = await SignedInAsync(SiloProcess.AdminToken);
        await using var session = page.Context;

        // The form with its live estimate beside it.
        string name = $"console-{Guid.NewGuid():N}"[..20];
        await page.GetByTestId("create-name").FillAsync(name);
        await page.GetByTestId("create-minCPU").FillAsync("2");
        await page.GetByTestId("create-minMemoryGB").FillAsync("4");
        await Expect(page.GetByTestId("estimate-recommended")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("estimate-recommended")).ToContainTextAsync("Recommended");
        await ConsoleBrowser.ScreenshotAsync(page, "1-create-with-estimate");

        await page.GetByTestId("create-submit").ClickAsync();
        await ExpectPageAsync(page, "the console opens the new workload", () => Expect(page).ToHaveURLAsync(new Regex("#/workloads/wk-"), new() { Timeout = 90_000 }));
        string id = page.Url[(page.Url.LastIndexOf('/') + 1)..];
        await Expect(page.GetByTestId("workload-status")).ToHaveTextAsync("RUNNING", new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("timeline-bar")).ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(page, "2-running");

        // Interrupt it: the timeline shows the move, the first placement ended by the interruption.
        await page.GetByTestId("interrupt").ClickAsync();
        await Expect(page.GetByTestId("timeline-bar")).ToHaveCountAsync(2, new() { Timeout = 90_000 });
        await Expect(page.GetByTestId("timeline-bar").First).ToHaveAttributeAsync("data-end-reason", "SPOT_INTERRUPTION");
        await Expect(page.GetByTestId("workload-status")).ToHaveTextAsync("RUNNING", new() { Timeout = 90_000 });
        await Expect(page.Locator("[data-testid=event-row][data-type=INTERRUPTION_NOTICE]")).ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(page, "3-moved");

        // Terminate it; the wallet's transactions show its charge.
        await page.GetByTestId("terminate").ClickAsync();
        await Expect(page.GetByTestId("workload-status")).ToHaveTextAsync("TERMINATED", new() { Timeout = 90_000 });
        await page.GetByTestId("nav-wallets").ClickAsync();
        await Expect(page.GetByTestId("wallet-balance")).ToContainTextAsync("$");
        var charge = page.Locator($"[data-testid=transaction-row][data-type=charge][data-resource-id='{id}']");
        await Expect(charge.First).ToBeVisibleAsync(Long);
        Assert.True(decimal.Parse((await charge.First.GetAttributeAsync("data-amount"))!, System.Globalization.CultureInfo.InvariantCulture) < 0);
        // Its reservations are listed from the wallet's reservations route, with their status: committed once it ended.
        var held = page.Locator($"[data-testid=reservation-row][data-resource-id='{id}']");
        await Expect(held.First).ToBeVisibleAsync(Long);
        await Expect(page.Locator($"[data-testid=reservation-row][data-resource-id='{id}'][data-status=committed]").First).ToBeVisibleAsync(Long);
        await page.GetByTestId("reservation-status-filter").SelectOptionAsync("active");
        await Expect(held).ToHaveCountAsync(0);
        await page.GetByTestId("reservation-status-filter").SelectOptionAsync("committed");
        await Expect(held.First).ToHaveAttributeAsync("data-status", "committed");
        await ConsoleBrowser.ScreenshotAsync(page, "4-wallet-charge");

        // The list filters by status.
        await page.GetByTestId("nav-workloads").ClickAsync();
        await page.GetByTestId("workload-status-filter").SelectOptionAsync("TERMINATED");
        await Expect(page.Locator($"[data-testid=workload-row][data-id='{id}']")).ToHaveAttributeAsync("data-status", "TERMINATED");
        await page.GetByTestId("workload-status-filter").SelectOptionAsync("RUNNING");
        await Expect(page.Locator($"[data-testid=workload-row][data-id='{id}']")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_bad_token_is_shown_with_the_apis_code_and_message_and_nothing_is_kept()
    {
        var page = await browser.NewPageAsync(fixture.Silo.BaseAddress, fixture.Silo.Contracts);
        await using var session = page.Context;
        await page.GotoAsync("/console/");
        await page.GetByTestId("login-token").FillAsync("arb_not-a-real-token");
        await page.GetByTestId("login-submit").ClickAsync();

        await Expect(page.GetByTestId("error-code")).ToHaveTextAsync("UNAUTHORIZED");
        await Expect(page.GetByTestId("error-message")).Not.ToBeEmptyAsync();
        await Expect(page.GetByTestId("login")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("nav-workloads")).ToBeHiddenAsync(); // no pages to go to before signing in
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('arbitrage.console.token')"));
        await ConsoleBrowser.ScreenshotAsync(page, "error-bad-token");
    }

    [Fact]
    public async Task An_invalid_form_value_is_shown_as_the_api_states_it()
    {
        var (_, client) = await fixture.NewTenantAsync(10m);
        var page = await SignedInAsync(client.DefaultRequestHeaders.Authorization!.Parameter!);
        await using var session = page.Context;

        await page.GetByTestId("create-minCPU").FillAsync("0");
        // The live estimate says it first, beside the form ...
        await Expect(page.GetByTestId("estimate-error")).ToContainTextAsync("VALIDATION_ERROR");
        // ... and creating shows the API's refusal in the error area.
        await page.GetByTestId("create-submit").ClickAsync();
        await Expect(page.GetByTestId("error-code")).ToHaveTextAsync("VALIDATION_ERROR");
        await Expect(page.GetByTestId("error-field")).ToContainTextAsync("requirements.minCPU");
        await Expect(page.GetByTestId("error-message")).ToContainTextAsync("minCPU");
        await ConsoleBrowser.ScreenshotAsync(page, "error-invalid-form");
    }

    [Fact]
    public async Task The_market_chart_draws_a_week_of_a_regions_prices_reduced_to_its_width()
    {
        var page = await SignedInAsync(SiloProcess.AdminToken);
        await using var session = page.Context;
        // The silo's feeds hold prices since it started; the chart is given a week of six zones changing every two
        // minutes (5,000 points each, the most the console asks the route for) in the route's own shape.
        const int zones = 6, perZone = 5000;
        var start = DateTimeOffset.UtcNow.AddDays(-7);
        var week = new
        {
            provider = "sim-aws", region = "us-east-1", instanceType = "m5.large", from = (DateTimeOffset?)null, to = (DateTimeOffset?)null, maxPoints = 5000, downsampled = false,
            series = Enumerable.Range(0, zones).Select(z => new
            {
                zone = $"us-east-1{(char)('a' + z)}", sourcePoints = perZone,
                points = Enumerable.Range(0, perZone).Select(i => new { timestamp = start.AddSeconds(i * 7 * 24 * 3600.0 / (perZone - 1)), pricePerHour = 0.03m + z * 0.002m + (i % 97) * 0.0001m }),
            }),
            message = (string?)null,
        };
        string json = JsonSerializer.Serialize(week);
        await page.RouteAsync("**/v1/pricing/history?*", route => route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = json }));

        await page.GetByTestId("nav-market").ClickAsync();
        var chart = page.GetByTestId("price-chart");
        await Expect(chart).ToHaveAttributeAsync("data-state", "drawn", new() { Timeout = 60_000 });
        Assert.Equal(zones * perZone, int.Parse((await chart.GetAttributeAsync("data-points-total"))!));
        Assert.Equal(zones, int.Parse((await chart.GetAttributeAsync("data-series"))!));
        Assert.True(double.Parse((await chart.GetAttributeAsync("data-span-hours"))!, System.Globalization.CultureInfo.InvariantCulture) >= 167.9);
        int width = (int)(await chart.BoundingBoxAsync())!.Width;
        int drawn = int.Parse((await chart.GetAttributeAsync("data-points-drawn"))!);
        Assert.InRange(drawn, zones, zones * (4 * width + 4)); // at most a few vertices per pixel column, not one per price
        await ConsoleBrowser.ScreenshotAsync(page, "market-week");

        // The page still answers: the offers form works while the chart polls.
        await page.GetByTestId("offers-minCPU").FillAsync("4");
        await Expect(page.GetByTestId("offers-recommended")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_market_chart_draws_a_week_of_the_clouds_own_price_history_from_the_silo()
    {
        // No interception: the page asks the silo for the last seven days, which the simulated cloud answers from its
        // replayed history (AWS us-east-1 markets have their own), not only what the silo saw since it started.
        var page = await SignedInAsync(SiloProcess.AdminToken);
        await using var session = page.Context;
        await page.GetByTestId("nav-market").ClickAsync();

        var chart = page.GetByTestId("price-chart");
        await Expect(chart).ToHaveAttributeAsync("data-state", "drawn", new() { Timeout = 60_000 });
        await Expect(chart).ToHaveAttributeAsync("data-source", "provider");
        int series = int.Parse((await chart.GetAttributeAsync("data-series"))!);
        Assert.True(series > 1);
        int points = int.Parse((await chart.GetAttributeAsync("data-points-total"))!);
        Assert.True(points > 2 * series, $"a week of replayed changes, not {points} prices for {series} zones");
        var spanHours = double.Parse((await chart.GetAttributeAsync("data-span-hours"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(spanHours, 6 * 24, 7 * 24 + 1);
        await Expect(page.GetByTestId("price-legend")).ToContainTextAsync("use1-az");
        await Expect(page.GetByTestId("price-note")).ToContainTextAsync("the cloud's own price history");
    }

    [Fact]
    public async Task The_groups_page_shows_a_tenants_elastigroup_members_and_the_providers_page_their_health()
    {
        var (tenant, client) = await fixture.NewTenantAsync(50m);
        string token = client.DefaultRequestHeaders.Authorization!.Parameter!;
        var (created, body) = await Api.PostAsync(client, $"/v1/spot/{tenant}/elastigroups", """
            {"group": {"name": "console-group", "region": "us-east-1", "strategy": {"risk": 100, "fallbackToOd": true},
              "capacity": {"target": 1, "minimum": 1, "maximum": 2, "unit": "instance"},
              "compute": {"instanceTypes": {"ondemand": "t3.micro", "spot": ["t3.micro", "t3a.micro"]}, "launchSpecification": {"imageId": "ami-00000000000000000"}}}}
            """);
        Assert.Equal(System.Net.HttpStatusCode.OK, created.StatusCode);
        string group = body.GetProperty("response").GetProperty("items")[0].GetProperty("id").GetString()!;
        try
        {
            var page = await SignedInAsync(token, tenant);
            await using var session = page.Context;
            await page.GetByTestId("nav-groups").ClickAsync();
            await Expect(page.Locator($"[data-testid=group][data-id='{group}']")).ToContainTextAsync("console-group", new() { Timeout = 30_000 });
            await Expect(page.Locator("[data-testid=group-member][data-state=RUNNING]")).ToHaveCountAsync(1, new() { Timeout = 90_000 });
            await Expect(page.GetByTestId("group-member")).ToContainTextAsync("t3");
            await ConsoleBrowser.ScreenshotAsync(page, "groups");

            await page.GetByTestId("nav-providers").ClickAsync();
            await Expect(page.GetByTestId("provider-row")).ToHaveCountAsync(3);
            await Expect(page.Locator("[data-testid=provider-row][data-name=sim-aws]")).ToHaveAttributeAsync("data-status", "healthy", new() { Timeout = 60_000 });
            await ConsoleBrowser.ScreenshotAsync(page, "providers");
        }
        finally
        {
            await Api.SendAsync(client, HttpMethod.Delete, $"/v1/spot/{tenant}/elastigroups/{group}");
        }
    }

    [Fact]
    public async Task The_static_files_are_served_to_anyone_and_link_to_the_dashboard()
    {
        using var anonymous = fixture.Silo.ClientWith(null);
        var index = await anonymous.GetAsync("/console/");
        Assert.Equal(System.Net.HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType!.MediaType);
        Assert.Contains("../dashboard/", await index.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await anonymous.GetAsync("/console/js/app.js")).StatusCode);
        var (missing, body) = await Api.GetAsync(anonymous, "/console/nothing.js");
        Api.AssertError(missing, body, System.Net.HttpStatusCode.NotFound, "NOT_FOUND");
        // The API behind it still needs a token.
        var (refused, refusal) = await Api.GetAsync(anonymous, "/v1/workloads");
        Api.AssertError(refused, refusal, System.Net.HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }
}
