using Arbitrage.Orleans.Grains.Storage;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>A tenant's groups (or every tenant's), newest first, from their stored state (no activation).</summary>
public sealed class GroupCatalog(IGrainStateQuery query) : IGroupCatalog
{
    /// <summary>Rows read per round trip.</summary>
    public const int Batch = 1000;

    public async Task<IReadOnlyList<GroupListItem>> ListAsync(string? tenantId, CancellationToken cancellationToken)
    {
        var items = new List<GroupListItem>();
        GrainStateCursor? after = null;
        do
        {
            var page = await query.QueryAsync<GroupState>(
                new GrainStateQuery(GroupGrain.GrainTypeName, GroupGrain.StateName, tenantId, new Dictionary<string, string>(), after, Batch), cancellationToken);
            items.AddRange(page.Rows.Where(r => r.State.Spec is not null).Select(r => new GroupListItem(r.Key, r.State.TenantId, r.State.Spec!, r.State.Status, r.State.CreatedAt)));
            after = page.Next;
        }
        while (after is not null);

        return items;
    }
}
