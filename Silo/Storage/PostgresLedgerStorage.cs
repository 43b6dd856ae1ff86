using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// The ledger store in PostgreSQL. Grain state is one row of <c>ledger_state</c> per (grain type, key, state name) with
/// a jsonb payload and a version that is the etag. Every write is a single conditional statement (insert-if-absent, or
/// update-if-version-matches), so a stale writer changes nothing and gets an <see cref="InconsistentStateException"/>;
/// Orleans' single activation plus this condition is what keeps two writers from overwriting each other. A journaled
/// state's pending entries are appended to <c>ledger_journal</c> by the same statement, numbered after the grain's last
/// entry, so the state and its journal never disagree. Reads, writes and clears go through a
/// <see cref="PostgresCommandBatcher"/>, so concurrent grains share round trips and commits; listing and journal reads
/// (read-only views for APIs) query the data source directly.
/// </summary>
public sealed class PostgresLedgerStorage : IGrainStorage, IGrainStateQuery, IGrainJournalReader, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresCommandBatcher _batcher;

    /// <param name="dataSource">The cluster's database (see <see cref="PostgresOptions.CreateDataSource"/>); the caller owns it.</param>
    /// <param name="options">The batching settings.</param>
    /// <param name="loggerFactory">Where the batcher logs.</param>
    public PostgresLedgerStorage(NpgsqlDataSource dataSource, PostgresOptions options, ILoggerFactory loggerFactory)
    {
        _dataSource = dataSource;
        _batcher = new PostgresCommandBatcher(dataSource, options, loggerFactory.CreateLogger<PostgresCommandBatcher>());
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        var rows = await _batcher.ReadAsync(
            "select payload::text, version from ledger_state where grain_type = $1 and grain_key = $2 and state_name = $3",
            Key(stateName, grainId), reader => (Payload: reader.GetString(0), Version: reader.GetInt64(1)), cancellationToken);
        if (rows.Count > 0)
        {
            grainState.State = GrainStateSerializer.Deserialize<T>(rows[0].Payload);
            grainState.ETag = LedgerConventions.Format(rows[0].Version);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    /// <summary>
    /// One statement: the conditional state write and, only if it wrote, the pending journal entries numbered after the
    /// grain's last one.
    /// </summary>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        long? expected = LedgerConventions.Parse(grainState.ETag, stateName, grainId);
        string json = GrainStateSerializer.Serialize(grainState.State);
        var (journal, kinds, payloads) = LedgerConventions.TakePending(grainState.State);
        // A listed state's owner and order are recorded with its first write only: later writes touch no index column.
        var listed = expected is null ? grainState.State as IListedState : null;
        var parameters = new List<NpgsqlParameter>(Key(stateName, grainId)) { new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb } };
        string write;
        if (expected is null)
        {
            if (listed is not null)
            {
                parameters.Add(new NpgsqlParameter { Value = listed.ListOwner });
                parameters.Add(new NpgsqlParameter { Value = listed.ListOrder });
            }

            write = $"""
                insert into ledger_state (grain_type, grain_key, state_name, payload, version, list_owner, list_order)
                values ($1, $2, $3, $4, 1, {(listed is null ? "null, null" : "$5, $6")})
                on conflict do nothing
                returning version
                """;
        }
        else
        {
            parameters.Add(new NpgsqlParameter { Value = expected.Value });
            write = """
                update ledger_state set payload = $4, version = version + 1, updated_at = now()
                where grain_type = $1 and grain_key = $2 and state_name = $3 and version = $5
                returning version
                """;
        }

        string sql = write;
        if (payloads.Length > 0)
        {
            int first = parameters.Count + 1;
            parameters.Add(new NpgsqlParameter { Value = kinds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            parameters.Add(new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            sql = $"""
                with written as ({write}),
                appended as (
                    insert into ledger_journal (grain_type, grain_key, state_name, sequence, kind, payload)
                    select $1, $2, $3, last.sequence + e.ordinal, e.kind, e.payload
                    from written,
                         (select coalesce(max(sequence), 0) as sequence from ledger_journal where grain_type = $1 and grain_key = $2 and state_name = $3) last,
                         unnest(${first}::text[], ${first + 1}::jsonb[]) with ordinality as e(kind, payload, ordinal))
                select version from written
                """;
        }

        var versions = await _batcher.QueryAsync(sql, [.. parameters], reader => reader.GetInt64(0), cancellationToken);
        if (versions is not [var version])
        {
            throw LedgerConventions.Conflict(stateName, grainId, grainState.ETag, await StoredVersionAsync(stateName, grainId, cancellationToken));
        }

        grainState.ETag = LedgerConventions.Format(version);
        grainState.RecordExists = true;
        LedgerConventions.MarkWritten(journal, payloads.Length);
    }

    /// <summary>Deletes the state's row if it still has the writer's version; its journal is kept.</summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        long? expected = LedgerConventions.Parse(grainState.ETag, stateName, grainId);
        if (expected is not null)
        {
            var deleted = await _batcher.QueryAsync(
                "delete from ledger_state where grain_type = $1 and grain_key = $2 and state_name = $3 and version = $4 returning version",
                [.. Key(stateName, grainId), new() { Value = expected.Value }], reader => reader.GetInt64(0), cancellationToken);
            if (deleted.Count == 0)
            {
                throw LedgerConventions.Conflict(stateName, grainId, grainState.ETag, await StoredVersionAsync(stateName, grainId, cancellationToken));
            }
        }
        else if (await StoredVersionAsync(stateName, grainId, cancellationToken) is { } stored)
        {
            throw LedgerConventions.Conflict(stateName, grainId, null, stored);
        }

        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    public async Task<IReadOnlyList<JournalRecord<TEntry>>> ReadAsync<TEntry>(GrainId grainId, string stateName, long afterSequence, int limit, string? kind, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var command = _dataSource.CreateCommand(kind is null
            ? """
              select sequence, payload::text, recorded_at from ledger_journal
              where grain_type = $1 and grain_key = $2 and state_name = $3 and sequence > $4
              order by sequence limit $5
              """
            : """
              select sequence, payload::text, recorded_at from ledger_journal
              where grain_type = $1 and grain_key = $2 and state_name = $3 and kind = $6 and sequence > $4
              order by sequence limit $5
              """);
        command.Parameters.AddRange(Key(stateName, grainId));
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        if (kind is not null) command.Parameters.Add(new NpgsqlParameter { Value = kind });
        var entries = new List<JournalRecord<TEntry>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new JournalRecord<TEntry>(reader.GetInt64(0), GrainStateSerializer.DeserializeEntry<TEntry>(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return entries;
    }

    /// <summary>
    /// By the owner and order columns written with a listed state's first write (index <c>ledger_state_listed</c>);
    /// property matches read the JSON. Values are parameters; names are validated by <see cref="GrainStateQuery.Validate"/>.
    /// </summary>
    public async Task<GrainStatePage<TState>> QueryAsync<TState>(GrainStateQuery query, CancellationToken cancellationToken)
    {
        query.Validate();
        await using var command = _dataSource.CreateCommand();
        command.Parameters.Add(new NpgsqlParameter { Value = query.GrainType });
        command.Parameters.Add(new NpgsqlParameter { Value = query.StateName });
        var conditions = new List<string> { "grain_type = $1", "state_name = $2" };
        if (query.Owner is not null)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = query.Owner });
            conditions.Add("list_owner = $3");
        }
        else
        {
            conditions.Add("list_owner is not null");
        }

        foreach (var (property, value) in query.Match)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
            conditions.Add($"payload->>'{property}' = ${command.Parameters.Count}");
        }

        if (query.After is { } after)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = after.OrderValue });
            command.Parameters.Add(new NpgsqlParameter { Value = after.Key });
            conditions.Add($"(list_order, grain_key) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }

        command.Parameters.Add(new NpgsqlParameter { Value = query.Limit + 1 });
        command.CommandText = $"""
            select grain_key, payload::text, list_order from ledger_state
            where {string.Join(" and ", conditions)}
            order by list_order desc, grain_key desc
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

    /// <summary>Sends what is queued, then stops the batcher (the data source stays open: it is the caller's).</summary>
    public ValueTask DisposeAsync() => _batcher.DisposeAsync();

    /// <summary>As <see cref="DisposeAsync"/>, for a container disposed synchronously (it waits for the queued statements).</summary>
    public void Dispose() => _batcher.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The stored version after a refused write, for the exception (null when there is no record).</summary>
    private async Task<string?> StoredVersionAsync(string stateName, GrainId grainId, CancellationToken cancellationToken)
    {
        var versions = await _batcher.ReadAsync(
            "select version from ledger_state where grain_type = $1 and grain_key = $2 and state_name = $3",
            Key(stateName, grainId), reader => reader.GetInt64(0), cancellationToken);
        return versions is [var version] ? LedgerConventions.Format(version) : null;
    }

    private static NpgsqlParameter[] Key(string stateName, GrainId grainId) =>
        [new() { Value = grainId.Type.ToString() }, new() { Value = grainId.Key.ToString() }, new() { Value = stateName }];
}
