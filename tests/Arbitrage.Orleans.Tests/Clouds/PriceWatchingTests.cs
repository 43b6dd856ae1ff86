using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;
using Microsoft.Extensions.DependencyInjection;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// A pure price-watching setup: the silo application (in this process, on PostgreSQL) with only read-only real
/// providers, each pointed at its cloud's local fake. It starts, shows each cloud's prices, and never asks a cloud to
/// launch: a workload waits, saying why.
/// </summary>
public sealed class PriceWatchingTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private FakeGcp _gcp = null!;
    private FakeAws _aws = null!;
    private AwsTestProvider _awsProvider = null!;
    private FakeAzure _azure = null!;
    private string _azureSecrets = "";
    private InProcessSilo _silo = null!;
    private string _providersFile = "";

    public async Task InitializeAsync()
    {
        _gcp = await FakeGcp.StartAsync();
        _aws = await FakeAws.StartAsync();
        _awsProvider = new AwsTestProvider(_aws);
        _azure = await FakeAzure.StartAsync();
        _azureSecrets = AzureTesting.WriteSecrets();
        _providersFile = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        // No mode: real providers are read-only unless they say mode: launch.
        var providers = new object[]
        {
            new
            {
                name = "aws-prices", type = "aws", adapter = "real", regions = new[] { FakeAws.Region },
                credentials = new { source = "file", file = _awsProvider.CredentialsFile },
                endpoints = new Dictionary<string, string> { ["ec2"] = _aws.Url.ToString(), ["sqs"] = _aws.Url.ToString() },
            },
            new
            {
                name = "azure-prices", type = "azure", adapter = "real", regions = new[] { FakeAzure.Region },
                credentials = new { source = "file", file = _azureSecrets },
                endpoints = _azure.Endpoints,
                azure = new { subscriptionId = FakeAzure.SubscriptionId, tenantId = FakeAzure.TenantId, resourceGroup = FakeAzure.ResourceGroup },
            },
            new
            {
                name = "gcp-prices", type = "gcp", adapter = "real", regions = new[] { "us-central1" },
                credentials = new { source = "file", file = _gcp.KeyFile },
                endpoints = new Dictionary<string, string> { ["compute"] = _gcp.BaseUrl, ["billing"] = _gcp.BaseUrl },
                gcp = new { project = FakeGcp.Project },
            },
        };
        await File.WriteAllTextAsync(_providersFile, JsonSerializer.Serialize(new { providers }));
        await _postgres.InitializeAsync();
        _silo = await InProcessSilo.StartAsync(await _postgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Market:ProvidersFile"] = _providersFile,
            ["RateLimits:PerToken:PermitLimit"] = "100000",
            ["RateLimits:PerAddress:PermitLimit"] = "100000",
            ["Clouds:Aws:QueueWaitTime"] = "00:00:01",
        }, services => services.AddSingleton(AzureTesting.Options(_azure)));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _postgres.DisposeAsync();
        await _gcp.DisposeAsync();
        await _aws.DisposeAsync();
        _awsProvider.Dispose();
        await _azure.DisposeAsync();
        File.Delete(_azureSecrets);
        File.Delete(_providersFile);
    }

    [Fact]
    public async Task Read_only_providers_start_show_each_clouds_prices_and_never_launch()
    {
        using var http = _silo.ClientWith(_silo.AdminToken);
        foreach (var provider in new[] { "aws-prices", "azure-prices", "gcp-prices" })
        {
            var (response, page) = await Api.GetAsync(http, $"/v1/pricing/current?provider={provider}&limit=5");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(page.GetProperty("total").GetInt32() > 0, $"{provider} shows prices");
            Assert.All(page.GetProperty("prices").EnumerateArray(), p => Assert.Equal(provider, p.GetProperty("providerName").GetString()));

            var (_, details) = await Api.GetAsync(http, $"/api/v1/providers/{provider}");
            Assert.Equal("healthy", details.GetProperty("status").GetString());
        }

        var (created, workload) = await Api.PostAsync(http, "/v1/workloads", """{"name": "w", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "debian-12"}}""");
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        string id = workload.GetProperty("id").GetString()!;
        var waiting = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.OptionalString("statusReason")?.Contains("read-only") == true, TimeSpan.FromSeconds(60));
        Assert.Equal("PENDING", waiting.Status());
        Assert.Equal(0, _gcp.InsertCalls);
        Assert.Equal(0, _aws.CallCount("RunInstances"));
        Assert.Equal(0, _azure.LaunchCalls);
    }

    [Fact]
    public async Task A_markets_history_comes_from_EC2_for_AWS_and_from_the_price_feed_for_a_cloud_without_one()
    {
        using var http = _silo.ClientWith(_silo.AdminToken);
        var fiveDaysAgo = DateTimeOffset.UtcNow.AddDays(-5);
        _aws.SetSpotPrice("use1-az4", "m5.large", 0.0301m, fiveDaysAgo);

        var (response, aws) = await Api.GetAsync(http, "/v1/pricing/history?provider=aws-prices&region=us-east-1&instanceType=m5.large&zone=use1-az4");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("provider", aws.GetProperty("source").GetString());
        var points = Assert.Single(aws.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().ToList();
        // Five days back from EC2's DescribeSpotPriceHistory, then the fake's last three hours, held to the window's end.
        Assert.Equal([0.0301m, 0.041m, 0.040m, 0.039m, 0.039m], points.Select(p => p.GetProperty("pricePerHour").GetDecimal()));
        Assert.InRange(points[0].GetProperty("timestamp").GetDateTimeOffset(), fiveDaysAgo.AddSeconds(-1), fiveDaysAgo.AddSeconds(1));
        Assert.Equal(aws.GetProperty("to").GetDateTimeOffset(), points[^1].GetProperty("timestamp").GetDateTimeOffset());
        Assert.True(_aws.CallCount("ec2:DescribeSpotPriceHistory") > 0);

        // The same market and window again (a console's next poll): answered from the cache, EC2 is not asked again.
        string window = $"&from={Uri.EscapeDataString(fiveDaysAgo.AddDays(-1).ToString("O"))}&to={Uri.EscapeDataString(fiveDaysAgo.AddDays(1).ToString("O"))}";
        var (first, firstBody) = await Api.GetAsync(http, "/v1/pricing/history?provider=aws-prices&region=us-east-1&instanceType=m5.large&zone=use1-az4" + window);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        int calls = _aws.CallCount("ec2:DescribeSpotPriceHistory");
        var (again, againBody) = await Api.GetAsync(http, "/v1/pricing/history?provider=aws-prices&region=us-east-1&instanceType=m5.large&zone=use1-az4" + window);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(calls, _aws.CallCount("ec2:DescribeSpotPriceHistory"));
        Assert.Equal(firstBody.GetProperty("series").GetRawText(), againBody.GetProperty("series").GetRawText());

        // Azure's retail price API has no history: the route answers what this silo's price feed saw, and says so.
        var (_, current) = await Api.GetAsync(http, "/v1/pricing/current?provider=azure-prices&limit=500");
        var market = current.GetProperty("prices").EnumerateArray().First(p => p.GetProperty("spotPricePerHour").ValueKind == JsonValueKind.Number);
        var (azureResponse, azure) = await Api.GetAsync(http,
            $"/v1/pricing/history?provider=azure-prices&region={market.GetProperty("region").GetString()}&instanceType={market.GetProperty("instanceType").GetString()}");
        Assert.Equal(HttpStatusCode.OK, azureResponse.StatusCode);
        Assert.Equal("feed", azure.GetProperty("source").GetString());
        Assert.Contains("no price history", azure.GetProperty("message").GetString());
    }
}
