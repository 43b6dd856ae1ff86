namespace Arbitrage.Orleans.Runtime;

/// <summary>
/// Lists stored grain states of one grain type without activating the grains: a read-only view for listing APIs
/// (the grains stay the only writers). Results are ordered by a whole-number property, newest (largest) first, then
/// by key, and paged with a cursor. Property names are the stored JSON's (camelCase).
/// </summary>
public interface IGrainStateQuery
{
    Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken);
}

/// <param name="GrainType">The grain type (its <see cref="GrainTypeAttribute"/> name).</param>
/// <param name="StateName">The state's name.</param>
/// <param name="Match">Top-level string properties that must equal the given values.</param>
/// <param name="OrderBy">A top-level whole-number property; larger values come first.</param>
/// <param name="After">Where the previous page ended; null for the first page.</param>
/// <param name="Limit">Most rows to return.</param>
public sealed record GrainStateQuery(string GrainType, string StateName, IReadOnlyDictionary<string, string> Match, string OrderBy, GrainStateCursor? After, int Limit)
{
    /// <summary>Property names go into the store's query text, so only letters, digits and '_' are accepted.</summary>
    public void Validate()
    {
        foreach (var name in Match.Keys.Append(OrderBy).Append(GrainType).Append(StateName))
        {
            if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"'{name}' is not a valid property, grain type or state name for a state query (letters, digits and '_' only).");
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
