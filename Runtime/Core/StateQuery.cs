namespace Arbitrage.Orleans.Runtime;

/// <summary>
/// A state that can be listed without activating its grain: the store records its owner and order when the state is
/// first written (they never change afterwards), and <see cref="IGrainStateQuery"/> lists an owner's states by them.
/// Kept out of the state's JSON in the store's own columns, so later writes of the state touch no index.
/// </summary>
public interface IListedState
{
    /// <summary>Whose list the state belongs to (e.g. a tenant id).</summary>
    string ListOwner { get; }

    /// <summary>Its place in the list: larger comes first (e.g. creation time in milliseconds).</summary>
    long ListOrder { get; }
}

/// <summary>
/// Lists stored states of one grain type and one owner (see <see cref="IListedState"/>), largest order first, then by
/// key, a page at a time; a read-only view for listing APIs (the grains stay the only writers).
/// </summary>
public interface IGrainStateQuery
{
    Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken);
}

/// <param name="GrainType">The grain type (its <see cref="GrainTypeAttribute"/> name).</param>
/// <param name="StateName">The state's name.</param>
/// <param name="Owner">The owner whose states are listed.</param>
/// <param name="Match">Top-level string properties of the stored JSON (camelCase) that must equal the given values.</param>
/// <param name="After">Where the previous page ended; null for the first page.</param>
/// <param name="Limit">Most rows to return.</param>
public sealed record GrainStateQuery(string GrainType, string StateName, string Owner, IReadOnlyDictionary<string, string> Match, GrainStateCursor? After, int Limit)
{
    /// <summary>Names go into the store's query text, so only letters, digits and '_' are accepted.</summary>
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
