using Arbitrage.Orleans.Grains.Storage;

namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>A tenant's requests, newest first, from their stored state (no activation): the status shown is the one last observed by the request.</summary>
public sealed class HostRequestCatalog(IGrainStateQuery query) : IHostRequestCatalog
{
    /// <summary>Rows read per round trip.</summary>
    public const int Batch = 1000;

    public async Task<IReadOnlyList<HostRequestListItem>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        var items = new List<HostRequestListItem>();
        GrainStateCursor? after = null;
        do
        {
            var page = await query.QueryAsync<HostRequestState>(
                new GrainStateQuery(HostRequestGrain.GrainTypeName, HostRequestGrain.StateName, tenantId, new Dictionary<string, string>(), after, Batch), cancellationToken);
            items.AddRange(page.Rows.Select(r => new HostRequestListItem(r.Key, r.State.TemplateId, r.State.RequestedCount, r.State.ProviderType,
                r.State.ProviderInstance, r.State.Status, r.State.CreatedAt, r.State.CompletedAt)));
            after = page.Next;
        }
        while (after is not null);

        return items;
    }
}
