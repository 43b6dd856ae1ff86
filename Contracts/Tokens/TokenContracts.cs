namespace Arbitrage.Orleans.Contracts.Tokens;

/// <summary>A new token: a name, some of the caller's permissions, and when it expires (at most one of the two; neither: the caller's expiry).</summary>
public sealed record CreateTokenRequest(string Name, IReadOnlyList<string> Permissions, int? ExpiresInDays = null, DateTimeOffset? ExpiresAt = null);

/// <summary>A token just made, with its secret (<see cref="Token"/>), which is shown only this once.</summary>
public sealed record TokenResponse(string Id, string Name, string Token, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>A token as listed: never its secret; <see cref="ExpiresAt"/> is left out when it does not expire.</summary>
public sealed record ApiToken(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

/// <summary>The tenant's tokens.</summary>
public sealed record TokenListResponse(IReadOnlyList<ApiToken> Tokens);
