using System.Net;
using System.Text.Json;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>Wallets and credit reservations (the CreditService face) over real HTTP on PostgreSQL.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class WalletApiTests(WorkloadSiloFixture fixture)
{
    private static async Task<JsonElement> WalletAsync(HttpClient http, string projectId)
    {
        var (response, body) = await Api.GetAsync(http, $"/api/v1/wallets/{projectId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body.GetProperty("meta").GetProperty("request_id").GetString(), response.Headers.GetValues("X-Request-Id").Single());
        return body.GetProperty("data");
    }

    private static async Task<List<JsonElement>> TransactionsAsync(HttpClient http, string projectId)
    {
        var all = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var (_, body) = await Api.GetAsync(http, $"/api/v1/wallets/{projectId}/transactions?limit=50{(cursor is null ? "" : $"&cursor={cursor}")}");
            all.AddRange(body.GetProperty("data").GetProperty("transactions").EnumerateArray());
            cursor = body.GetProperty("data").GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        return all;
    }

    private static string Project() => $"proj-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task A_wallet_shows_balance_reserved_and_available_in_the_envelope_and_every_change_is_a_transaction()
    {
        var http = fixture.Operator;
        var project = Project();
        var (created, createdBody) = await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 100.25}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(100.25m, createdBody.GetProperty("data").GetProperty("balance").GetDecimal());
        Assert.Equal("USD", createdBody.GetProperty("data").GetProperty("currency").GetString());

        await Api.PostAsync(http, $"/api/v1/wallets/{project}/topup", """{"amount": 0.75, "description": "Monthly credit purchase"}""");
        var (_, reserved) = await Api.PostAsync(http, "/api/v1/reservations",
            $$"""{"project_id": "{{project}}", "amount": 20, "description": "VM creation", "resource_type": "vm", "resource_id": "vm-4", "ttl_seconds": 3600}""");
        var reservation = reserved.GetProperty("data");
        Assert.Equal("active", reservation.GetProperty("status").GetString());
        Assert.Equal(20m, reservation.GetProperty("amount").GetDecimal());

        var wallet = await WalletAsync(http, project);
        Assert.Equal(101m, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(20m, wallet.GetProperty("reserved").GetDecimal());
        Assert.Equal(81m, wallet.GetProperty("available").GetDecimal());

        var (commit, committed) = await Api.PostAsync(http, $"/api/v1/reservations/{reservation.GetProperty("id").GetString()}/commit", """{"actual_amount": 18.5, "resource_id": "vm-4"}""");
        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal("committed", committed.GetProperty("data").GetProperty("status").GetString());
        wallet = await WalletAsync(http, project);
        Assert.Equal(82.5m, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(0m, wallet.GetProperty("reserved").GetDecimal());
        Assert.Equal(82.5m, wallet.GetProperty("available").GetDecimal());

        var transactions = await TransactionsAsync(http, project);
        Assert.Equal(["deposit", "deposit", "charge"], transactions.Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(-18.5m, transactions[2].GetProperty("amount").GetDecimal());
        Assert.Equal("vm-4", transactions[2].GetProperty("resource_id").GetString());
        Assert.Equal(82.5m, transactions.Sum(t => t.GetProperty("amount").GetDecimal()));

        var (again, againBody) = await Api.PostAsync(http, $"/api/v1/reservations/{reservation.GetProperty("id").GetString()}/commit", """{"actual_amount": 1}""");
        Api.AssertError(again, againBody, HttpStatusCode.Conflict, "RESERVATION_NOT_ACTIVE");
    }

    [Theory]
    [InlineData("""{"project_id": "p", "amount": 0.1234567}""", "amount")]
    [InlineData("""{"project_id": "p", "amount": -5}""", "amount")]
    [InlineData("""{"project_id": "p", "amount": "5"}""", "amount")]
    [InlineData("""{"project_id": "p", "amount": 5, "ttl_seconds": 0}""", "ttl_seconds")]
    [InlineData("""{"project_id": "no/slashes", "amount": 5}""", "project_id")]
    [InlineData("""{"amount": 5}""", "project_id")]
    public async Task Bad_reservations_get_400_naming_the_field(string body, string field)
    {
        var (response, error) = await Api.PostAsync(fixture.Operator, "/api/v1/reservations", body);
        Api.AssertError(response, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task Commit_above_the_reserved_amount_is_charged_in_full_and_reserve_above_available_is_refused()
    {
        var http = fixture.Operator;
        var project = Project();
        await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 10}""");
        var (tooMuch, tooMuchBody) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 10.01}""");
        Api.AssertError(tooMuch, tooMuchBody, HttpStatusCode.Conflict, "INSUFFICIENT_CREDIT");

        var (_, reserved) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 4}""");
        var id = reserved.GetProperty("data").GetProperty("id").GetString();
        var (over, overBody) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", """{"actual_amount": 4.5}""");
        Assert.Equal(HttpStatusCode.OK, over.StatusCode);
        Assert.Equal(4.5m, overBody.GetProperty("data").GetProperty("committed_amount").GetDecimal());

        var wallet = await WalletAsync(http, project);
        Assert.Equal(5.5m, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(0m, wallet.GetProperty("reserved").GetDecimal());
        Assert.Equal(-4.5m, (await TransactionsAsync(http, project)).Last().GetProperty("amount").GetDecimal());

        var (_, second) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 4}""");
        var (released, releasedBody) = await Api.PostAsync(http, $"/api/v1/reservations/{second.GetProperty("data").GetProperty("id").GetString()}/release", """{"reason": "VM creation failed"}""");
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal("released", releasedBody.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(5.5m, (await WalletAsync(http, project)).GetProperty("available").GetDecimal());

        // A charge past the overdraft (0 here) is still taken in full, and says so; then the wallet lends nothing more.
        var (_, third) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 1}""");
        var (past, pastBody) = await Api.PostAsync(http, $"/api/v1/reservations/{third.GetProperty("data").GetProperty("id").GetString()}/commit", """{"actual_amount": 20}""");
        Assert.Equal(HttpStatusCode.OK, past.StatusCode);
        Assert.True(pastBody.GetProperty("data").GetProperty("overdraft_exceeded").GetBoolean());
        Assert.Equal(-14.5m, (await WalletAsync(http, project)).GetProperty("balance").GetDecimal());
        var (refused, refusedBody) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 1}""");
        Api.AssertError(refused, refusedBody, HttpStatusCode.Conflict, "OVERDRAFT_LIMIT");
    }

    [Fact]
    public async Task Hundred_concurrent_reserve_commit_release_calls_keep_the_wallet_exact()
    {
        var http = fixture.Operator;
        var project = Project();
        await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 100}""");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async Task<(bool Reserved, decimal Charged)> (i) =>
        {
            var (response, body) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 1.5, "resource_id": "r-{{i}}"}""");
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                Assert.Equal("INSUFFICIENT_CREDIT", body.GetProperty("error").GetProperty("code").GetString());
                return (false, 0m);
            }

            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var id = body.GetProperty("data").GetProperty("id").GetString();
            if (i % 3 == 0)
            {
                var (released, _) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/release", "{}");
                Assert.Equal(HttpStatusCode.OK, released.StatusCode);
                return (true, 0m);
            }

            decimal actual = i % 3 == 1 ? 1.5m : 0.25m;
            var (committed, _) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", $$"""{"actual_amount": {{actual}}}""");
            Assert.Equal(HttpStatusCode.OK, committed.StatusCode);
            return (true, actual);
        }));

        var wallet = await WalletAsync(http, project);
        decimal charged = outcomes.Sum(o => o.Charged);
        Assert.True(outcomes.Count(o => o.Reserved) >= 66, "at least 66 reservations of 1.5 fit in 100 at any moment");
        Assert.Equal(100m - charged, wallet.GetProperty("balance").GetDecimal());
        Assert.Equal(0m, wallet.GetProperty("reserved").GetDecimal());
        Assert.Equal(wallet.GetProperty("balance").GetDecimal(), wallet.GetProperty("available").GetDecimal());
        var transactions = await TransactionsAsync(http, project);
        Assert.Equal(wallet.GetProperty("balance").GetDecimal(), transactions.Sum(t => t.GetProperty("amount").GetDecimal()));
        Assert.Equal(outcomes.Count(o => o.Charged > 0) + 1, transactions.Count);
        Assert.All(transactions, t => Assert.True(t.GetProperty("balance_after").GetDecimal() >= 0));
    }

    [Fact]
    public async Task A_reservation_past_its_ttl_expires_its_credit_returns_within_ten_seconds_and_a_late_commit_is_still_charged()
    {
        var http = fixture.Operator;
        var project = Project();
        await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 10}""");
        var (_, reserved) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 6, "ttl_seconds": 1}""");
        var id = reserved.GetProperty("data").GetProperty("id").GetString();
        var expiresAt = reserved.GetProperty("data").GetProperty("expires_at").GetDateTimeOffset();
        Assert.Equal(4m, (await WalletAsync(http, project)).GetProperty("available").GetDecimal());

        var expired = await Api.WaitForAsync(http, $"/api/v1/reservations/{id}", r => r.GetProperty("data").GetProperty("status").GetString() == "expired", TimeSpan.FromSeconds(11));
        Assert.True(expired.GetProperty("data").GetProperty("closed_at").GetDateTimeOffset() - expiresAt < TimeSpan.FromSeconds(10));
        Assert.Equal(10m, (await WalletAsync(http, project)).GetProperty("available").GetDecimal());
        var (late, lateBody) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", """{"actual_amount": 1}""");
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal("committed", lateBody.GetProperty("data").GetProperty("status").GetString());
        Assert.Equal(9m, (await WalletAsync(http, project)).GetProperty("balance").GetDecimal());
        Assert.Equal([id], await ReservationIdsAsync(http, $"/api/v1/wallets/{project}/reservations?status=committed"));
        var (again, againBody) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", """{"actual_amount": 1}""");
        Api.AssertError(again, againBody, HttpStatusCode.Conflict, "RESERVATION_NOT_ACTIVE");
    }

    private static async Task<List<string?>> ReservationIdsAsync(HttpClient http, string query)
    {
        var (response, body) = await Api.GetAsync(http, query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return body.GetProperty("data").GetProperty("reservations").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
    }

    [Fact]
    public async Task A_wallet_lists_its_reservations_newest_first_by_status_and_a_page_at_a_time()
    {
        var http = fixture.Operator;
        var project = Project();
        await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 50}""");
        var ids = new List<string>();
        foreach (var resource in new[] { "vm-1", "vm-2", "vm-3" })
        {
            var (_, reserved) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{project}}", "amount": 5, "resource_id": "{{resource}}"}""");
            ids.Add(reserved.GetProperty("data").GetProperty("id").GetString()!);
        }

        await Api.PostAsync(http, $"/api/v1/reservations/{ids[0]}/commit", """{"actual_amount": 4.25}""");
        await Api.PostAsync(http, $"/api/v1/reservations/{ids[1]}/release", """{"reason": "not needed"}""");

        var (listed, listedBody) = await Api.GetAsync(http, $"/api/v1/wallets/{project}/reservations");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var all = listedBody.GetProperty("data").GetProperty("reservations").EnumerateArray().ToList();
        Assert.Equal([ids[2], ids[1], ids[0]], all.Select(r => r.GetProperty("id").GetString()));
        Assert.Equal(["active", "released", "committed"], all.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(4.25m, all[2].GetProperty("committed_amount").GetDecimal());
        Assert.Equal("not needed", all[1].GetProperty("close_reason").GetString());
        Assert.Equal(JsonValueKind.Null, listedBody.GetProperty("data").GetProperty("next_cursor").ValueKind);

        Assert.Equal([ids[2]], await ReservationIdsAsync(http, $"/api/v1/wallets/{project}/reservations?status=active"));
        Assert.Equal([ids[0]], await ReservationIdsAsync(http, $"/api/v1/wallets/{project}/reservations?status=committed"));
        Assert.Equal([ids[1]], await ReservationIdsAsync(http, $"/api/v1/wallets/{project}/reservations?status=released"));
        Assert.Empty(await ReservationIdsAsync(http, $"/api/v1/wallets/{project}/reservations?status=expired"));

        var paged = new List<string?>();
        string? cursor = null;
        do
        {
            var (_, page) = await Api.GetAsync(http, $"/api/v1/wallets/{project}/reservations?limit=1{(cursor is null ? "" : $"&cursor={cursor}")}");
            var reservations = page.GetProperty("data").GetProperty("reservations").EnumerateArray().ToList();
            Assert.Single(reservations);
            paged.Add(reservations[0].GetProperty("id").GetString());
            cursor = page.GetProperty("data").GetProperty("next_cursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal([ids[2], ids[1], ids[0]], paged);
    }

    [Theory]
    [InlineData("status=open", "status")]
    [InlineData("status=ACTIVE", "status")]
    [InlineData("limit=0", "limit")]
    [InlineData("cursor=txn-3", "cursor")]
    public async Task Listing_reservations_with_a_bad_query_is_refused_naming_the_field(string query, string field)
    {
        var project = Project();
        await Api.PostAsync(fixture.Operator, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 1}""");
        var (response, error) = await Api.GetAsync(fixture.Operator, $"/api/v1/wallets/{project}/reservations?{query}");
        Api.AssertError(response, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task Another_tenants_wallet_reservations_are_404()
    {
        var (tenant, own) = await fixture.NewTenantAsync(10m);
        var (_, reserved) = await Api.PostAsync(own, "/api/v1/reservations", $$"""{"project_id": "{{tenant}}", "amount": 2}""");
        Assert.Equal([reserved.GetProperty("data").GetProperty("id").GetString()], await ReservationIdsAsync(own, $"/api/v1/wallets/{tenant}/reservations"));

        var (_, other) = await fixture.NewTenantAsync(10m);
        var (response, error) = await Api.GetAsync(other, $"/api/v1/wallets/{tenant}/reservations");
        Api.AssertError(response, error, HttpStatusCode.NotFound, "WALLET_NOT_FOUND");
    }

    [Fact]
    public async Task Creating_a_wallet_twice_is_a_conflict_and_an_unknown_one_is_404()
    {
        var http = fixture.Operator;
        var project = Project();
        await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 1}""");
        var (twice, twiceBody) = await Api.PostAsync(http, "/api/v1/wallets", $$"""{"project_id": "{{project}}", "initial_balance": 1}""");
        Api.AssertError(twice, twiceBody, HttpStatusCode.Conflict, "WALLET_EXISTS");
        var (missing, missingBody) = await Api.GetAsync(http, "/api/v1/wallets/nobody-has-this");
        Api.AssertError(missing, missingBody, HttpStatusCode.NotFound, "WALLET_NOT_FOUND");
    }
}
