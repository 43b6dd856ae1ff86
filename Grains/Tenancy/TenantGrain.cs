using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Tenancy;

/// <summary>A token as the tenant keeps it: the listing and the hash that keys its <see cref="IApiTokenGrain"/>.</summary>
[GenerateSerializer, Alias("arb.TenantToken")]
public sealed record TenantToken([property: Id(0)] ApiTokenInfo Info, [property: Id(1)] string Hash);

[GenerateSerializer, Alias("arb.TenantState")]
public sealed class TenantState
{
    [Id(0)]
    public string Name { get; set; } = "";
    [Id(1)]
    public DateTimeOffset CreatedAt { get; set; }
    [Id(2)]
    public List<TenantToken> Tokens { get; set; } = [];
    [Id(3)]
    public string? AdminTokenId { get; set; }
}

/// <summary>A tenant: its tokens and its default wallet (project id = tenant id).</summary>
[GrainType("tenant")]
public sealed partial class TenantGrain(
    [PersistentState("tenant")] IPersistentState<TenantState> state, TimeProvider time, IOptions<QuotaOptions> quotas, IWorkloadCatalog catalog, ILogger<TenantGrain> logger)
    : Grain, ITenantGrain
{
    public const int MaxTokens = 100;
    private static readonly TimeSpan CreationWindow = TimeSpan.FromMinutes(1);

    /// <summary>When each of this activation's recent creations was admitted (the per-minute quota; a new activation starts afresh).</summary>
    private readonly Queue<(DateTimeOffset At, string WorkloadId)> _recentCreations = new();

    /// <summary>
    /// The tenant's live workloads, for the live-workload quota: counted from the stored workloads when first needed,
    /// then kept in memory (admissions add, ends remove), so admitting a workload costs no write.
    /// </summary>
    private HashSet<string>? _live;

    private string Id => this.GetPrimaryKeyString();

    public async Task<CreatedTenant> Create(string name, decimal initialCredit)
    {
        if (state.RecordExists) throw new TenantExistsException($"Tenant '{Id}' exists already.");
        await CreateTenantAsync(name, initialCredit);
        var token = await AddTokenAsync(new CreateTokenRequest("owner", Permissions.TenantOwner, null));
        return new CreatedTenant(Info(), token);
    }

    public async Task EnsureBootstrap(string name, decimal initialCredit, string adminTokenHash)
    {
        if (!state.RecordExists) await CreateTenantAsync(name, initialCredit);
        var current = state.State.Tokens.FirstOrDefault(t => t.Info.Id == state.State.AdminTokenId);
        if (current?.Hash == adminTokenHash) return;

        var info = new ApiTokenInfo(TokenSecrets.NewId("tok-", 6), "admin", Permissions.All.ToList(), time.GetUtcNow(), null);
        await GrainFactory.GetGrain<IApiTokenGrain>(adminTokenHash).Issue(new IssueToken(Id, info));
        if (current is not null)
        {
            await GrainFactory.GetGrain<IApiTokenGrain>(current.Hash).Revoke();
            state.State.Tokens.Remove(current);
            LogAdminTokenReplaced(Id, current.Info.Id);
        }

        state.State.Tokens.Add(new TenantToken(info, adminTokenHash));
        state.State.AdminTokenId = info.Id;
        await state.WriteStateAsync();
    }

    public Task<TenantInfo?> Get() => Task.FromResult(state.RecordExists ? Info() : null);

    /// <summary>A token never outgrows its creator: its permissions are a subset of the creator's, and it expires no later.</summary>
    public Task<CreatedToken> CreateToken(CreateTokenRequest request, TokenGrant creator)
    {
        if (!state.RecordExists) throw new InvalidOperationException($"Tenant '{Id}' does not exist.");
        var missing = request.Permissions.Where(p => !creator.Allows(p)).ToList();
        if (missing.Count > 0)
        {
            throw new TokenScopeExceededException("permissions", $"A token can only grant permissions its creator holds; this token lacks {string.Join(", ", missing)}.");
        }

        var expiresAt = ExpiryOf(request, time.GetUtcNow());
        if (creator.ExpiresAt is { } limit && (expiresAt is null || expiresAt > limit))
        {
            throw new TokenScopeExceededException("expiresAt",
                $"A token cannot outlive the token that creates it: this token expires at {limit:u}, so the new one must expire no later (set expiresAt or expiresInDays).");
        }

        return AddTokenAsync(request with { ExpiresInDays = null, ExpiresAt = expiresAt });
    }

    public Task<IReadOnlyList<ApiTokenInfo>> ListTokens() =>
        Task.FromResult<IReadOnlyList<ApiTokenInfo>>(state.State.Tokens.Select(t => t.Info).ToList());

    public async Task<bool> RevokeToken(string tokenId, TokenGrant revoker)
    {
        var token = state.State.Tokens.FirstOrDefault(t => t.Info.Id == tokenId);
        if (token is null) return false;
        if (token.Info.Permissions.Contains(Permissions.TenantsManage) && !revoker.Allows(Permissions.TenantsManage))
        {
            throw new PermissionDeniedException($"Token '{tokenId}' is an operator token (it holds {Permissions.TenantsManage}); only an operator token can revoke it.");
        }

        await GrainFactory.GetGrain<IApiTokenGrain>(token.Hash).Revoke();
        state.State.Tokens.Remove(token);
        if (state.State.AdminTokenId == tokenId) state.State.AdminTokenId = null;
        await state.WriteStateAsync();
        LogTokenRevoked(Id, tokenId);
        return true;
    }

    public async Task AdmitWorkload(string workloadId)
    {
        var live = _live ??= await CountLiveWorkloadsAsync();
        if (live.Contains(workloadId)) return;
        var quota = quotas.Value.For(Id);
        var now = time.GetUtcNow();
        while (_recentCreations.TryPeek(out var recent) && recent.At <= now - CreationWindow) _recentCreations.Dequeue();
        if (_recentCreations.Count >= quota.WorkloadCreationsPerMinute)
        {
            var retryAfter = _recentCreations.Peek().At + CreationWindow - now;
            throw new QuotaExceededException("workload_creations_per_minute", quota.WorkloadCreationsPerMinute, retryAfter,
                $"Tenant '{Id}' may create at most {quota.WorkloadCreationsPerMinute} workloads per minute; retry in {Math.Ceiling(retryAfter.TotalSeconds):0} s.");
        }

        // At the quota, count again from storage: an end whose notice was lost must not hold a place for ever.
        if (live.Count >= quota.MaxLiveWorkloads) live = _live = await CountLiveWorkloadsAsync();
        if (live.Count >= quota.MaxLiveWorkloads)
        {
            throw new QuotaExceededException("max_live_workloads", quota.MaxLiveWorkloads, null,
                $"Tenant '{Id}' has {live.Count} live workloads, its quota; terminate one first or ask an operator to raise Quotas:MaxLiveWorkloads.");
        }

        live.Add(workloadId);
        _recentCreations.Enqueue((now, workloadId));
    }

    public Task WorkloadEnded(string workloadId)
    {
        _live?.Remove(workloadId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The tenant's workloads that are not terminated or failed, from their stored state, with this activation's
    /// admissions of the last minute (their workloads may not have written their state yet).
    /// </summary>
    private async Task<HashSet<string>> CountLiveWorkloadsAsync()
    {
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var status in new[] { WorkloadStatus.Pending, WorkloadStatus.Provisioning, WorkloadStatus.Running, WorkloadStatus.Stopping })
        {
            string? cursor = null;
            do
            {
                var page = await catalog.ListAsync(Id, status, 200, cursor, CancellationToken.None);
                live.UnionWith(page.Workloads.Select(w => w.Id));
                cursor = page.NextCursor;
            } while (cursor is not null);
        }

        live.UnionWith(_recentCreations.Select(r => r.WorkloadId));
        return live;
    }

    private async Task CreateTenantAsync(string name, decimal initialCredit)
    {
        state.State = new TenantState { Name = name, CreatedAt = time.GetUtcNow() };
        await state.WriteStateAsync();
        var wallet = GrainFactory.GetGrain<IWalletGrain>(WalletKeys.Of(Id, Id));
        if (await wallet.Get() is null) await wallet.Create(new CreateWallet(Id, null, initialCredit));
        LogTenantCreated(Id, name, initialCredit);
    }

    private async Task<CreatedToken> AddTokenAsync(CreateTokenRequest request)
    {
        if (state.State.Tokens.Count >= MaxTokens) throw new ArgumentException($"Tenant '{Id}' has {MaxTokens} tokens, the most it may have; revoke one first.");
        var now = time.GetUtcNow();
        var info = new ApiTokenInfo(TokenSecrets.NewId("tok-", 6), request.Name, request.Permissions.Distinct().ToList(), now, ExpiryOf(request, now));
        var secret = TokenSecrets.NewSecret();
        var hash = TokenSecrets.Hash(secret);
        await GrainFactory.GetGrain<IApiTokenGrain>(hash).Issue(new IssueToken(Id, info));
        state.State.Tokens.Add(new TenantToken(info, hash));
        await state.WriteStateAsync();
        return new CreatedToken(info, secret);
    }

    private static DateTimeOffset? ExpiryOf(CreateTokenRequest request, DateTimeOffset now) =>
        request.ExpiresAt ?? (request.ExpiresInDays is { } days ? now.AddDays(days) : null);

    private TenantInfo Info() => new(Id, state.State.Name, state.State.CreatedAt);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Tenant {TenantId} ({Name}) created with {InitialCredit} USD of credit")]
    private partial void LogTenantCreated(string tenantId, string name, decimal initialCredit);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Tenant {TenantId} revoked token {TokenId}")]
    private partial void LogTokenRevoked(string tenantId, string tokenId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Tenant {TenantId} has a new admin token; token {TokenId} was revoked")]
    private partial void LogAdminTokenReplaced(string tenantId, string tokenId);
}
