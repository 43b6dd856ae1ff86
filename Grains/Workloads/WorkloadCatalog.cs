using System.Text;
using Arbitrage.Orleans.Grains.Storage;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Lists a tenant's workloads, newest first, from their stored state (no activation); the cursor is the position of
/// the last row returned. What a workload's grain writes is what the list shows.
/// </summary>
public sealed class WorkloadCatalog(IGrainStateQuery query) : IWorkloadCatalog
{
    public async Task<WorkloadListPage> ListAsync(string tenantId, WorkloadStatus? status, int limit, string? cursor, CancellationToken cancellationToken)
    {
        var match = new Dictionary<string, string>();
        if (status is { } wanted) match["status"] = wanted.ToString();
        var page = await query.QueryAsync<WorkloadState>(new GrainStateQuery("workload", "workload", tenantId, match, DecodeCursor(cursor), limit), cancellationToken);
        return new WorkloadListPage(
            page.Rows.Select(r => new WorkloadSummary(r.Key, r.State.Name, r.State.Status, r.State.StatusReason, r.State.Endpoint, r.State.CreatedAt)).ToList(),
            page.Next is { } next ? EncodeCursor(next) : null);
    }

    private static string EncodeCursor(GrainStateCursor cursor) =>
        System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{cursor.OrderValue}:{cursor.Key}"));

    private static GrainStateCursor? DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(cursor));
            int colon = text.IndexOf(':');
            if (colon > 0 && long.TryParse(text[..colon], out long order) && text.Length > colon + 1) return new GrainStateCursor(order, text[(colon + 1)..]);
        }
        catch (FormatException)
        {
        }

        throw new InvalidCursorException($"cursor '{cursor}' was not issued by this API; pass the nextCursor of a previous page.");
    }
}
