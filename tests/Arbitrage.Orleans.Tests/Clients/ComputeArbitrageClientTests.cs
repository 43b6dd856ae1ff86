using System.Net;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts.Pricing;
using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Tokens;
using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Tests.Groups;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Clients;

/// <summary>
/// The client library's Compute Arbitrage faces (workloads, pricing, tokens) against a real silo over real HTTP on a
/// real PostgreSQL, with the same records the server reads and writes.
/// </summary>
[Collection(GroupFacesCollection.Name)]
public sealed class ComputeArbitrageClientTests(GroupFacesSilo silo) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private static readonly WorkloadRequirements Small = new(2, 4);
    private readonly SiloClients _clients = new(silo.Host);

    public void Dispose() => _clients.Dispose();

    private IArbitrageClient ClientWith(string token) => _clients.With(token);

    private async Task<IArbitrageClient> NewTenantAsync(decimal credit = 100)
    {
        var tenant = await ClientWith(silo.Host.AdminToken).Tenants.CreateAsync(new CreateTenantRequest($"client-{Guid.NewGuid():N}", credit));
        return ClientWith(tenant.Token);
    }

    private static CreateWorkloadRequest Workload(string name) => new(name, Small, new WorkloadConfig("ami-0123456789abcdef0"));

    [Fact]
    public async Task A_workload_runs_is_listed_across_pages_shows_its_events_and_placements_and_terminates()
    {
        var client = await NewTenantAsync();
        var created = await client.Workloads.CreateAsync(Workload("batch-1"), idempotencyKey: $"key-{Guid.NewGuid():N}");
        Assert.Equal("PENDING", created.Status);
        Assert.StartsWith("wk-", created.Id);
        var others = new[] { await client.Workloads.CreateAsync(Workload("batch-2")), await client.Workloads.CreateAsync(Workload("batch-3")) };

        WorkloadDetailResponse? running = null;
        await Eventually.TrueAsync(async () => (running = await client.Workloads.GetAsync(created.Id)).Status == "RUNNING", Limit, "the workload reaches RUNNING");
        Assert.NotNull(running!.Placement);
        Assert.Equal((2, 4.0), (running.Requirements.MinCpu, running.Requirements.MinMemoryGb));
        Assert.Equal("HEALTHY", (await client.Workloads.GetEndpointAsync(created.Id)).Status);

        // Three workloads, one a page, newest first; the status filter keeps only those running.
        var listed = await client.Workloads.ListAsync(pageSize: 1).Select(w => w.Id).ToListAsync();
        Assert.Equal([others[1].Id, others[0].Id, created.Id], listed);
        Assert.NotNull((await client.Workloads.GetPageAsync(limit: 1)).NextCursor);
        Assert.Contains(created.Id, await client.Workloads.ListAsync(status: "RUNNING").Select(w => w.Id).ToListAsync());

        var events = await client.Workloads.ListEventsAsync(created.Id, pageSize: 1).ToListAsync();
        Assert.Contains(events, e => e.To == "RUNNING");
        Assert.Equal(events.OrderBy(e => e.At).Select(e => e.At), events.Select(e => e.At));
        var placement = Assert.Single(await client.Workloads.ListPlacementsAsync(created.Id, pageSize: 1).ToListAsync());
        Assert.Equal(running.Placement.InstanceId, placement.InstanceId);

        var terminated = await client.Workloads.TerminateAsync(created.Id);
        Assert.Equal((created.Id, "STOPPING"), (terminated.Id, terminated.Status));
        await Eventually.TrueAsync(async () => (await client.Workloads.GetAsync(created.Id)).Status == "TERMINATED", Limit, "the workload ends");
        Assert.DoesNotContain(created.Id, await client.Workloads.ListAsync(status: "RUNNING").Select(w => w.Id).ToListAsync());
        var again = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Workloads.TerminateAsync(created.Id));
        Assert.Equal((HttpStatusCode.BadRequest, "WORKLOAD_ALREADY_TERMINATED"), (again.StatusCode, again.Code));
    }

    [Fact]
    public async Task The_same_idempotency_key_answers_the_first_workload()
    {
        var client = await NewTenantAsync();
        string key = $"key-{Guid.NewGuid():N}";

        var first = await client.Workloads.CreateAsync(Workload("once"), key);
        var repeat = await client.Workloads.CreateAsync(Workload("once"), key);

        Assert.Equal(first.Id, repeat.Id);
        Assert.Equal([first.Id], await client.Workloads.ListAsync().Select(w => w.Id).ToListAsync());
    }

    [Fact]
    public async Task A_refusal_names_the_field()
    {
        var client = await NewTenantAsync();

        var refused = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Workloads.CreateAsync(Workload("bad") with { Requirements = new WorkloadRequirements(0, 4) }));

        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_ERROR", "requirements.minCPU"), (refused.StatusCode, refused.Code, refused.Field));
        Assert.NotNull(refused.RequestId);
        var missing = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Workloads.GetAsync("wk-missing"));
        Assert.Equal((HttpStatusCode.NotFound, "WORKLOAD_NOT_FOUND"), (missing.StatusCode, missing.Code));
    }

    [Fact]
    public async Task Pricing_estimates_lists_current_prices_across_pages_and_reads_a_markets_history()
    {
        var client = await NewTenantAsync();

        var estimate = await client.Pricing.EstimateAsync(Small, alternatives: 3);
        Assert.NotNull(estimate.Recommended);
        Assert.True(estimate.Recommended!.VCpus >= 2 && estimate.Recommended.MemoryGb >= 4);
        Assert.InRange(estimate.Alternatives.Count, 1, 3);
        var nothing = await client.Pricing.EstimateAsync(Small with { MaxPricePerHour = 0.000001m });
        Assert.Null(nothing.Recommended);
        Assert.NotEmpty(nothing.Rejections);

        var market = estimate.Recommended;
        var query = new CurrentPriceQuery(market.ProviderName, market.Region, PageSize: 7);
        var first = await client.Pricing.GetCurrentPageAsync(query);
        Assert.True(first.Total > 7, $"{market.ProviderName} {market.Region} has more than a page of prices ({first.Total})");
        var prices = await client.Pricing.ListCurrentAsync(query).ToListAsync();
        Assert.Equal(first.Total, prices.Count);
        Assert.Equal(prices.Count, prices.Select(p => (p.Zone, p.InstanceType)).Distinct().Count());
        Assert.All(prices, p => Assert.Equal((market.ProviderName, market.Region), (p.ProviderName, p.Region)));

        var spot = prices.First(p => p.SpotPricePerHour is not null);
        var history = await client.Pricing.GetHistoryAsync(spot.ProviderName, spot.Region, spot.InstanceType, spot.Zone, maxPoints: 10);
        Assert.Equal((spot.Region, spot.InstanceType), (history.Region, history.InstanceType));
        Assert.Equal(spot.Zone, Assert.Single(history.Series).Zone);

        var unknown = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Pricing.GetHistoryAsync(spot.ProviderName, spot.Region, "no-such-type"));
        Assert.Equal("instanceType", unknown.Field);
    }

    [Fact]
    public async Task Tokens_are_created_listed_and_revoked()
    {
        var client = await NewTenantAsync();

        var token = await client.Tokens.CreateAsync(new CreateTokenRequest("ci", ["workloads:read"], ExpiresInDays: 7));
        Assert.Equal("ci", token.Name);
        Assert.Equal(["workloads:read"], token.Permissions);
        Assert.NotNull(token.ExpiresAt);
        var ci = ClientWith(token.Token);
        Assert.Empty(await ci.Workloads.ListAsync().ToListAsync());
        var forbidden = await Assert.ThrowsAsync<ArbitrageApiException>(() => ci.Workloads.CreateAsync(Workload("not-allowed")));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var listed = await client.Tokens.ListAsync();
        Assert.Contains(listed, t => t.Id == token.Id && t.Name == "ci");

        await client.Tokens.RevokeAsync(token.Id);
        Assert.DoesNotContain(await client.Tokens.ListAsync(), t => t.Id == token.Id);
        var revoked = await Assert.ThrowsAsync<ArbitrageApiException>(() => ci.Workloads.ListAsync().ToListAsync().AsTask());
        Assert.Equal(HttpStatusCode.Unauthorized, revoked.StatusCode);

        var bad = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Tokens.CreateAsync(new CreateTokenRequest("x", ["no:such"])));
        Assert.Equal(("VALIDATION_ERROR", "permissions"), (bad.Code, bad.Field));
        var gone = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Tokens.RevokeAsync("tok-missing"));
        Assert.Equal("TOKEN_NOT_FOUND", gone.Code);
    }
}
