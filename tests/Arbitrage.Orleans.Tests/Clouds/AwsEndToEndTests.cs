using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// A workload end to end on a real AWS provider (adapter: real, mode: launch) whose EC2 and SQS endpoints are the local
/// fake: placed, RUNNING, interrupted by an EventBridge warning on the queue, moved, charged and terminated.
/// </summary>
public sealed class AwsEndToEndTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private FakeAws _fake = null!;
    private AwsTestProvider _provider = null!;
    private string _providersFile = "";
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeAws.StartAsync();
        _fake.BootOnLaunch = true;
        _provider = new AwsTestProvider(_fake);
        await _postgres.InitializeAsync();
        var database = await _postgres.CreateDatabaseAsync();
        _providersFile = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        var provider = new
        {
            name = "aws-fake",
            type = "aws",
            adapter = "real",
            mode = "launch",
            regions = new[] { FakeAws.Region },
            credentials = new { source = "file", file = _provider.CredentialsFile },
            endpoints = new Dictionary<string, string> { ["ec2"] = _fake.Url.ToString(), ["sqs"] = _fake.Url.ToString() },
            aws = new { interruptionQueueUrl = _fake.QueueUrl },
        };
        await File.WriteAllTextAsync(_providersFile, JsonSerializer.Serialize(new { providers = new[] { provider } }));
        _silo = SiloProcess.Start([], new Dictionary<string, string>(SiloProcess.FastWorkloads)
        {
            ["ConnectionStrings__Arbitrage"] = database,
            ["Market__ProvidersFile"] = _providersFile,
            ["Clouds__Aws__QueueWaitTime"] = "00:00:01",
        });
        await _silo.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _postgres.DisposeAsync();
        File.Delete(_providersFile);
        _provider.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task A_workload_is_placed_runs_is_interrupted_moves_is_charged_and_terminates_on_the_AWS_fake()
    {
        var http = _silo.Http;
        var body = $$$"""{"name": "on-aws", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-0123456789abcdef0", "healthCheckPath": "/healthz", "healthCheckPort": {{{_fake.Url.Port}}}}}""";
        var (created, workload) = await Api.PostAsync(http, "/v1/workloads", body);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = workload.GetProperty("id").GetString()!;

        var running = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "RUNNING", TimeSpan.FromSeconds(60));
        var before = running.GetProperty("placement");
        Assert.Equal(("aws", "aws-fake"), (before.GetProperty("provider").GetString(), before.GetProperty("providerName").GetString()));
        var first = before.GetProperty("instanceId").GetString()!;
        var onCloud = _fake.Instance(first)!;
        Assert.Equal(id, onCloud.Tags["arbitrage:workload"]);
        Assert.True(onCloud.Tags.ContainsKey("arbitrage:tenant"));
        Assert.True(onCloud.Spot);
        await Api.WaitForAsync(http, $"/v1/workloads/{id}/endpoint", e => e.GetProperty("status").GetString() == "HEALTHY");

        _fake.Interrupt(first);
        var moved = await Api.WaitForAsync(http, $"/v1/workloads/{id}",
            w => w.GetProperty("placements").GetArrayLength() == 2 && w.Status() == "RUNNING" && w.TryGetProperty("placement", out _),
            TimeSpan.FromSeconds(60));
        Assert.Equal("SPOT_INTERRUPTION", moved.GetProperty("placements")[0].GetProperty("endReason").GetString());
        var second = moved.GetProperty("placement").GetProperty("instanceId").GetString()!;
        Assert.NotEqual(first, second);
        _fake.Reclaim(first);
        await Eventually.TrueAsync(() => Task.FromResult(_fake.DeletedMessages == 1), TimeSpan.FromSeconds(30));

        var charged = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.GetProperty("committedCost").GetDecimal() > 0, TimeSpan.FromSeconds(60));
        Assert.True(charged.GetProperty("costToDate").GetDecimal() >= charged.GetProperty("committedCost").GetDecimal());

        var (deleted, _) = await Api.SendAsync(http, HttpMethod.Delete, $"/v1/workloads/{id}");
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var terminated = await Api.WaitForAsync(http, $"/v1/workloads/{id}", w => w.Status() == "TERMINATED", TimeSpan.FromSeconds(60));
        Assert.True(terminated.GetProperty("costToDate").GetDecimal() > 0);
        Assert.Equal("terminated", _fake.Instance(second)!.State);
        Assert.True(_fake.RefusedSignatures == 0, "every call the silo made was signed with the provider's keys");
    }
}
