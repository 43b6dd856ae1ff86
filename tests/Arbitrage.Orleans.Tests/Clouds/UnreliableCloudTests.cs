using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Orleans.TestingHost;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// A real provider whose cloud starts answering garbage while a workload runs on it: the provider is marked unhealthy,
/// placement passes it by, and the running workload is kept on its instance (and billed) — nothing already running is
/// lost. When the cloud answers again, so does everything else.
/// </summary>
public sealed class UnreliableCloudTests : IAsyncLifetime
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);
    private const string Real = "gcp-fake";
    private FakeGcp _fake = null!;
    private WebApplication _health = null!;
    private volatile bool _instanceHealthy = true;
    private int _healthPort;
    private string _simulated = "";
    private TestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeGcp.StartAsync();
        _fake.AutoBoot = true;
        // The workload's own health endpoint (the fake's VMs have the loopback address): the test decides what it answers.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _health = builder.Build();
        _health.MapGet("/healthz", () => _instanceHealthy ? Results.Text("ok") : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await _health.StartAsync();
        _healthPort = new Uri(_health.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        var real = new ProviderConfig
        {
            Name = Real, Type = "gcp", Adapter = "real", Mode = ProviderModes.Launch, Regions = ["us-central1"],
            Credentials = new CredentialsConfig { Source = "file", File = _fake.KeyFile },
            Endpoints = new Dictionary<string, string> { ["compute"] = _fake.BaseUrl, ["billing"] = _fake.BaseUrl },
            Gcp = new GcpConfig { Project = FakeGcp.Project, RetryBaseDelay = TimeSpan.FromMilliseconds(20), OperationPollInterval = TimeSpan.FromMilliseconds(50) },
            // Calls pause after 2 failures in 30 s, for 1 s at a time.
            Resilience = new CloudResilienceOptions { Timeout = TimeSpan.FromSeconds(5), MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromSeconds(1) },
        };
        var simulated = ProvidersFile.Load(SharedData.ProvidersFile).Providers.First(p => !p.IsReal && p.Type == "gcp");
        _simulated = simulated.Name;
        _cluster = await ProductSilos.StartAsync(
            providers: [real, simulated],
            settings: new Dictionary<string, string> { ["Market:ProbeInterval"] = "00:00:00.200", ["Market:StatisticsInterval"] = "00:00:00.200", ["Workloads:UnhealthyThreshold"] = "2" },
            configure: builder => builder.AddSiloBuilderConfigurator<RealGcpConfigurator>());
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _health.DisposeAsync();
        await _fake.DisposeAsync();
    }

    private IWorkloadGrain Workload(string id) => _cluster.GrainFactory.GetGrain<IWorkloadGrain>(id);

    private Task Create(string id, params string[] providers) => Workload(id).Create(new CreateWorkload("acme",
        new WorkloadSpec(id, new PlacementRequirements(2, 4, Providers: providers), new WorkloadConfig("debian-12", _healthPort, "/healthz"), new Dictionary<string, string>()), $"fp-{id}"));

    private async Task<IReadOnlyList<string>> EventsOf(string id) => (await Workload(id).GetEvents("acme"))!.Select(e => e.Type).ToList();

    [Fact]
    public async Task A_cloud_answering_garbage_is_unhealthy_and_passed_by_and_the_workload_running_there_keeps_its_instance()
    {
        await _cluster.GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of("acme", "acme")).Create(new CreateWallet("acme", null, 100m));
        await Create("wk-running", Real);
        await Eventually.TrueAsync(async () => (await Workload("wk-running").Get("acme"))!.Status == WorkloadStatus.Running, Generous, "placed on the fake and healthy");
        var placed = (await Workload("wk-running").Get("acme"))!.Placement!;
        Assert.Equal(Real, placed.Provider);

        // The cloud answers every call with an HTML error page (status 200), and the instance's own check fails too:
        // the product cannot tell from the cloud whether the instance still runs.
        _fake.AnswerGarbage(true);
        _instanceHealthy = false;

        var provider = _cluster.GrainFactory.GetGrain<IProviderGrain>(Real);
        await Eventually.TrueAsync(async () => (await provider.GetDetails()).Status == ProviderStatus.Unhealthy, Generous, "the provider is marked unhealthy");
        await Eventually.TrueAsync(async () => (await EventsOf("wk-running")).Contains("PROVIDER_UNREACHABLE"), Generous, "the running workload says its provider does not answer");

        // A workload that may only run there waits, saying why; one that may run elsewhere is placed elsewhere.
        await Create("wk-waits", Real);
        await Create("wk-elsewhere", Real, _simulated);
        await Eventually.TrueAsync(async () => (await Workload("wk-elsewhere").Get("acme"))!.Status == WorkloadStatus.Running, Generous, "placed on the healthy provider");
        Assert.Equal(_simulated, (await Workload("wk-elsewhere").Get("acme"))!.Placement!.Provider);
        var waiting = (await Workload("wk-waits").Get("acme"))!;
        Assert.Equal(WorkloadStatus.Pending, waiting.Status);
        Assert.Contains(Real, waiting.StatusReason);

        // Meanwhile the running workload kept its instance: not replaced, not terminated, still billed.
        var running = (await Workload("wk-running").Get("acme"))!;
        Assert.Equal(WorkloadStatus.Running, running.Status);
        Assert.Equal(placed.InstanceId, running.Placement!.InstanceId);
        Assert.Single(running.Placements);
        Assert.Contains(placed.InstanceId, _fake.InstanceNames);
        Assert.DoesNotContain("HEALTH_CHECK_FAILED", await EventsOf("wk-running"));

        // The cloud answers again: the provider is healthy, the workload says so and still runs on the same instance,
        // and the waiting workload is placed there.
        _fake.AnswerGarbage(false);
        _instanceHealthy = true;
        await Eventually.TrueAsync(async () => (await provider.GetDetails()).Status == ProviderStatus.Healthy, Generous, "the provider is healthy again");
        await Eventually.TrueAsync(async () => (await EventsOf("wk-running")).Contains("PROVIDER_REACHABLE"), Generous, "the workload sees its provider answer again");
        Assert.Equal(placed.InstanceId, (await Workload("wk-running").Get("acme"))!.Placement!.InstanceId);
        await Eventually.TrueAsync(async () => (await Workload("wk-waits").Get("acme"))!.Status == WorkloadStatus.Running, Generous, "the waiting workload is placed on the provider that answers again");
        Assert.Equal(Real, (await Workload("wk-waits").Get("acme"))!.Placement!.Provider);
    }
}
