using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Clouds.Real.Azure;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// The product on a real Azure provider (<c>adapter: real, mode: launch</c>) talking to the fake Azure: a workload is
/// placed on a Spot VM, runs (its health check answered on the VM's address), is evicted, moves, is charged and
/// terminated, and no VM is left behind.
/// </summary>
public sealed class AzureEndToEndTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private FakeAzure _fake = null!;
    private WebApplication _workload = null!;
    private InProcessSilo _silo = null!;
    private string _secrets = null!, _providers = null!;
    private int _workloadPort;

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _fake.AutoBoot = true;
        (_workload, _workloadPort) = await WorkloadEndpointAsync();
        _secrets = AzureTesting.WriteSecrets();
        _providers = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_providers, JsonSerializer.Serialize(new
        {
            providers = new[]
            {
                new
                {
                    name = "azure-east", type = "azure", adapter = "real", mode = "launch", regions = new[] { FakeAzure.Region },
                    credentials = new { source = "file", file = _secrets },
                    endpoints = _fake.Endpoints,
                    azure = new
                    {
                        subscriptionId = FakeAzure.SubscriptionId, tenantId = FakeAzure.TenantId, resourceGroup = FakeAzure.ResourceGroup,
                        subnetId = FakeAzure.SubnetId, sshPublicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests arbitrage@test",
                    },
                },
            },
        }));
        await _postgres.InitializeAsync();
        _silo = await InProcessSilo.StartAsync(await _postgres.CreateDatabaseAsync(), new Dictionary<string, string?>
        {
            ["Market:ProvidersFile"] = _providers,
            ["Workloads:HealthCheckInterval"] = "00:00:00.200",
            ["Workloads:ProvisioningPollInterval"] = "00:00:00.100",
            ["Workloads:RetryInitialDelay"] = "00:00:00.200",
            ["Workloads:RetryMaxDelay"] = "00:00:01",
            ["Workloads:BillingPeriod"] = "00:00:02",
            ["Workloads:ReservationTtl"] = "00:00:30",
        }, services => services.AddSingleton(AzureTesting.Options(_fake)));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _postgres.DisposeAsync();
        await _workload.DisposeAsync();
        await _fake.DisposeAsync();
        File.Delete(_secrets);
        File.Delete(_providers);
    }

    [Fact]
    public async Task A_workload_is_placed_runs_is_evicted_moves_is_charged_and_terminates_on_Azure()
    {
        using var admin = _silo.ClientWith(_silo.AdminToken);
        var (created, tenant) = await Api.PostAsync(admin, "/v1/tenants", $$"""{"name": "azure-e2e", "initialCredit": 100}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var http = _silo.ClientWith(tenant.GetProperty("token").GetString());

        var (accepted, workload) = await Api.PostAsync(http, "/v1/workloads",
            $$$"""{"name": "on-azure", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", "healthCheckPath": "/healthz", "healthCheckPort": {{{_workloadPort}}}}}""");
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        string id = workload.GetProperty("id").GetString()!;

        var running = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "RUNNING", TimeSpan.FromSeconds(60));
        var before = running.GetProperty("placement");
        Assert.Equal(("azure", "azure-east"), (before.GetProperty("provider").GetString(), before.GetProperty("providerName").GetString()));
        string first = before.GetProperty("instanceId").GetString()!;
        var vm = _fake.Body(first)!;
        Assert.Equal("Spot", vm["properties"]!["priority"]!.GetValue<string>());
        Assert.Equal(id, vm["tags"]!["arbitrage:workload"]!.GetValue<string>());

        Assert.True(_fake.Evict(first));
        var moved = await Api.WaitForAsync(http, $"/v1/workloads/{id}",
            w => w.GetProperty("placements").GetArrayLength() == 2 && w.Status() == "RUNNING" && w.TryGetProperty("placement", out _),
            TimeSpan.FromSeconds(60));
        Assert.Equal("SPOT_INTERRUPTION", moved.GetProperty("placements")[0].GetProperty("endReason").GetString());
        string second = moved.GetProperty("placement").GetProperty("instanceId").GetString()!;
        Assert.NotEqual(first, second);
        Assert.True(_fake.Exists(second));

        var charged = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.GetProperty("committedCost").GetDecimal() > 0, TimeSpan.FromSeconds(30));
        Assert.True(charged.GetProperty("costToDate").GetDecimal() >= charged.GetProperty("committedCost").GetDecimal());

        var (deleted, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "TERMINATED", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Task.FromResult(!_fake.Exists(first) && !_fake.Exists(second)), TimeSpan.FromSeconds(30), "no VM is left on Azure");
    }

    /// <summary>The workload's health endpoint, on the address the fake gives every VM's network interface (127.0.0.1).</summary>
    private static async Task<(WebApplication App, int Port)> WorkloadEndpointAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Ok());
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return (app, address.Port);
    }
}
