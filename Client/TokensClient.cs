using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Tokens;

namespace Arbitrage.Orleans.Client;

/// <summary>The API tokens of the caller's tenant (<c>/v1/tokens</c>; the caller needs <c>tokens:manage</c>).</summary>
public sealed class TokensClient
{
    private readonly ApiTransport _api;

    internal TokensClient(ApiTransport api) => _api = api;

    /// <summary>A token with some of the caller's permissions; its secret (<see cref="TokenResponse.Token"/>) is in this answer only. Never retried.</summary>
    public Task<TokenResponse> CreateAsync(CreateTokenRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/v1/tokens", ApiTransport.Json(request, CamelCaseJsonContext.Default.CreateTokenRequest),
            CamelCaseJsonContext.Default.TokenResponse, cancellationToken);

    /// <summary>The tenant's tokens, without secrets.</summary>
    public async Task<IReadOnlyList<ApiToken>> ListAsync(CancellationToken cancellationToken = default) =>
        (await _api.SendAsync(HttpMethod.Get, "/v1/tokens", null, CamelCaseJsonContext.Default.TokenListResponse, cancellationToken)).Tokens;

    /// <summary>Revokes the token at once, on every silo (404 TOKEN_NOT_FOUND when the tenant has no such token).</summary>
    public async Task RevokeAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        using var _ = await _api.SendAsync(HttpMethod.Delete, "/v1/tokens/" + ApiTransport.Segment(tokenId), null, cancellationToken);
    }
}
