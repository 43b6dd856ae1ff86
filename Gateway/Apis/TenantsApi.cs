using Arbitrage.Orleans.Contracts.Tenants;
using Arbitrage.Orleans.Contracts.Wallets;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;
using CreatedTenant = Arbitrage.Orleans.Contracts.Tenants.CreatedTenant;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// Tenants, for operators (tokens holding <c>tenants:manage</c>): <c>POST /v1/tenants</c> makes a tenant with its funded
/// default wallet and a first token; <c>POST /v1/tenants/{tenantId}/credit</c> grants credit to one of its wallets. These
/// are the only ways credit comes into being.
/// </summary>
public static class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/tenants", CreateAsync).WithTags("Tenants")
            .WithName("CreateTenant").WithSummary("Creates a tenant, its default wallet (project_id = tenant id) and a first token with every permission but tenants:manage")
            .Accepts<CreateTenantRequest>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.TenantsManage);
        routes.MapPost("/v1/tenants/{tenantId}/credit", GrantCreditAsync).WithTags("Tenants")
            .WithName("GrantCredit").WithSummary("Grants credit to a tenant's wallet (project_id, default: the tenant's default wallet), journaled as a deposit; the body is snake_case and the answer is the wallet in the CreditService envelope")
            .Accepts<GrantCreditRequest>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.TenantsManage);
        return routes;
    }

    private static async Task<Ok<Envelope<Wallet>>> GrantCreditAsync(string tenantId, RequestBody<GrantCreditRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        string projectId = WalletsApi.ProjectId(request.ProjectId ?? tenantId, "project_id");
        string description = request.Description ?? $"Credit granted by operator token {context.Grant().TokenId}";
        if (!WalletKeys.IsValidProjectId(tenantId) || await grains.GetGrain<ITenantGrain>(tenantId).Get() is null)
        {
            throw ApiErrorException.NotFound(ErrorCodes.TenantNotFound, $"Tenant '{tenantId}' does not exist.");
        }

        var wallet = await grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenantId, projectId)).TopUp(request.Amount, description);
        return TypedResults.Ok(WalletsApi.InEnvelope(context, WalletsApi.ToContract(wallet))); // the wallet as the CreditService face shows it
    }

    private static async Task<Created<CreatedTenant>> CreateAsync(RequestBody<CreateTenantRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        string id = TokenSecrets.NewId("tn-", 6);
        var created = await grains.GetGrain<ITenantGrain>(id).Create(request.Name, request.InitialCredit ?? 0);
        return TypedResults.Created((string?)null, new CreatedTenant(id, created.Tenant.Name, created.FirstToken.Secret, created.FirstToken.Token.Id, created.Tenant.CreatedAt));
    }
}
