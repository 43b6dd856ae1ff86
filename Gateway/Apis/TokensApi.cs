using Arbitrage.Orleans.Gateway.Http;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>API tokens of the caller's tenant: create (the secret is shown once), list (never secrets), revoke.</summary>
public static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder routes)
    {
        var tokens = routes.MapGroup("/v1/tokens").WithTags("Tokens");
        tokens.MapPost("", CreateAsync).WithName("CreateToken").WithSummary("Creates a token holding some of the caller's permissions and expiring no later than the caller's token; its secret is returned only here")
            .Produces(StatusCodes.Status201Created).RequirePermission(Permissions.TokensManage);
        tokens.MapGet("", ListAsync).WithName("ListTokens").WithSummary("The tenant's tokens, without secrets").RequirePermission(Permissions.TokensManage);
        tokens.MapDelete("/{tokenId}", RevokeAsync).WithName("RevokeToken").WithSummary("Revokes a token at once, on every silo; an operator token only by an operator token")
            .Produces(StatusCodes.Status204NoContent).RequirePermission(Permissions.TokensManage);
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IGrainFactory grains)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string name = body.RequiredString("name", 128);
        var permissions = body.Strings("permissions", Permissions.All.Count) ?? throw ApiErrorException.Validation("permissions", "permissions is required: a list such as [\"workloads:read\"].");
        if (permissions.Count == 0) throw ApiErrorException.Validation("permissions", "permissions must name at least one permission.");
        if (permissions.FirstOrDefault(p => !Permissions.IsKnown(p)) is { } unknown)
        {
            throw ApiErrorException.Validation("permissions", $"'{unknown}' is not a permission; known: {string.Join(", ", Permissions.All)}.");
        }

        int? days = body.Int("expiresInDays", 1, 3650);
        var expiresAt = body.Timestamp("expiresAt");
        if (days is not null && expiresAt is not null) throw ApiErrorException.Validation("expiresAt", "Give expiresAt or expiresInDays, not both.");
        if (expiresAt <= DateTimeOffset.UtcNow) throw ApiErrorException.Validation("expiresAt", $"expiresAt must be in the future (was {expiresAt:u}).");
        var grant = context.Grant();
        var created = await grains.GetGrain<ITenantGrain>(grant.TenantId).CreateToken(new CreateTokenRequest(name, permissions, days, expiresAt), grant);
        var t = created.Token;
        return Results.Json(new { id = t.Id, name = t.Name, token = created.Secret, permissions = t.Permissions, createdAt = t.CreatedAt, expiresAt = t.ExpiresAt },
            ApiJson.CamelCase, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> ListAsync(HttpContext context, IGrainFactory grains)
    {
        var tokens = await grains.GetGrain<ITenantGrain>(context.Grant().TenantId).ListTokens();
        return Results.Json(new { tokens }, ApiJson.CamelCase);
    }

    private static async Task<IResult> RevokeAsync(string tokenId, HttpContext context, IGrainFactory grains) =>
        await grains.GetGrain<ITenantGrain>(context.Grant().TenantId).RevokeToken(tokenId, context.Grant())
            ? Results.NoContent()
            : throw ApiErrorException.NotFound(ErrorCodes.TokenNotFound, $"Token '{tokenId}' does not exist.");
}
