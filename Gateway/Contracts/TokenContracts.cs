using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>A new token: a name, some of the caller's permissions, and when it expires (at most one of the two; neither: the caller's expiry).</summary>
public sealed record CreateTokenRequest(string Name, IReadOnlyList<string> Permissions, int? ExpiresInDays = null, DateTimeOffset? ExpiresAt = null)
    : IValidatedRequest, IApiExample<CreateTokenRequest>
{
    public static CreateTokenRequest Example { get; } = new("ci-pipeline", [Grains.Tenancy.Permissions.WorkloadsRead, Grains.Tenancy.Permissions.WorkloadsCreate], 30);

    public static ValueTask<CreateTokenRequest?> BindAsync(HttpContext context) => JsonRequest.ReadAsync(context, ApiV1JsonContext.Default.CreateTokenRequest);

    public void Validate(IServiceProvider services)
    {
        RequestRules.RequiredString("name", Name, 128);
        if (Permissions is null) throw ApiErrorException.Validation("permissions", "permissions is required: a list such as [\"workloads:read\"].");
        if (Permissions.Count == 0) throw ApiErrorException.Validation("permissions", "permissions must name at least one permission.");
        if (Permissions.Count > Grains.Tenancy.Permissions.All.Count) throw ApiErrorException.Validation("permissions", $"permissions has more than {Grains.Tenancy.Permissions.All.Count} items.");
        if (Permissions.FirstOrDefault(p => !Grains.Tenancy.Permissions.IsKnown(p)) is { } unknown)
        {
            throw ApiErrorException.Validation("permissions", $"'{unknown}' is not a permission; known: {string.Join(", ", Grains.Tenancy.Permissions.All)}.");
        }

        if (ExpiresInDays is < 1 or > 3650) throw ApiErrorException.Validation("expiresInDays", $"expiresInDays must be between 1 and 3650; got {ExpiresInDays}.");
        if (ExpiresInDays is not null && ExpiresAt is not null) throw ApiErrorException.Validation("expiresAt", "Give expiresAt or expiresInDays, not both.");
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        if (ExpiresAt <= now) throw ApiErrorException.Validation("expiresAt", $"expiresAt must be in the future (was {ExpiresAt:u}).");
    }
}

/// <summary>A token just made, with its secret (<see cref="Token"/>), which is shown only this once.</summary>
public sealed record TokenResponse(string Id, string Name, string Token, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
    : IApiExample<TokenResponse>
{
    public static TokenResponse Example { get; } = new("tok-abc123", "ci-pipeline", "arb_…", CreateTokenRequest.Example.Permissions, new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero),
        new DateTimeOffset(2026, 12, 30, 12, 0, 0, TimeSpan.Zero));

    public static TokenResponse From(CreatedToken created) =>
        new(created.Token.Id, created.Token.Name, created.Secret, created.Token.Permissions, created.Token.CreatedAt, created.Token.ExpiresAt);
}

/// <summary>A token as listed: never its secret; <see cref="ExpiresAt"/> is left out when it does not expire.</summary>
public sealed record ApiToken(string Id, string Name, IReadOnlyList<string> Permissions, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt)
{
    public static ApiToken From(ApiTokenInfo t) => new(t.Id, t.Name, t.Permissions, t.CreatedAt, t.ExpiresAt);
}

/// <summary>The tenant's tokens.</summary>
public sealed record TokenListResponse(IReadOnlyList<ApiToken> Tokens) : IApiExample<TokenListResponse>
{
    public static TokenListResponse Example { get; } = new([new ApiToken(TokenResponse.Example.Id, TokenResponse.Example.Name, TokenResponse.Example.Permissions,
        TokenResponse.Example.CreatedAt, TokenResponse.Example.ExpiresAt)]);
}
