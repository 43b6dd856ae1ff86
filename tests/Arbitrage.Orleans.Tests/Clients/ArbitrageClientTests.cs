using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts.Groups;
using Arbitrage.Orleans.Contracts.Platform;
using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Templates;
using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Wallets;
using Arbitrage.Orleans.Tests.Groups;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Tests.Clients;

/// <summary>
/// The .NET client library (Client/) against a real silo over real HTTP on a real PostgreSQL: every face it covers
/// round-trips through its typed calls, lists are enumerated across pages, and a refusal is one exception type with
/// the API's code, message, field and request id.
/// </summary>
[Collection(GroupFacesCollection.Name)]
public sealed class ArbitrageClientTests(GroupFacesSilo silo) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly SiloClients _clients = new(silo.Host);

    public void Dispose() => _clients.Dispose();

    private IArbitrageClient ClientWith(string token) => _clients.With(token);

    private IArbitrageClient Operator => ClientWith(silo.Host.AdminToken);

    private async Task<(CreatedTenant Tenant, IArbitrageClient Client)> NewTenantAsync(decimal credit = 100)
    {
        var tenant = await Operator.Tenants.CreateAsync(new CreateTenantRequest($"client-{Guid.NewGuid():N}", credit));
        return (tenant, ClientWith(tenant.Token));
    }

    [Fact]
    public async Task Tenants_wallets_and_reservations_round_trip_and_transactions_are_listed_across_cursor_pages()
    {
        var (tenant, client) = await NewTenantAsync(100);
        Assert.StartsWith("tn-", tenant.Id);

        var created = await client.Wallets.CreateAsync(new CreateWalletRequest("team-a", OrgId: "org-1"));
        Assert.Equal(("team-a", "org-1", 0m), (created.ProjectId, created.OrgId, created.Balance));

        var transfer = await client.Wallets.TransferAsync(tenant.Id, new TransferRequest("team-a", 30m, "seed the team"));
        Assert.Equal((tenant.Id, "team-a", 30m), (transfer.FromProjectId, transfer.ToProjectId, transfer.Amount));
        var granted = await Operator.Tenants.GrantCreditAsync(tenant.Id, new GrantCreditRequest(5.5m, ProjectId: "team-a"));
        Assert.Equal(35.5m, granted.Balance);

        var held = await client.Reservations.ReserveAsync(new ReserveCreditRequest("team-a", 10m, ResourceType: "job", ResourceId: "job-1", TtlSeconds: 600));
        Assert.Equal(10m, (await client.Wallets.GetAsync("team-a")).Reserved);
        Assert.Equal(held.Id, (await client.Reservations.GetAsync(held.Id)).Id);
        var committed = await client.Reservations.CommitAsync(held.Id, new CommitReservationRequest(4m));
        Assert.Equal(4m, committed.CommittedAmount);
        var released = await client.Reservations.ReleaseAsync((await client.Reservations.ReserveAsync(new ReserveCreditRequest("team-a", 1m))).Id);
        Assert.NotEqual("active", released.Status, StringComparer.OrdinalIgnoreCase);

        var wallet = await client.Wallets.GetAsync("team-a");
        Assert.Equal((31.5m, 0m, 31.5m), (wallet.Balance, wallet.Reserved, wallet.Available));

        // Transfer in, grant, charge: three transactions, one a page.
        var transactions = await client.Wallets.ListTransactionsAsync("team-a", pageSize: 1).ToListAsync();
        Assert.Equal(3, transactions.Count);
        Assert.Equal(3, transactions.Select(t => t.Id).Distinct().Count());
        Assert.Equal(31.5m, transactions[^1].BalanceAfter);
        Assert.NotNull((await client.Wallets.GetTransactionsPageAsync("team-a", limit: 1)).NextCursor);
    }

    [Fact]
    public async Task A_wallets_reservations_are_listed_newest_first_across_cursor_pages_by_status_and_stop_when_cancelled()
    {
        var (tenant, client) = await NewTenantAsync(100);
        var ids = new List<string>();
        foreach (var job in new[] { "job-1", "job-2", "job-3" })
        {
            ids.Add((await client.Reservations.ReserveAsync(new ReserveCreditRequest(tenant.Id, 5m, ResourceType: "job", ResourceId: job, TtlSeconds: 600))).Id);
        }

        await client.Reservations.CommitAsync(ids[0], new CommitReservationRequest(2.5m));
        await client.Reservations.ReleaseAsync(ids[1], new ReleaseReservationRequest("cancelled"));

        var all = await client.Wallets.ListReservationsAsync(tenant.Id, pageSize: 1).ToListAsync();
        Assert.Equal([ids[2], ids[1], ids[0]], all.Select(r => r.Id));
        Assert.Equal(["active", "released", "committed"], all.Select(r => r.Status));
        Assert.Equal(2.5m, all[2].CommittedAmount);
        Assert.Equal("cancelled", all[1].CloseReason);
        Assert.Equal([ids[0]], (await client.Wallets.ListReservationsAsync(tenant.Id, status: "committed").ToListAsync()).Select(r => r.Id));
        var first = await client.Wallets.GetReservationsPageAsync(tenant.Id, limit: 2);
        Assert.Equal([ids[2], ids[1]], first.Reservations.Select(r => r.Id));
        Assert.Equal([ids[0]], (await client.Wallets.GetReservationsPageAsync(tenant.Id, cursor: first.NextCursor, limit: 2)).Reservations.Select(r => r.Id));

        var bad = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Wallets.ListReservationsAsync(tenant.Id, status: "open").ToListAsync().AsTask());
        Assert.Equal((HttpStatusCode.BadRequest, "VALIDATION_ERROR", "status"), (bad.StatusCode, bad.Code, bad.Field));

        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var reservation in client.Wallets.ListReservationsAsync(tenant.Id, pageSize: 1, cancellationToken: cancel.Token))
            {
                seen.Add(reservation.Id);
                cancel.Cancel();
            }
        });
        Assert.Equal([ids[2]], seen);
    }

    [Fact]
    public async Task A_refusal_throws_ArbitrageApiException_with_the_code_message_field_and_request_id()
    {
        var (_, client) = await NewTenantAsync();

        var invalid = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Wallets.CreateAsync(new CreateWalletRequest("not a project id!")));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("VALIDATION_ERROR", invalid.Code);
        Assert.Equal("project_id", invalid.Field);
        Assert.Contains("project_id must be", invalid.Message);
        Assert.False(string.IsNullOrEmpty(invalid.RequestId));

        var missing = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Wallets.GetAsync("nobody"));
        Assert.Equal((HttpStatusCode.NotFound, "WALLET_NOT_FOUND"), (missing.StatusCode, missing.Code));
        Assert.NotEqual(invalid.RequestId, missing.RequestId);

        // A tenant's token is not an operator's.
        var forbidden = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Tenants.CreateAsync(new CreateTenantRequest("x")));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Providers_are_listed_across_pages_shown_validated_and_selected()
    {
        var client = Operator;
        int total = (await client.Providers.GetPageAsync(new ProviderListQuery(PageSize: 1))).Total;
        Assert.True(total >= 2, $"the silo has {total} providers");

        var listed = await client.Providers.ListAsync(new ProviderListQuery(Sort: "name:asc", PageSize: 1)).ToListAsync();
        Assert.Equal(total, listed.Count);
        Assert.Equal(listed.Select(p => p.Name).Order(StringComparer.OrdinalIgnoreCase), listed.Select(p => p.Name));

        var enabled = listed.First(p => p.Enabled);
        var details = await client.Providers.GetAsync(enabled.Name);
        Assert.Equal((enabled.Name, enabled.Type), (details.Name, details.Type));
        var capabilities = await client.Providers.GetCapabilitiesAsync(enabled.Name);
        Assert.Equal(enabled.Name, capabilities.ProviderInstance);
        Assert.NotEmpty(capabilities.SupportedApis);

        var verdict = await client.Providers.ValidateAsync(new ValidateProvidersRequest(Configured: true, ProviderNames: [enabled.Name]));
        Assert.Equal(enabled.Name, Assert.Single(verdict.Providers).Name);

        var selection = await client.Providers.SelectAsync(new SelectProviderRequest(new JsonObject { ["min_cpu"] = 1, ["min_memory_gb"] = 1 }));
        Assert.Contains(selection.ProviderInstance, listed.Select(p => p.Name));
        Assert.True(selection.ValidationResult.Valid);

        var unknown = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Providers.GetAsync("no-such-provider"));
        Assert.Equal("PROVIDER_NOT_FOUND", unknown.Code);
    }

    [Fact]
    public async Task Templates_are_written_listed_across_pages_validated_and_requests_made_with_an_idempotency_key_are_answered_once()
    {
        var admin = Operator;
        string first = $"cl-{Guid.NewGuid():N}"[..16], second = $"cl-{Guid.NewGuid():N}"[..16];
        var put = await admin.Templates.PutAsync(new Template
        {
            TemplateId = first, ImageId = "ami-client", MaxInstances = 5,
            AdditionalFields = new Dictionary<string, JsonElement> { ["min_cpu"] = JsonSerializer.SerializeToElement(1) },
        });
        Assert.Equal((first, "ami-client", 5), (put.TemplateId, put.ImageId, put.MaxInstances));
        Assert.Equal(1, put.AdditionalFields!["min_cpu"].GetInt32());
        Assert.NotNull(put.SourceInfo);
        await admin.Templates.CreateAsync(new Template { TemplateId = second, ImageId = "ami-client-2", MaxInstances = 3 });
        var conflict = await Assert.ThrowsAsync<ArbitrageApiException>(() => admin.Templates.CreateAsync(new Template { TemplateId = second, MaxInstances = 3 }));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var shown = await admin.Templates.GetAsync(first, includeSource: true);
        Assert.NotNull(shown.SourceInfo?.OverrideChain);
        int total = (await admin.Templates.GetPageAsync(new TemplateListQuery(PageSize: 1))).Total;
        var listed = await admin.Templates.ListAsync(new TemplateListQuery(PageSize: Math.Max(1, (total + 1) / 2))).ToListAsync();
        Assert.Equal(total, listed.Count);
        Assert.Contains(listed, t => t.TemplateId == first);
        Assert.Contains(listed, t => t.TemplateId == second);

        string provider = (await admin.Providers.ListAsync(new ProviderListQuery(Enabled: true)).FirstAsync()).Name;
        var valid = await admin.Templates.ValidateAsync(first, new ValidateTemplateRequest(provider));
        Assert.Equal(provider, valid.ProviderInstance);
        var multi = await admin.Templates.ValidateMultiAsync(first, new ValidateTemplateMultiRequest([provider, "not-configured"]));
        Assert.Contains("not-configured", multi.IncompatibleProviders);
        Assert.Equal(2, multi.ValidationResults.Count);

        // Requests of machines, by a tenant.
        var (_, client) = await NewTenantAsync(1000);
        string key = Guid.NewGuid().ToString("N");
        var asked = new CreateMachinesRequest(first, 1);
        var created = await client.Requests.CreateAsync(asked, key);
        var repeated = await client.Requests.CreateAsync(asked, key);
        Assert.Equal(created.RequestId, repeated.RequestId);
        var other = await client.Requests.CreateAsync(new CreateMachinesRequest(first, 1, new ProviderPreference(ProviderInstance: provider, Type: "explicit")));
        Assert.Equal(provider, other.ProviderSelection.ProviderInstance);

        var requests = await client.Requests.ListAsync(new RequestListQuery(PageSize: 1)).ToListAsync();
        Assert.Equal([other.RequestId, created.RequestId], requests.Select(r => r.RequestId));
        var details = await client.Requests.GetAsync(created.RequestId);
        Assert.Equal((first, 1), (details.TemplateId, details.RequestedCount));
        var cancelled = await client.Requests.CancelAsync(created.RequestId);
        Assert.Equal(created.RequestId, cancelled.RequestId);
        var unknown = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Requests.GetAsync("req-nothing"));
        Assert.Equal("REQUEST_NOT_FOUND", unknown.Code);

        Assert.Null(await admin.Templates.DeleteAsync(second));
        await Assert.ThrowsAsync<ArbitrageApiException>(() => admin.Templates.GetAsync(second));
    }

    [Fact]
    public async Task Elastigroups_and_managed_instances_are_created_shown_listed_scaled_and_deleted()
    {
        var (tenant, client) = await NewTenantAsync(1000);
        string account = tenant.Id; // the tenant's default wallet

        var group = await client.Groups.CreateElastigroupAsync(account, new ElastigroupRequest
        {
            Name = "web",
            Capacity = new SpotCapacity(1, 0, 3),
            Compute = new ElastigroupComputeRequest(new SpotInstanceTypes("t3.micro", ["t3.micro", "t3a.micro"]),
                LaunchSpecification: new LaunchSpecificationRequest("ami-web", Tags: [new SpotTag("team", "a")])),
            AdditionalFields = new Dictionary<string, JsonElement> { ["description"] = JsonSerializer.SerializeToElement("kept, not acted on") },
        });
        Assert.StartsWith("sig-", group.Id);
        Assert.Equal(("web", 1, account), (group.Name, group.Capacity.Target, group.Account));
        Assert.Contains("description", group.Warnings);
        Assert.Equal("a", Assert.Single(group.Compute.LaunchSpecification.Tags).TagValue);

        Assert.Equal(group.Id, (await client.Groups.GetElastigroupAsync(account, group.Id)).Id);
        var scaled = await client.Groups.UpdateElastigroupAsync(account, group.Id, new ElastigroupRequest { Capacity = new SpotCapacity(Target: 2) });
        Assert.Equal((2, "web", "t3.micro"), (scaled.Capacity.Target, scaled.Name, scaled.Compute.InstanceTypes.Ondemand));
        await Eventually.TrueAsync(async () => (await client.Groups.GetElastigroupAsync(account, group.Id)).Members.Count(m => m.State == "RUNNING") == 2, Limit,
            "the group runs two members");

        var instance = await client.Groups.CreateManagedInstanceAsync(account, new ManagedInstanceRequest
        {
            Name = "db",
            Compute = new ManagedInstanceComputeRequest(new ManagedLaunchSpecificationRequest(new ManagedInstanceTypes("t3.micro", ["t3.micro"]), "ami-db")),
        });
        Assert.StartsWith("smi-", instance.Id);
        Assert.Equal([group.Id], await client.Groups.ListElastigroupsAsync(account).Select(g => g.Id).ToListAsync());
        Assert.Equal([instance.Id], await client.Groups.ListManagedInstancesAsync(account).Select(g => g.Id).ToListAsync());

        var deleted = await client.Groups.DeleteElastigroupAsync(account, group.Id);
        Assert.Equal((group.Id, "DELETING"), (deleted.Id, deleted.Status));
        await client.Groups.DeleteManagedInstanceAsync(account, instance.Id);
        await Eventually.TrueAsync(async () => !await client.Groups.ListElastigroupsAsync(account).AnyAsync(), Limit, "the drained group is gone");

        var missing = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Groups.GetElastigroupAsync("not-my-account", group.Id));
        Assert.Equal("ACCOUNT_NOT_FOUND", missing.Code);
    }

    [Fact]
    public async Task The_platform_face_provisions_discovers_and_deprovisions_nodes()
    {
        var (_, client) = await NewTenantAsync(1000);
        var cluster = new ProvisionCluster("orders", new Dictionary<string, NodeGroup> { ["data"] = new(2, "t3.micro", "7.0.2", new Dictionary<string, JsonElement> { ["tier"] = JsonSerializer.SerializeToElement("data") }) },
            new Dictionary<string, JsonElement> { ["zone_hint"] = JsonSerializer.SerializeToElement("east"), ["replicas"] = JsonSerializer.SerializeToElement(3) }, "mongodb", "7.0");

        var provisioned = await client.Platform.ProvisionAsync(new ProvisionRequest(cluster, new ProvisionTarget("data")));
        Assert.Equal(2, provisioned.Count);

        IReadOnlyList<ClusterDiscoveryNode> nodes = [];
        await Eventually.TrueAsync(async () =>
            (nodes = (await client.Platform.DiscoverAsync()).Clusters.SingleOrDefault(c => c.ClusterId == "orders")?.Nodes ?? []).Count == 2, Limit, "two nodes discovered");

        await client.Platform.DeprovisionAsync(new DeprovisionRequest("orders", nodes[0].NodeId));
        await Eventually.TrueAsync(async () =>
            (await client.Platform.DiscoverAsync()).Clusters.Single(c => c.ClusterId == "orders").Nodes.Select(n => n.NodeId).SequenceEqual([nodes[1].NodeId]), Limit,
            "one node left");

        var unknown = await Assert.ThrowsAsync<ArbitrageApiException>(() => client.Platform.DeprovisionAsync(new DeprovisionRequest("no-cluster", "n")));
        Assert.Equal(("CLUSTER_NOT_FOUND", "cluster_id"), (unknown.Code, unknown.Field));
    }

    [Fact]
    public void Missing_settings_are_refused_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddArbitrageClient(o => o.MaxRetries = 99);
        using var provider = services.BuildServiceProvider();

        var refused = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IArbitrageClient>());

        Assert.Contains("ArbitrageClientOptions.BaseAddress is required", refused.Message);
        Assert.Contains("ArbitrageClientOptions.ApiToken is required", refused.Message);
        Assert.Contains("ArbitrageClientOptions.MaxRetries must be from 0 to 10", refused.Message);
    }
}
