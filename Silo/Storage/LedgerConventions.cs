using System.Globalization;
using Arbitrage.Orleans.Grains.Storage;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// What both ledger stores share: etags are the record's version (1, 2, …) as text, a refused write or clear is an
/// <see cref="InconsistentStateException"/>, and pending journal entries leave the buffer only once written.
/// </summary>
internal static class LedgerConventions
{
    public static string Format(long version) => version.ToString(CultureInfo.InvariantCulture);

    /// <summary>The version a writer expects, or null when it expects no record; an etag this store never issued is refused.</summary>
    public static long? Parse(string? etag, string stateName, GrainId grainId) =>
        etag is null ? null
        : long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0 ? version
        : throw new InconsistentStateException($"State '{stateName}' of {grainId} carries etag '{etag}', which the ledger store never issued. Nothing was written.", null, etag);

    /// <summary>The refusal of a stale write or clear: the store holds <paramref name="stored"/>, the writer expected <paramref name="expected"/>.</summary>
    public static InconsistentStateException Conflict(string stateName, GrainId grainId, string? expected, string? stored) =>
        new($"State '{stateName}' of {grainId} was changed by another writer: expected etag {expected ?? "(no record)"}, the ledger store has {stored ?? "(no record)"}. Nothing was written; re-read the state and retry.",
            stored, expected);

    /// <summary>The pending entries of a journaled state, with the kind each is filed under, serialized now (before the write awaits).</summary>
    public static (JournalBuffer? Buffer, string[] Kinds, string[] Payloads) TakePending(object? state)
    {
        if (state is not IJournaledState { Journal: { Count: > 0 } buffer }) return (null, [], []);
        var entries = buffer.Pending;
        var kinds = new string[entries.Count];
        var payloads = new string[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            kinds[i] = (entries[i] as IJournalKind)?.JournalKind ?? "";
            payloads[i] = GrainStateSerializer.SerializeEntry(entries[i]);
        }

        return (buffer, kinds, payloads);
    }

    /// <summary>
    /// After a successful write: the first <paramref name="written"/> entries are in the journal now. Entries the grain
    /// added while the write was on its way (an interleaving call) stay for the next write.
    /// </summary>
    public static void MarkWritten(JournalBuffer? buffer, int written)
    {
        if (buffer is null || written == 0) return;
        if (buffer.Count <= written)
        {
            buffer.Clear();
            return;
        }

        var later = buffer.Pending.Skip(written).ToArray();
        buffer.Clear();
        foreach (var entry in later) buffer.Add(entry);
    }
}
