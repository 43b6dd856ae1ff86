using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Wallets;
using Orleans;

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
            .Produces(StatusCodes.Status201Created).RequirePermission(Permissions.TenantsManage);
        routes.MapPost("/v1/tenants/{tenantId}/credit", GrantCreditAsync).WithTags("Tenants")
            .WithName("GrantCredit").WithSummary("Grants credit to a tenant's wallet (project_id, default: the tenant's default wallet), journaled as a deposit")
            .RequirePermission(Permissions.TenantsManage);
        return routes;
    }

    private static async Task<IResult> GrantCreditAsync(string tenantId, HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        decimal amount = WalletsApi.ReadAmount(body, "amount", allowZero: false) ?? throw ApiErrorException.Validation("amount", "amount is required.");
        string projectId = WalletsApi.ProjectId(body.String("project_id", 64) ?? tenantId, "project_id");
        string description = body.String("description", 512) ?? $"Credit granted by operator token {context.Grant().TokenId}";
        if (!WalletKeys.IsValidProjectId(tenantId) || await grains.GetGrain<ITenantGrain>(tenantId).Get() is null)
        {
            throw ApiErrorException.NotFound(ErrorCodes.TenantNotFound, $"Tenant '{tenantId}' does not exist.");
        }

        var wallet = await grains.GetGrain<IWalletGrain>(WalletKeys.Of(tenantId, projectId)).TopUp(amount, description);
        return WalletsApi.Envelope(context, WalletsApi.WalletData(wallet)); // the wallet as the CreditService face shows it
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string name = body.RequiredString("name", 128);
        decimal credit = WalletsApi.ReadAmount(body, "initialCredit", allowZero: true) ?? 0;
        string id = TokenSecrets.NewId("tn-", 6);
        var created = await grains.GetGrain<ITenantGrain>(id).Create(name, credit);
        return Results.Json(new { id, name = created.Tenant.Name, token = created.FirstToken.Secret, tokenId = created.FirstToken.Token.Id, createdAt = created.Tenant.CreatedAt },
            ApiJson.CamelCase, statusCode: StatusCodes.Status201Created);
    }
}
