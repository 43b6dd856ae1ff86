using System.Net;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// Money is conserved: under 100 concurrent reserve, commit, release and transfer calls across a tenant's wallets,
/// the sum of the balances ends equal to what operators granted minus what was charged, and no wallet's available
/// credit goes below zero. A refused transfer changes neither wallet.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class CreditConservationTests(WorkloadSiloFixture fixture)
{
    private static readonly string[] Projects = ["p-a", "p-b", "p-c"];

    [Fact]
    public async Task Concurrent_reserves_commits_releases_and_transfers_never_create_or_lose_money()
    {
        const decimal granted = 60m;
        var (tenant, owner) = await fixture.NewTenantAsync(granted);
        string[] wallets = [tenant, .. Projects];
        foreach (var project in Projects)
        {
            var (created, _) = await Api.PostAsync(owner, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 0}""");
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var random = new Random(11);
        var plan = Enumerable.Range(0, 100).Select(i => (Kind: i % 4, From: wallets[random.Next(wallets.Length)], To: wallets[random.Next(wallets.Length)], Amount: 1 + random.Next(300) / 100m)).ToList();
        var charges = await Task.WhenAll(plan.Select(async op =>
        {
            if (op.Kind == 0 || op.From == op.To)
            {
                var (moved, _) = await Api.PostAsync(owner, $"/api/v1/wallets/{op.From}/transfer", $$"""{"to_project_id": "{{(op.From == op.To ? tenant : op.To)}}", "amount": {{op.Amount}}}""");
                Assert.True(moved.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"transfer answered {moved.StatusCode}");
                return 0m;
            }

            var (reserved, reservation) = await Api.PostAsync(owner, "/api/v1/reservations", $$"""{"project_id": "{{op.From}}", "amount": {{op.Amount}}}""");
            if (reserved.StatusCode == HttpStatusCode.Conflict) return 0m; // INSUFFICIENT_CREDIT: nothing held
            Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
            string id = reservation.GetProperty("data").GetProperty("id").GetString()!;
            if (op.Kind == 1)
            {
                var (released, _) = await Api.PostAsync(owner, $"/api/v1/reservations/{id}/release", "{}");
                Assert.Equal(HttpStatusCode.OK, released.StatusCode);
                return 0m;
            }

            decimal charge = op.Kind == 2 ? op.Amount : decimal.Round(op.Amount / 2, 6);
            var (committed, _) = await Api.PostAsync(owner, $"/api/v1/reservations/{id}/commit", $$"""{"actual_amount": {{charge}}}""");
            Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
            return charge;
        }));

        decimal expected = granted - charges.Sum();
        decimal total = 0;
        await Eventually.TrueAsync(async () =>
        {
            total = 0;
            foreach (var wallet in wallets)
            {
                var (_, body) = await Api.GetAsync(owner, $"/api/v1/wallets/{wallet}");
                var data = body.GetProperty("data");
                Assert.True(data.GetProperty("available").GetDecimal() >= 0, $"{wallet} has negative available credit");
                Assert.Equal(0m, data.GetProperty("reserved").GetDecimal());
                total += data.GetProperty("balance").GetDecimal();
            }

            return total == expected;
        }, TimeSpan.FromSeconds(60), "every transfer is delivered and the balances add up to grants minus charges");

        Assert.Equal(expected, total);
        Assert.True(charges.Sum() > 0, "some charges were made");
    }

    [Fact]
    public async Task A_refused_transfer_changes_neither_wallet_and_a_delivered_one_is_journaled_on_both_sides()
    {
        var (tenant, owner) = await fixture.NewTenantAsync(10);
        await Api.PostAsync(owner, "/api/v1/wallets", """{"project_id": "side", "initial_balance": 0}""");

        var (tooMuch, tooMuchBody) = await Api.PostAsync(owner, $"/api/v1/wallets/{tenant}/transfer", """{"to_project_id": "side", "amount": 10.01}""");
        Api.AssertError(tooMuch, tooMuchBody, HttpStatusCode.Conflict, "INSUFFICIENT_CREDIT");
        var (nowhere, nowhereBody) = await Api.PostAsync(owner, $"/api/v1/wallets/{tenant}/transfer", """{"to_project_id": "nowhere", "amount": 1}""");
        Api.AssertError(nowhere, nowhereBody, HttpStatusCode.NotFound, "WALLET_NOT_FOUND", "to_project_id");
        Assert.Equal(10m, await BalanceAsync(owner, tenant));
        Assert.Equal(0m, await BalanceAsync(owner, "side"));

        var (moved, movedBody) = await Api.PostAsync(owner, $"/api/v1/wallets/{tenant}/transfer", """{"to_project_id": "side", "amount": 4, "description": "team budget"}""");
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        string transferId = movedBody.GetProperty("data").GetProperty("id").GetString()!;
        await Eventually.TrueAsync(async () => await BalanceAsync(owner, "side") == 4m, TimeSpan.FromSeconds(30), "the transfer is delivered");
        Assert.Equal(6m, await BalanceAsync(owner, tenant));

        var outgoing = await LastTransactionAsync(owner, tenant);
        Assert.Equal(("transfer_out", -4m, transferId), (outgoing.GetProperty("type").GetString(), outgoing.GetProperty("amount").GetDecimal(), outgoing.GetProperty("reservation_id").GetString()));
        var incoming = await LastTransactionAsync(owner, "side");
        Assert.Equal(("transfer_in", 4m, "team budget"), (incoming.GetProperty("type").GetString(), incoming.GetProperty("amount").GetDecimal(), incoming.GetProperty("description").GetString()));
    }

    private static async Task<decimal> BalanceAsync(HttpClient http, string project) =>
        (await Api.GetAsync(http, $"/api/v1/wallets/{project}")).Body.GetProperty("data").GetProperty("balance").GetDecimal();

    private static async Task<System.Text.Json.JsonElement> LastTransactionAsync(HttpClient http, string project) =>
        (await Api.GetAsync(http, $"/api/v1/wallets/{project}/transactions?limit=200")).Body.GetProperty("data").GetProperty("transactions").EnumerateArray().Last();
}
