namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>
/// Groups as last stored, newest first, without activating them (the faces over groups list with it, then ask each
/// group for its members). <c>tenantId</c> null lists every tenant's groups (an operator's view).
/// </summary>
public interface IGroupCatalog
{
    Task<IReadOnlyList<GroupListItem>> ListAsync(string? tenantId, CancellationToken cancellationToken);
}

/// <summary>A group as the list shows it: its id, owner, spec and status.</summary>
public sealed record GroupListItem(string Id, string TenantId, GroupSpec Spec, GroupStatus Status, DateTimeOffset CreatedAt);
