using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// The CreditService face (wallets, reservations) and the tenant routes read and write typed records: every answer is
/// checked against the silo's OpenAPI document on the way in (<see cref="ContractCheckingHandler"/>), names are
/// snake_case, and the fields the face always sends are there, null when unset.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class CreditContractTests(WorkloadSiloFixture fixture)
{
    [Fact]
    public async Task Every_answer_of_the_wallet_reservation_and_tenant_routes_matches_the_document()
    {
        var (tenant, http) = await fixture.NewTenantAsync(0);
        var handler = fixture.HandlerOf(http);
        var (granted, wallet) = await Api.PostAsync(fixture.Operator, $"/v1/tenants/{tenant}/credit", """{"amount": 40}""");
        Assert.Equal(HttpStatusCode.OK, granted.StatusCode);
        Assert.Equal(tenant, wallet.GetProperty("data").GetProperty("project_id").GetString());
        Assert.Equal(JsonValueKind.Null, wallet.GetProperty("data").GetProperty("org_id").ValueKind);

        var (created, _) = await Api.PostAsync(http, "/api/v1/wallets", """{"project_id": "team-b", "org_id": "org-1"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (moved, transfer) = await Api.PostAsync(http, $"/api/v1/wallets/{tenant}/transfer", """{"to_project_id": "team-b", "amount": 5}""");
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal("team-b", transfer.GetProperty("data").GetProperty("to_project_id").GetString());

        // A reservation made with nothing optional sends its optional fields as null, and reads back the same.
        var (reserved, reservation) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{tenant}}", "amount": 3}""");
        Assert.Equal(HttpStatusCode.Created, reserved.StatusCode);
        var data = reservation.GetProperty("data");
        foreach (var unset in new[] { "description", "resource_type", "resource_id", "committed_amount", "closed_at", "close_reason" })
        {
            Assert.Equal(JsonValueKind.Null, data.GetProperty(unset).ValueKind);
        }

        string id = data.GetProperty("id").GetString()!;
        var (read, _) = await Api.GetAsync(http, $"/api/v1/reservations/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var (released, release) = await Api.SendAsync(http, HttpMethod.Post, $"/api/v1/reservations/{id}/release");
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Equal("released", release.GetProperty("data").GetProperty("status").GetString());

        var (listed, page) = await Api.GetAsync(http, $"/api/v1/wallets/{tenant}/transactions?limit=200");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        Assert.Equal(JsonValueKind.Null, page.GetProperty("data").GetProperty("next_cursor").ValueKind);
        Assert.Contains(page.GetProperty("data").GetProperty("transactions").EnumerateArray(), t => t.GetProperty("type").GetString() == "transfer_out");

        // Refusals are checked too: each is the one error shape, with a status the document lists for the route.
        var (missing, missingBody) = await Api.GetAsync(http, "/api/v1/wallets/nobody");
        Api.AssertError(missing, missingBody, HttpStatusCode.NotFound, "WALLET_NOT_FOUND");
        var (bad, badBody) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", """{"actual_amount": "two"}""");
        Api.AssertError(bad, badBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "actual_amount");
        Assert.True(handler.Checked >= 8, $"only {handler.Checked} answers were checked against the document");
        Assert.True(fixture.HandlerOf(fixture.Operator).Checked >= 1);
    }

    [Theory]
    [InlineData("""{"resource_id": "vm-1"}""", "actual_amount")]
    [InlineData("""{"actual_amount": null}""", "actual_amount")]
    [InlineData("""{"actual_amount": 1.0000001}""", "actual_amount")]
    public async Task A_commit_without_a_valid_actual_amount_is_refused_naming_it_and_charges_nothing(string body, string field)
    {
        var (tenant, http) = await fixture.NewTenantAsync(10);
        var (_, reservation) = await Api.PostAsync(http, "/api/v1/reservations", $$"""{"project_id": "{{tenant}}", "amount": 2}""");
        string id = reservation.GetProperty("data").GetProperty("id").GetString()!;

        var (response, error) = await Api.PostAsync(http, $"/api/v1/reservations/{id}/commit", body);
        Api.AssertError(response, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
        var (_, still) = await Api.GetAsync(http, $"/api/v1/reservations/{id}");
        Assert.Equal("active", still.GetProperty("data").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"initialCredit": 5}""", "name")]
    [InlineData("""{"name": "x", "initialCredit": -1}""", "initialCredit")]
    [InlineData("""{"name": 7}""", "name")]
    public async Task A_bad_tenant_is_refused_naming_the_field(string body, string field)
    {
        var (response, error) = await Api.PostAsync(fixture.Operator, "/v1/tenants", body);
        Api.AssertError(response, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }
}
