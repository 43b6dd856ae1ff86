using Arbitrage.Orleans.Runtime.Storage;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>
/// State queries over <c>grain_state</c>, by the owner and order columns written with a listed state's first write
/// (index <c>grain_state_listed</c>); further property filters read the JSON. Values are parameters.
/// </summary>
internal sealed class PostgresGrainStateQuery(NpgsqlDataSource dataSource) : IGrainStateQuery
{
    public async Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken)
    {
        query.Validate();
        await using var command = dataSource.CreateCommand();
        const string order = "list_order";
        command.Parameters.Add(new NpgsqlParameter { Value = query.GrainType });
        command.Parameters.Add(new NpgsqlParameter { Value = query.StateName });
        command.Parameters.Add(new NpgsqlParameter { Value = query.Owner });
        var conditions = new List<string> { "grain_type = $1", "state_name = $2", "list_owner = $3" };
        foreach (var (property, value) in query.Match)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            conditions.Add($"payload->>'{property}' = ${command.Parameters.Count}");
        }

        if (query.After is { } after)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = after.OrderValue });
            command.Parameters.Add(new NpgsqlParameter { Value = after.Key });
            conditions.Add($"({order}, grain_key) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
        command.CommandText = $"""
            select grain_key, payload::text, {order} from grain_state
            where {string.Join(" and ", conditions)}
            order by {order} desc, grain_key desc
            limit ${command.Parameters.Count}
            """;
        var rows = new List<GrainStateRow<TState>>();
        long lastOrder = 0;
        bool more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (rows.Count == query.Limit)
            {
                more = true;
                break;
            }

            rows.Add(new GrainStateRow<TState>(reader.GetString(0), GrainStateSerializer.Deserialize<TState>(reader.GetString(1))));
            lastOrder = reader.GetInt64(2);
        }

        return new GrainStatePage<TState>(rows, more ? new GrainStateCursor(lastOrder, rows[^1].Key) : null);
    }
}
