using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Tenants;

/// <summary><c>POST /v1/tenants</c> (camelCase, operators only): a tenant with its funded default wallet.</summary>
public sealed record CreateTenantRequest(string Name, decimal? InitialCredit = null);

/// <summary>The new tenant and its first token (the secret is shown only here).</summary>
public sealed record CreatedTenant(string Id, string Name, string Token, string TokenId, DateTimeOffset CreatedAt);

/// <summary>
/// <c>POST /v1/tenants/{tenantId}/credit</c>: credit granted to one of the tenant's wallets (default: its default wallet).
/// The body is snake_case like the CreditService face, and the answer is that face's wallet in its envelope.
/// </summary>
public sealed record GrantCreditRequest([property: JsonRequired] decimal Amount, [property: JsonPropertyName("project_id")] string? ProjectId = null, string? Description = null);
