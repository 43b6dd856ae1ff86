using Arbitrage.Orleans.Contracts.Tokens;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>Between the token records of the wire (Arbitrage.Orleans.Contracts.Tokens) and the tenant grain's records.</summary>
public static class TokenContractMapping
{
    public static TokenResponse ToContract(this CreatedToken created) =>
        new(created.Token.Id, created.Token.Name, created.Secret, created.Token.Permissions, created.Token.CreatedAt, created.Token.ExpiresAt);

    public static ApiToken ToContract(this ApiTokenInfo t) => new(t.Id, t.Name, t.Permissions, t.CreatedAt, t.ExpiresAt);
}
