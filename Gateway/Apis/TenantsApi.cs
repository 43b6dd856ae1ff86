using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Wallets;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary><c>POST /v1/tenants</c>: a new tenant with its funded default wallet and a first token.</summary>
public static class TenantsApi
{
    public static IEndpointRouteBuilder MapTenantsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/tenants", CreateAsync).WithTags("Tenants")
            .WithName("CreateTenant").WithSummary("Creates a tenant, its default wallet (project_id = tenant id) and a first token with every permission but tenants:manage")
            .Produces(StatusCodes.Status201Created).RequirePermission(Permissions.TenantsManage);
        return routes;
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
