using Arbitrage.Orleans.Grains.Storage;
using Orleans;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// History: every audit event, and every placement once it has ended, is appended to the workload's journal by the
/// write that records it (<see cref="IJournaledState"/>); the state keeps only the latest of each
/// (<see cref="WorkloadOptions.EventsInState"/>, <see cref="WorkloadOptions.PlacementsInState"/>), so a workload that
/// moves for months does not grow. The events and placements routes page through the journal; a position is the
/// entry's journal number.
/// </summary>
public sealed partial class WorkloadGrain
{
    /// <summary>The name of the workload's state (and its journal) in the ledger store.</summary>
    public const string StateName = "workload";

    private void AddEvent(string type, WorkloadStatus? from, WorkloadStatus? to, string reason, DateTimeOffset? at = null)
    {
        JournalLegacyHistory();
        var entry = new WorkloadEvent(at ?? Now, type, from, to, reason);
        S.Journal.Add(new WorkloadHistoryEntry(entry, null));
        S.Events.Add(entry);
        if (S.Events.Count > O.EventsInState) S.Events.RemoveRange(0, S.Events.Count - O.EventsInState);
    }

    /// <summary>A new current placement: kept in the state (not journaled until it ends).</summary>
    private void RecordPlacementStart(WorkloadPlacement placement)
    {
        JournalLegacyHistory();
        S.Placements.Add(placement);
        S.PlacementCount++;
        TrimPlacements();
    }

    /// <summary>The current placement as it ended: replaces it in the state and is journaled (its end is final).</summary>
    private void RecordPlacementEnd(WorkloadPlacement ended)
    {
        JournalLegacyHistory();
        S.Placements[^1] = ended;
        S.Journal.Add(new WorkloadHistoryEntry(null, ended));
        TrimPlacements();
    }

    private void TrimPlacements()
    {
        // Only ended (journaled) placements leave: the current one is always the last.
        if (S.Placements.Count > O.PlacementsInState) S.Placements.RemoveRange(0, S.Placements.Count - O.PlacementsInState);
    }

    /// <summary>
    /// A state stored before the history was journaled holds all of it in its lists: journal it (events, then the
    /// ended placements, each in order) with the next write, before anything new, and trim the lists.
    /// </summary>
    private void JournalLegacyHistory()
    {
        if (S.HistoryJournaled) return;
        foreach (var e in S.Events) S.Journal.Add(new WorkloadHistoryEntry(e, null));
        foreach (var p in S.Placements.Where(p => p.End is not null)) S.Journal.Add(new WorkloadHistoryEntry(null, p));
        S.PlacementCount = S.Placements.Count;
        S.HistoryJournaled = true;
        if (S.Events.Count > O.EventsInState) S.Events.RemoveRange(0, S.Events.Count - O.EventsInState);
        TrimPlacements();
    }

    public async Task<WorkloadEventPage?> GetEventPage(string tenantId, long after, int limit)
    {
        if (!Owns(tenantId)) return null;
        if (!S.HistoryJournaled)
        {
            // Not journaled yet: the state holds the whole history, numbered as it will be journaled.
            var legacy = S.Events.Select((e, i) => (Sequence: i + 1L, Event: e)).Where(x => x.Sequence > after).Take(limit + 1).ToList();
            return new WorkloadEventPage(legacy.Take(limit).Select(x => x.Event).ToList(), legacy.Count > limit ? legacy[limit - 1].Sequence : null);
        }

        var records = await journal.ReadAsync<WorkloadHistoryEntry>(this.GetGrainId(), StateName, after, limit + 1, WorkloadHistoryEntry.EventKind, CancellationToken.None);
        return new WorkloadEventPage(records.Take(limit).Select(r => r.Entry.Event!).ToList(), records.Count > limit ? records[limit - 1].Sequence : null);
    }

    public async Task<WorkloadPlacementPage?> GetPlacementPage(string tenantId, long after, int limit)
    {
        if (!Owns(tenantId)) return null;
        List<(long Sequence, WorkloadPlacement Placement)> ended;
        if (!S.HistoryJournaled)
        {
            ended = S.Placements.Where(p => p.End is not null).Select((p, i) => (S.Events.Count + i + 1L, p)).Where(x => x.Item1 > after).Take(limit + 1).ToList();
        }
        else
        {
            var records = await journal.ReadAsync<WorkloadHistoryEntry>(this.GetGrainId(), StateName, after, limit + 1, WorkloadHistoryEntry.PlacementKind, CancellationToken.None);
            ended = records.Select(r => (r.Sequence, r.Entry.Placement!)).ToList();
        }

        // The current placement is not journaled until it ends: it comes after every ended one, on the last page.
        if (ended.Count > limit) return new WorkloadPlacementPage(ended.Take(limit).Select(x => x.Placement).ToList(), ended[limit - 1].Sequence);
        var page = ended.Select(x => x.Placement).ToList();
        if (S.Current is { } current)
        {
            if (page.Count == limit) return new WorkloadPlacementPage(page, ended[^1].Sequence);
            page.Add(current);
        }

        return new WorkloadPlacementPage(page, null);
    }
}
