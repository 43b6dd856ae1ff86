using System.Globalization;
using Arbitrage.Orleans.Runtime.Reminders;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>
/// Durable reminders in PostgreSQL: one row per (grain type, key, name), with the grain's partition; changes are fenced.
/// Changes go through the <see cref="PostgresCommandBatcher"/>, so the many reminders of many grains share round trips
/// and commits.
/// </summary>
internal sealed class PostgresReminderTable(NpgsqlDataSource dataSource, PostgresCommandBatcher batcher) : IReminderTable
{
    private const string Columns = "grain_type, grain_key, reminder_name, start_at, period_ms, version, last_fired_at, partition";

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        QueryAsync($"select {Columns} from reminders", [], cancellationToken);

    public Task<IReadOnlyList<ReminderEntry>> ReadPartitionsAsync(IReadOnlyCollection<int> partitions, CancellationToken cancellationToken) =>
        QueryAsync($"select {Columns} from reminders where partition = any($1)", [partitions.ToArray()], cancellationToken);

    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grainId, CancellationToken cancellationToken) =>
        QueryAsync($"select {Columns} from reminders where grain_type = $1 and grain_key = $2 order by reminder_name", [grainId.Type, grainId.Key], cancellationToken);

    public async Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, int partition, GrainFence? fence, CancellationToken cancellationToken)
    {
        var rows = await batcher.QueryAsync(
            $"""
             insert into reminders (grain_type, grain_key, reminder_name, start_at, period_ms, partition)
             select $1, $2, $3, $4, $5, $6 where {LeaseFence.ConditionOrTrue(fence, 7)}
             on conflict (grain_type, grain_key, reminder_name) do update
                set start_at = excluded.start_at, period_ms = excluded.period_ms, partition = excluded.partition, last_fired_at = null,
                    version = reminders.version + 1, updated_at = now()
             returning {Columns}
             """,
            Parameters([grainId.Type, grainId.Key, name, startAt, (long)period.TotalMilliseconds, partition], fence),
            ReadEntry, cancellationToken);
        if (rows.Count == 0)
        {
            await LeaseFence.ThrowIfLostAsync(dataSource, fence, $"Registering reminder '{name}' of {grainId}", cancellationToken);
        }

        return rows[0];
    }

    public async Task<bool> RemoveAsync(GrainId grainId, string name, GrainFence? fence, CancellationToken cancellationToken)
    {
        var removed = await batcher.QueryAsync(
            $"delete from reminders where grain_type = $1 and grain_key = $2 and reminder_name = $3 and {LeaseFence.ConditionOrTrue(fence, 4)} returning version",
            Parameters([grainId.Type, grainId.Key, name], fence), reader => reader.GetInt64(0), cancellationToken);
        if (removed.Count > 0) return true;
        await LeaseFence.ThrowIfLostAsync(dataSource, fence, $"Removing reminder '{name}' of {grainId}", cancellationToken);
        return false;
    }

    public Task RecordFiredAsync(GrainId grainId, string name, DateTimeOffset tickTime, GrainFence? fence, CancellationToken cancellationToken) =>
        batcher.QueryAsync(
            $"""
             update reminders set last_fired_at = $4
             where grain_type = $1 and grain_key = $2 and reminder_name = $3 and (last_fired_at is null or last_fired_at < $4) and {LeaseFence.ConditionOrTrue(fence, 5)}
             returning version
             """,
            Parameters([grainId.Type, grainId.Key, name, tickTime], fence), reader => reader.GetInt64(0), cancellationToken);


    private async Task<IReadOnlyList<ReminderEntry>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        AddParameters(command, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken)) entries.Add(ReadEntry(reader));
        return entries;
    }

    private static ReminderEntry ReadEntry(NpgsqlDataReader reader) => new(
        new GrainId(reader.GetString(0), reader.GetString(1)),
        reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        TimeSpan.FromMilliseconds(reader.GetInt64(4)),
        reader.GetInt64(5).ToString(CultureInfo.InvariantCulture),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetInt32(7));

    private static NpgsqlParameter[] Parameters(object[] values, GrainFence? fence = null) =>
        [.. values.Select(value => new NpgsqlParameter { Value = value }), .. LeaseFence.Parameters(fence)];

    private static void AddParameters(NpgsqlCommand command, object[] values) => command.Parameters.AddRange(Parameters(values));
}
