using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Wallets;

namespace Arbitrage.Orleans.Client;

/// <summary>Tenants, for operators (a token holding <c>tenants:manage</c>): <c>/v1/tenants</c>.</summary>
public sealed class TenantsClient
{
    private readonly ApiTransport _api;

    internal TenantsClient(ApiTransport api) => _api = api;

    /// <summary>Creates a tenant, its default wallet (funded with <paramref name="request"/>'s initial credit) and a first token.</summary>
    public Task<CreatedTenant> CreateAsync(CreateTenantRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/v1/tenants", ApiTransport.Json(request, CamelCaseJsonContext.Default.CreateTenantRequest),
            CamelCaseJsonContext.Default.CreatedTenant, cancellationToken);

    /// <summary>Grants credit to one of the tenant's wallets (its default wallet unless a project is named); answers the wallet.</summary>
    public async Task<Wallet> GrantCreditAsync(string tenantId, GrantCreditRequest request, CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Post, $"/v1/tenants/{ApiTransport.Segment(tenantId)}/credit",
            ApiTransport.Json(request, SnakeCaseJsonContext.Default.GrantCreditRequest), SnakeCaseJsonContext.Default.EnvelopeWallet, cancellationToken)).Data;
}
