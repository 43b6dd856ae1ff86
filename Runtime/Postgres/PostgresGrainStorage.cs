using System.Globalization;
using Arbitrage.Orleans.Runtime.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>
/// Grain state in PostgreSQL: one row per (grain type, key, state name) with a jsonb payload and a version used as
/// etag. Every write is a single conditional statement (insert-if-absent or update-if-version-matches), so a stale
/// writer changes nothing and gets an <see cref="InconsistentStateException"/>. In a cluster the same statement also
/// checks the writer's lease (<see cref="LeaseFence"/>); a writer whose lease moved gets a <see cref="PartitionLeaseLostException"/>.
/// Reads, writes and clears go through the <see cref="PostgresCommandBatcher"/>, so concurrent grains share round trips
/// and commits.
/// </summary>
internal sealed class PostgresGrainStorage(NpgsqlDataSource dataSource, PostgresCommandBatcher batcher) : IGrainStorage, IGrainJournalStorage
{
    public async Task ReadStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        var rows = await batcher.ReadAsync(
            "select payload::text, version from grain_state where grain_type = $1 and grain_key = $2 and state_name = $3",
            Key(stateName, grainId), reader => (Payload: reader.GetString(0), Version: reader.GetInt64(1)), cancellationToken);
        if (rows.Count > 0)
        {
            grainState.State = GrainStateSerializer.Deserialize<TState>(rows[0].Payload);
            grainState.ETag = rows[0].Version.ToString(CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.State = Activator.CreateInstance<TState>();
            grainState.ETag = null;
            grainState.RecordExists = false;
        }
    }

    public Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken) =>
        WriteStateAsync(stateName, grainId, grainState, Array.Empty<JournalAppend>(), cancellationToken);

    /// <summary>
    /// One statement: the conditional state write and, only if it wrote, the journal entries numbered after the
    /// grain's last one. The state and its journal therefore never disagree.
    /// </summary>
    public async Task WriteStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, IReadOnlyList<JournalAppend> entries, CancellationToken cancellationToken)
    {
        string json = GrainStateSerializer.Serialize(grainState.State);
        long? expected = ParseEtag(grainState.ETag, stateName, grainId);
        var fence = (grainState as IFencedGrainState)?.Fence;
        int fenceFirst = expected is null ? 5 : 6;
        // A listed state's owner and order are recorded with its first write only: later writes touch no index column.
        var listed = expected is null ? grainState.State as IListedState : null;
        int listedFirst = fenceFirst + (fence is null ? 0 : 3);
        string write = expected is null
            ? $"""
               insert into grain_state (grain_type, grain_key, state_name, payload, version, list_owner, list_order)
               select $1, $2, $3, $4, 1, {(listed is null ? "null, null" : $"${listedFirst}, ${listedFirst + 1}")} where {LeaseFence.ConditionOrTrue(fence, 5)}
               on conflict do nothing
               returning version
               """
            : $"""
               update grain_state set payload = $4, version = version + 1, updated_at = now()
               where grain_type = $1 and grain_key = $2 and state_name = $3 and version = $5 and {LeaseFence.ConditionOrTrue(fence, 6)}
               returning version
               """;
        int entriesParameter = listedFirst + (listed is null ? 0 : 2);
        string sql = entries.Count == 0 ? write : $"""
            with written as ({write}),
            appended as (
                insert into grain_journal (grain_type, grain_key, state_name, sequence, kind, payload)
                select $1, $2, $3, last.sequence + e.ordinal, e.kind, e.payload
                from written,
                     (select coalesce(max(sequence), 0) as sequence from grain_journal where grain_type = $1 and grain_key = $2 and state_name = $3) last,
                     unnest(${entriesParameter}::text[], ${entriesParameter + 1}::jsonb[]) with ordinality as e(kind, payload, ordinal))
            select version from written
            """;
        var parameters = new List<NpgsqlParameter>(Key(stateName, grainId)) { new() { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb } };
        if (expected is not null) parameters.Add(new NpgsqlParameter { Value = expected.Value });
        parameters.AddRange(LeaseFence.Parameters(fence));
        if (listed is not null)
        {
            parameters.Add(new NpgsqlParameter { Value = listed.ListOwner });
            parameters.Add(new NpgsqlParameter { Value = listed.ListOrder });
        }

        if (entries.Count > 0)
        {
            parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Kind).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Json).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        }

        var versions = await batcher.QueryAsync(sql, parameters.ToArray(), reader => reader.GetInt64(0), cancellationToken);
        if (versions is not [var newVersion])
        {
            await LeaseFence.ThrowIfLostAsync(dataSource, fence, $"Writing state '{stateName}' of {grainId}", cancellationToken);
            throw MemoryGrainStorage.Conflict(stateName, grainId, grainState.ETag, await StoredVersionAsync(stateName, grainId, cancellationToken));
        }

        grainState.ETag = newVersion.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task<IReadOnlyList<StoredJournalEntry>> ReadJournalAsync(string stateName, GrainId grainId, long afterSequence, int limit, string? kind, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(kind is null
            ? """
              select sequence, payload::text, recorded_at from grain_journal
              where grain_type = $1 and grain_key = $2 and state_name = $3 and sequence > $4
              order by sequence limit $5
              """
            : """
              select sequence, payload::text, recorded_at from grain_journal
              where grain_type = $1 and grain_key = $2 and state_name = $3 and kind = $6 and sequence > $4
              order by sequence limit $5
              """);
        AddKey(command, stateName, grainId);
        command.Parameters.Add(new NpgsqlParameter { Value = afterSequence });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        if (kind is not null) command.Parameters.Add(new NpgsqlParameter { Value = kind });
        var entries = new List<StoredJournalEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new StoredJournalEntry(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }

        return entries;
    }

    public async Task ClearStateAsync<TState>(string stateName, GrainId grainId, IGrainState<TState> grainState, CancellationToken cancellationToken)
    {
        long? expected = ParseEtag(grainState.ETag, stateName, grainId);
        var fence = (grainState as IFencedGrainState)?.Fence;
        if (expected is not null)
        {
            NpgsqlParameter[] parameters = [.. Key(stateName, grainId), new() { Value = expected.Value }, .. LeaseFence.Parameters(fence)];
            var deleted = await batcher.QueryAsync(
                $"delete from grain_state where grain_type = $1 and grain_key = $2 and state_name = $3 and version = $4 and {LeaseFence.ConditionOrTrue(fence, 5)} returning version",
                parameters, reader => reader.GetInt64(0), cancellationToken);
            if (deleted.Count == 0)
            {
                await LeaseFence.ThrowIfLostAsync(dataSource, fence, $"Clearing state '{stateName}' of {grainId}", cancellationToken);
                throw MemoryGrainStorage.Conflict(stateName, grainId, grainState.ETag, await StoredVersionAsync(stateName, grainId, cancellationToken));
            }
        }
        else if (await StoredVersionAsync(stateName, grainId, cancellationToken) is { } stored)
        {
            throw MemoryGrainStorage.Conflict(stateName, grainId, null, stored);
        }

        grainState.State = Activator.CreateInstance<TState>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }


    private async Task<string?> StoredVersionAsync(string stateName, GrainId grainId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select version from grain_state where grain_type = $1 and grain_key = $2 and state_name = $3");
        AddKey(command, stateName, grainId);
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version.ToString(CultureInfo.InvariantCulture) : null;
    }

    private static NpgsqlParameter[] Key(string stateName, GrainId grainId) =>
        [new() { Value = grainId.Type }, new() { Value = grainId.Key }, new() { Value = stateName }];

    private static void AddKey(NpgsqlCommand command, string stateName, GrainId grainId) => command.Parameters.AddRange(Key(stateName, grainId));

    private static long? ParseEtag(string? etag, string stateName, GrainId grainId) =>
        etag is null ? null
        : long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version
        : throw new InconsistentStateException($"State '{stateName}' of {grainId} carries etag '{etag}', which this store never issued.", null, etag);
}
