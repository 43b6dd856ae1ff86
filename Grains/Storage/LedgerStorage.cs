namespace Arbitrage.Orleans.Grains.Storage;

/// <summary>
/// The product's own grain storage provider, registered under <see cref="Name"/> next to Orleans' stock providers. It
/// is an <c>IGrainStorage</c> like any other (conditional writes on the etag; a stale write throws Orleans'
/// <c>InconsistentStateException</c> and changes nothing) and adds what stock Orleans lacks: states listed by owner
/// without activating their grains (<see cref="IListedState"/>, <see cref="IGrainStateQuery"/>), and journals appended
/// atomically with a state (<see cref="IJournaledState"/>, <see cref="IGrainJournalReader"/>). PostgreSQL in a
/// cluster, memory for throwaway runs.
/// </summary>
public static class LedgerStorage
{
    public const string Name = "ledger";
}

/// <summary>
/// A state that can be listed without activating its grain: the store records its owner and order when the state is
/// first written (they never change afterwards), and <see cref="IGrainStateQuery"/> lists an owner's states by them.
/// </summary>
public interface IListedState
{
    /// <summary>Whose list the state belongs to (e.g. a tenant id).</summary>
    string ListOwner { get; }

    /// <summary>Its place in the list: larger comes first (e.g. creation time in milliseconds).</summary>
    long ListOrder { get; }
}

/// <summary>
/// A state with a journal: entries added to <see cref="Journal"/> are appended by the next write of the state, in the
/// same atomic step (both are written, or neither). The store numbers entries 1, 2, … per grain and state; they are
/// never changed or removed.
/// </summary>
public interface IJournaledState
{
    JournalBuffer Journal { get; }
}

/// <summary>An entry that says which kind it is, so a reader can ask for one kind only (e.g. only balance changes).</summary>
public interface IJournalKind
{
    string JournalKind { get; }
}

/// <summary>Entries waiting for the next write of their state. Not part of the stored state.</summary>
public sealed class JournalBuffer
{
    private readonly List<object> _pending = [];

    public int Count => _pending.Count;

    public void Add<TEntry>(TEntry entry) where TEntry : notnull => _pending.Add(entry);

    /// <summary>The entries to append; the store calls <see cref="Clear"/> once they are written.</summary>
    public IReadOnlyList<object> Pending => _pending;

    public void Clear() => _pending.Clear();
}

/// <summary>One journal entry with its number and when the store recorded it.</summary>
public sealed record JournalRecord<TEntry>(long Sequence, TEntry Entry, DateTimeOffset RecordedAt);

/// <summary>Reads journals written through <see cref="IJournaledState"/> (read-only; the grains stay the only writers).</summary>
public interface IGrainJournalReader
{
    /// <summary>
    /// Up to <paramref name="limit"/> entries numbered above <paramref name="afterSequence"/>, in order; with
    /// <paramref name="kind"/>, only entries of that kind (see <see cref="IJournalKind"/>).
    /// </summary>
    Task<IReadOnlyList<JournalRecord<TEntry>>> ReadAsync<TEntry>(global::Orleans.Runtime.GrainId grainId, string stateName, long afterSequence, int limit, string? kind, CancellationToken cancellationToken);
}

/// <summary>
/// Lists stored states of one grain type and one owner (see <see cref="IListedState"/>), largest order first, then by
/// key, a page at a time; a read-only view for listing APIs.
/// </summary>
public interface IGrainStateQuery
{
    Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken);
}

/// <param name="GrainType">The grain type (its <c>[GrainType]</c> name).</param>
/// <param name="StateName">The state's name.</param>
/// <param name="Owner">The owner whose states are listed; null lists every owner's (a sweep over all of them, no index on the owner).</param>
/// <param name="Match">Top-level string or boolean properties of the stored JSON (camelCase) that must equal the given values ("true"/"false" for booleans).</param>
/// <param name="After">Where the previous page ended; null for the first page.</param>
/// <param name="Limit">Most rows to return.</param>
public sealed record GrainStateQuery(string GrainType, string StateName, string? Owner, IReadOnlyDictionary<string, string> Match, GrainStateCursor? After, int Limit)
{
    /// <summary>Names go into the store's query text, so only letters, digits, '-' and '_' are accepted.</summary>
    public void Validate()
    {
        foreach (var name in Match.Keys.Append(GrainType).Append(StateName))
        {
            if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                throw new ArgumentException($"'{name}' is not a valid property, grain type or state name for a state query (letters, digits, '-' and '_' only).");
            }
        }

        if (Limit is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(Limit), Limit, "A state query returns between 1 and 1000 rows.");
    }
}

/// <summary>The position after the last row of a page: its order value and key.</summary>
public sealed record GrainStateCursor(long OrderValue, string Key);

public sealed record GrainStateRow<TState>(string Key, TState State);

/// <summary>One page of rows; <see cref="Next"/> is null on the last page.</summary>
public sealed record GrainStatePage<TState>(IReadOnlyList<GrainStateRow<TState>> Rows, GrainStateCursor? Next);
