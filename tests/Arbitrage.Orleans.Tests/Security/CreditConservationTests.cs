using System.Net;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// Money is conserved: under 100 concurrent reserve, commit (some beyond their reservation), release and transfer calls
/// across a tenant's wallets, the sum of the balances ends equal to what operators granted minus what was charged, and
/// no wallet's available credit goes below its allowed overdraft (none in this silo) except by what was charged beyond
/// reservations: a charge of what already ran is never refused. A refused transfer changes neither wallet.
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
        var charges = await Task.WhenAll(plan.Select(async Task<(string Wallet, decimal Charge, decimal Beyond)> (op) =>
        {
            if (op.Kind == 0 || op.From == op.To)
            {
                var (moved, _) = await Api.PostAsync(owner, $"/api/v1/wallets/{op.From}/transfer", $$"""{"to_project_id": "{{(op.From == op.To ? tenant : op.To)}}", "amount": {{op.Amount}}}""");
                Assert.True(moved.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.BadRequest, $"transfer answered {moved.StatusCode}");
                return (op.From, 0m, 0m);
            }

            var (reserved, reservation) = await Api.PostAsync(owner, "/api/v1/reservations", $$"""{"project_id": "{{op.From}}", "amount": {{op.Amount}}}""");
            if (reserved.StatusCode == HttpStatusCode.Conflict) return (op.From, 0m, 0m); // INSUFFICIENT_CREDIT or OVERDRAFT_LIMIT: nothing held
            Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
            string id = reservation.GetProperty("data").GetProperty("id").GetString()!;
            if (op.Kind == 1)
            {
                var (released, _) = await Api.PostAsync(owner, $"/api/v1/reservations/{id}/release", "{}");
                Assert.Equal(HttpStatusCode.OK, released.StatusCode);
                return (op.From, 0m, 0m);
            }

            // Half of what was reserved, or a quarter dollar beyond it.
            decimal charge = op.Kind == 3 ? decimal.Round(op.Amount / 2, 6) : op.Amount + 0.25m;
            var (committed, _) = await Api.PostAsync(owner, $"/api/v1/reservations/{id}/commit", $$"""{"actual_amount": {{charge}}}""");
            Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
            return (op.From, charge, Math.Max(0, charge - op.Amount));
        }));

        decimal expected = granted - charges.Sum(c => c.Charge);
        decimal total = 0;
        await Eventually.TrueAsync(async () =>
        {
            total = 0;
            foreach (var wallet in wallets)
            {
                var (_, body) = await Api.GetAsync(owner, $"/api/v1/wallets/{wallet}");
                var data = body.GetProperty("data");
                decimal beyond = charges.Where(c => c.Wallet == wallet).Sum(c => c.Beyond);
                Assert.True(data.GetProperty("available").GetDecimal() >= -beyond, $"{wallet} is overdrawn by more than what was charged beyond reservations ({beyond})");
                Assert.Equal(0m, data.GetProperty("reserved").GetDecimal());
                total += data.GetProperty("balance").GetDecimal();
            }

            return total == expected;
        }, TimeSpan.FromSeconds(60), "every transfer is delivered and the balances add up to grants minus charges");

        Assert.Equal(expected, total);
        Assert.True(charges.Sum(c => c.Charge) > 0, "some charges were made");
        Assert.True(charges.Sum(c => c.Beyond) > 0, "some charges went beyond their reservation");
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
