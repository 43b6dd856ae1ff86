using System.Data.Common;
using Orleans;

namespace Arbitrage.Orleans.Grains;

/// <summary>
/// A grain call failed because the cluster's database could not be reached (down, restarting, refusing connections).
/// Nothing the call changed was kept: the grain starts again from what was last saved. Retrying later succeeds.
/// </summary>
[GenerateSerializer, Alias("arb.DatabaseOutageException")]
public sealed class DatabaseOutageException(string message) : Exception(message)
{
    /// <summary>
    /// Whether <paramref name="exception"/>, or any exception it wraps (Orleans wraps storage failures in an
    /// <c>OrleansException</c>, several failures come as an <see cref="AggregateException"/>), says the database could not
    /// be reached: a connection that failed or broke, a server shutting down or starting up, a server out of resources.
    /// A statement the server refused for what it says (a constraint, a syntax error) is not an outage.
    /// </summary>
    public static bool IsOutage(Exception exception) => IsOutage(exception, depth: 0);

    private static bool IsOutage(Exception? exception, int depth)
    {
        if (exception is null || depth > 8) return false;
        if (exception is DatabaseOutageException) return true;
        if (exception is DbException db && (db.IsTransient || db.SqlState is null || IsConnectionClass(db.SqlState))) return true;
        if (exception is AggregateException aggregate) return aggregate.InnerExceptions.Any(e => IsOutage(e, depth + 1));
        return IsOutage(exception.InnerException, depth + 1);
    }

    /// <summary>PostgreSQL's classes 08 (connection), 53 (insufficient resources), 57 (operator intervention: shutdown, starting up), 58 (system error).</summary>
    private static bool IsConnectionClass(string sqlState) => sqlState.Length == 5 && sqlState[..2] is "08" or "53" or "57" or "58";
}
