using System.Net;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>Per-tenant workload quotas from settings: live workloads and creations per minute, refused with QUOTA_EXCEEDED.</summary>
public sealed class QuotaTests(QuotaTests.Silo silo) : IClassFixture<QuotaTests.Silo>
{
    private const string SmallWorkload = """{"name": "w", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-1"}}""";

    [Fact]
    public async Task A_tenant_over_its_live_workload_quota_or_its_creations_per_minute_gets_QUOTA_EXCEEDED()
    {
        var (_, token) = await silo.NewTenantAsync();
        using var owner = silo.Host.ClientWith(token);
        string first = await CreateAsync(owner);
        string second = await CreateAsync(owner);
        var (live, liveBody) = await Api.PostAsync(owner, "/v1/workloads", SmallWorkload);
        Api.AssertError(live, liveBody, HttpStatusCode.Forbidden, ErrorCodes.QuotaExceeded);
        Assert.Equal("max_live_workloads", liveBody.GetProperty("error").GetProperty("details").GetProperty("quota").GetString());

        // A retry of an admitted creation (same Idempotency-Key) is not a new workload.
        var headers = new Dictionary<string, string> { ["Idempotency-Key"] = "retry-1" };
        await TerminateAsync(owner, first);
        var (keyed, keyedBody) = await Api.SendAsync(owner, HttpMethod.Post, "/v1/workloads", SmallWorkload, headers);
        Assert.Equal(HttpStatusCode.Accepted, keyed.StatusCode);
        var (retried, retriedBody) = await Api.SendAsync(owner, HttpMethod.Post, "/v1/workloads", SmallWorkload, headers);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(keyedBody.GetProperty("id").GetString(), retriedBody.GetProperty("id").GetString());

        // Three creations this minute: the fourth waits for the window even with room for a live workload.
        await TerminateAsync(owner, second);
        var (rate, rateBody) = await Api.PostAsync(owner, "/v1/workloads", SmallWorkload);
        Api.AssertError(rate, rateBody, HttpStatusCode.TooManyRequests, ErrorCodes.QuotaExceeded);
        Assert.Equal("workload_creations_per_minute", rateBody.GetProperty("error").GetProperty("details").GetProperty("quota").GetString());
        Assert.InRange(rate.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    private static async Task<string> CreateAsync(HttpClient owner)
    {
        var (response, body) = await Api.PostAsync(owner, "/v1/workloads", SmallWorkload);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return body.GetProperty("id").GetString()!;
    }

    private static async Task TerminateAsync(HttpClient owner, string workloadId)
    {
        await Api.SendAsync(owner, HttpMethod.Delete, $"/v1/workloads/{workloadId}");
        await Api.WaitForAsync(owner, $"/v1/workloads/{workloadId}", w => w.Status() == "TERMINATED", TimeSpan.FromSeconds(60));
    }

    /// <summary>A silo whose tenants may have 2 live workloads and create 3 per minute.</summary>
    public sealed class Silo() : InProcessSiloFixture(new Dictionary<string, string?>
    {
        ["Quotas:Default:MaxLiveWorkloads"] = "2",
        ["Quotas:Default:WorkloadCreationsPerMinute"] = "3",
        ["Workloads:ProvisioningPollInterval"] = "00:00:00.100",
    });
}
