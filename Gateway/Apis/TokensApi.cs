using Arbitrage.Orleans.Contracts.Tokens;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;
using CreateTokenRequest = Arbitrage.Orleans.Contracts.Tokens.CreateTokenRequest;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>API tokens of the caller's tenant: create (the secret is shown once), list (never secrets), revoke.</summary>
public static class TokensApi
{
    public static IEndpointRouteBuilder MapTokensApi(this IEndpointRouteBuilder routes)
    {
        var tokens = routes.MapGroup("/v1/tokens").WithTags("Tokens");
        tokens.MapPost("", CreateAsync).WithName("CreateToken").WithSummary("Creates a token holding some of the caller's permissions and expiring no later than the caller's token; its secret is returned only here")
            .Accepts<CreateTokenRequest>("application/json").ProducesApiErrors(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge)
            .RequirePermission(Permissions.TokensManage);
        tokens.MapGet("", ListAsync).WithName("ListTokens").WithSummary("The tenant's tokens, without secrets").ProducesApiErrors().RequirePermission(Permissions.TokensManage);
        tokens.MapDelete("/{tokenId}", RevokeAsync).WithName("RevokeToken").WithSummary("Revokes a token at once, on every silo; an operator token only by an operator token")
            .ProducesApiErrors(StatusCodes.Status404NotFound).RequirePermission(Permissions.TokensManage);
        return routes;
    }

    private static async Task<Created<TokenResponse>> CreateAsync(RequestBody<CreateTokenRequest> body, HttpContext context, IGrainFactory grains)
    {
        var request = body.Value;
        var grant = context.Grant();
        var created = await grains.GetGrain<ITenantGrain>(grant.TenantId)
            .CreateToken(new Grains.Tenancy.CreateTokenRequest(request.Name, request.Permissions, request.ExpiresInDays, request.ExpiresAt), grant);
        return TypedResults.Created((string?)null, created.ToContract());
    }

    private static async Task<Ok<TokenListResponse>> ListAsync(HttpContext context, IGrainFactory grains)
    {
        var tokens = await grains.GetGrain<ITenantGrain>(context.Grant().TenantId).ListTokens();
        return TypedResults.Ok(new TokenListResponse(tokens.Select(t => t.ToContract()).ToList()));
    }

    private static async Task<NoContent> RevokeAsync(string tokenId, HttpContext context, IGrainFactory grains) =>
        await grains.GetGrain<ITenantGrain>(context.Grant().TenantId).RevokeToken(tokenId, context.Grant())
            ? TypedResults.NoContent()
            : throw ApiErrorException.NotFound(ErrorCodes.TokenNotFound, $"Token '{tokenId}' does not exist.");
}
