using Arbitrage.Orleans.Grains.Tenancy;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Tenancy;

[GenerateSerializer, Alias("arb.ApiTokenState")]
public sealed class ApiTokenState
{
    [Id(0)]
    public string TenantId { get; set; } = "";
    [Id(1)]
    public ApiTokenInfo? Token { get; set; }
    [Id(2)]
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>One token, keyed by the SHA-256 of its secret; the secret itself is never stored.</summary>
[GrainType("api-token")]
public sealed class ApiTokenGrain([PersistentState("token")] IPersistentState<ApiTokenState> state, TimeProvider time) : Grain, IApiTokenGrain
{
    public Task<TokenGrant?> Authenticate()
    {
        var s = state.State;
        bool valid = state.RecordExists && s.Token is not null && s.RevokedAt is null && !(s.Token.ExpiresAt <= time.GetUtcNow());
        return Task.FromResult(valid ? new TokenGrant(s.TenantId, s.Token!.Id, s.Token.Permissions, s.Token.ExpiresAt) : null);
    }

    public async Task Issue(IssueToken token)
    {
        if (state.RecordExists && state.State.Token?.Id == token.Token.Id && state.State.RevokedAt is null) return;
        state.State = new ApiTokenState { TenantId = token.TenantId, Token = token.Token };
        await state.WriteStateAsync();
    }

    public async Task Revoke()
    {
        if (!state.RecordExists || state.State.RevokedAt is not null) return;
        state.State.RevokedAt = time.GetUtcNow();
        await state.WriteStateAsync();
    }
}
