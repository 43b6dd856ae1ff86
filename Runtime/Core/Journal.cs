namespace Arbitrage.Orleans.Runtime;

/// <summary>
/// A grain state with a journal: an append-only list of entries written in the same atomic step as the state, like
/// the log of Orleans' journaled grains. Inject it as <c>[PersistentState("name")] IJournaledPersistentState&lt;T&gt;</c>.
/// Entries are numbered by the store from 1 upward, per grain and state; they are never changed or removed.
/// </summary>
public interface IJournaledPersistentState<TState> : IPersistentState<TState>
{
    /// <summary>Writes the state and appends <paramref name="entries"/> to the journal: both happen, or neither.</summary>
    /// <exception cref="InconsistentStateException">The stored record changed since it was read; nothing was written.</exception>
    Task WriteStateAsync<TEntry>(IReadOnlyList<TEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> entries numbered above <paramref name="afterSequence"/>, in order; with
    /// <paramref name="kind"/>, only entries of that kind (see <see cref="IJournalKind"/>).
    /// </summary>
    Task<IReadOnlyList<JournalRecord<TEntry>>> ReadJournalAsync<TEntry>(long afterSequence, int limit, string? kind = null, CancellationToken cancellationToken = default);
}

/// <summary>An entry that says which kind it is, so a reader can ask for one kind only (e.g. only balance changes).</summary>
public interface IJournalKind
{
    string JournalKind { get; }
}

/// <summary>An entry to append: its kind ("" when it has none) and its JSON.</summary>
public sealed record JournalAppend(string Kind, string Json);

/// <summary>One journal entry with its number and when the store recorded it.</summary>
public sealed record JournalRecord<TEntry>(long Sequence, TEntry Entry, DateTimeOffset RecordedAt);

/// <summary>A journal entry as stored (JSON), used between the runtime and its stores.</summary>
public sealed record StoredJournalEntry(long Sequence, string Json, DateTimeOffset RecordedAt);

/// <summary>A grain storage that can also keep journals (both the memory and the PostgreSQL store can).</summary>
public interface IGrainJournalStorage
{
    Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredJournalEntry>> ReadJournalAsync(string stateName, GrainId grainId, long afterSequence, int limit, string? kind, CancellationToken cancellationToken);
}
