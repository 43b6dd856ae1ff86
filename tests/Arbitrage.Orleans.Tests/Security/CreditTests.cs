using System.Net;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>Only operators create credit: tenants get zero-balance wallets, operators grant credit as journaled deposits.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class CreditTests(WorkloadSiloFixture fixture)
{
    [Fact]
    public async Task A_tenant_cannot_create_money_with_a_funded_wallet_or_a_top_up()
    {
        var (tenant, owner) = await fixture.NewTenantAsync(5);

        var (funded, fundedBody) = await Api.PostAsync(owner, "/api/v1/wallets", """{"project_id": "rich", "initial_balance": 1000000000}""");
        Api.AssertError(funded, fundedBody, HttpStatusCode.Forbidden, "FORBIDDEN", "initial_balance");
        var (_, missing) = await Api.GetAsync(owner, "/api/v1/wallets/rich");
        Assert.Equal("WALLET_NOT_FOUND", missing.GetProperty("error").GetProperty("code").GetString()); // nothing half-created

        var (topUp, topUpBody) = await Api.PostAsync(owner, $"/api/v1/wallets/{tenant}/topup", """{"amount": 100}""");
        Api.AssertError(topUp, topUpBody, HttpStatusCode.Forbidden, "FORBIDDEN");
        var (grant, grantBody) = await Api.PostAsync(owner, $"/v1/tenants/{tenant}/credit", """{"amount": 100}""");
        Api.AssertError(grant, grantBody, HttpStatusCode.Forbidden, "FORBIDDEN");

        var (_, wallet) = await Api.GetAsync(owner, $"/api/v1/wallets/{tenant}");
        Assert.Equal(5m, wallet.GetProperty("data").GetProperty("balance").GetDecimal());

        var (empty, emptyBody) = await Api.PostAsync(owner, "/api/v1/wallets", """{"project_id": "team-a", "initial_balance": 0}""");
        Assert.Equal(HttpStatusCode.Created, empty.StatusCode);
        Assert.Equal(0m, emptyBody.GetProperty("data").GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task An_operator_grants_credit_to_any_tenants_wallet_as_a_journaled_deposit()
    {
        var (tenant, owner) = await fixture.NewTenantAsync(0);
        await Api.PostAsync(owner, "/api/v1/wallets", """{"project_id": "team-b", "initial_balance": 0}""");

        var (toDefault, defaultBody) = await Api.PostAsync(fixture.Operator, $"/v1/tenants/{tenant}/credit", """{"amount": 12.5, "description": "December budget"}""");
        Assert.Equal(HttpStatusCode.OK, toDefault.StatusCode);
        Assert.Equal(12.5m, defaultBody.GetProperty("data").GetProperty("balance").GetDecimal());
        var (toProject, _) = await Api.PostAsync(fixture.Operator, $"/v1/tenants/{tenant}/credit", """{"project_id": "team-b", "amount": 2}""");
        Assert.Equal(HttpStatusCode.OK, toProject.StatusCode);

        var (_, transactions) = await Api.GetAsync(owner, $"/api/v1/wallets/{tenant}/transactions");
        var deposit = transactions.GetProperty("data").GetProperty("transactions").EnumerateArray().Last();
        Assert.Equal("deposit", deposit.GetProperty("type").GetString());
        Assert.Equal(12.5m, deposit.GetProperty("amount").GetDecimal());
        Assert.Equal("December budget", deposit.GetProperty("description").GetString());
        var (_, project) = await Api.GetAsync(owner, "/api/v1/wallets/team-b");
        Assert.Equal(2m, project.GetProperty("data").GetProperty("balance").GetDecimal());

        var (unknownTenant, unknownBody) = await Api.PostAsync(fixture.Operator, "/v1/tenants/tn-nobody/credit", """{"amount": 1}""");
        Api.AssertError(unknownTenant, unknownBody, HttpStatusCode.NotFound, "TENANT_NOT_FOUND");
        var (unknownWallet, unknownWalletBody) = await Api.PostAsync(fixture.Operator, $"/v1/tenants/{tenant}/credit", """{"project_id": "nope", "amount": 1}""");
        Api.AssertError(unknownWallet, unknownWalletBody, HttpStatusCode.NotFound, "WALLET_NOT_FOUND");
        var (negative, negativeBody) = await Api.PostAsync(fixture.Operator, $"/v1/tenants/{tenant}/credit", """{"amount": -5}""");
        Api.AssertError(negative, negativeBody, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "amount");
    }
}
