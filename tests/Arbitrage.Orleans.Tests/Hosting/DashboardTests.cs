using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Hosting;

/// <summary>The Orleans dashboard at /dashboard on the HTTP port: operators only, and it shows the product's grains.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Only_the_admin_token_or_the_dashboard_password_opens_the_dashboard_and_its_counters_show_the_product_grains()
    {
        await using var silo = SiloProcess.Start(["--storage", "memory", "--Dashboard:Password", "let-me-in-0123"]);
        await silo.WaitUntilServingAsync();
        // Activate product grains: a wallet through the API, the price feeds and providers through the offer book sync.
        var (created, _) = await Api.PostAsync(silo.Http, "/api/v1/wallets", """{"project_id": "dash", "initial_balance": 1}""");
        Assert.True(created.IsSuccessStatusCode);

        using (var anonymous = new HttpClient { BaseAddress = silo.BaseAddress })
        {
            using var refused = await anonymous.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.StartsWith("Basic", refused.Headers.WwwAuthenticate.ToString());
        }

        using (var tenant = silo.ClientWith(await NonOperatorTokenAsync(silo)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await tenant.GetAsync("/dashboard/DashboardCounters")).StatusCode); // a caller, but not an operator
        }

        using (var browser = new HttpClient { BaseAddress = silo.BaseAddress })
        {
            browser.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("ops:let-me-in-0123")));
            using var page = await browser.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        // The admin token, as a bearer token: the counters name the product's grain types.
        string counters = "";
        await Eventually.TrueAsync(async () =>
        {
            using var response = await silo.Http.GetAsync("/dashboard/DashboardCounters");
            counters = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK && counters.Contains("WalletGrain") && counters.Contains("RegionPriceFeedGrain");
        }, TimeSpan.FromSeconds(60), "the dashboard counters list the wallet and price feed grains");
        Assert.Contains("Arbitrage.Orleans.Grains", counters);
    }

    private static async Task<string> NonOperatorTokenAsync(SiloProcess silo)
    {
        var (response, body) = await Api.PostAsync(silo.Http, "/v1/tokens", """{"name": "reader", "permissions": ["workloads:read"]}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return body.GetProperty("token").GetString()!;
    }
}
