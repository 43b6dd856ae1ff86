using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Tests.Infrastructure;

public static class WorkloadGrainHistory
{
    /// <summary>Every event of the workload, oldest first, read page by page; null when the tenant does not own it.</summary>
    public static async Task<IReadOnlyList<WorkloadEvent>?> GetEvents(this IWorkloadGrain workload, string tenantId)
    {
        var events = new List<WorkloadEvent>();
        long after = 0;
        while (true)
        {
            if (await workload.GetEventPage(tenantId, after, 200) is not { } page) return null;
            events.AddRange(page.Events);
            if (page.NextAfter is not { } next) return events;
            after = next;
        }
    }
}
