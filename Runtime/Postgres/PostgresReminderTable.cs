using System.Globalization;
using Arbitrage.Orleans.Runtime.Reminders;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>Durable reminders in PostgreSQL: one row per (grain type, key, name).</summary>
internal sealed class PostgresReminderTable(NpgsqlDataSource dataSource) : IReminderTable
{
    private const string Columns = "grain_type, grain_key, reminder_name, start_at, period_ms, version, last_fired_at";

    public Task<IReadOnlyList<ReminderEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        QueryAsync($"select {Columns} from reminders", [], cancellationToken);

    public Task<IReadOnlyList<ReminderEntry>> ReadAsync(GrainId grainId, CancellationToken cancellationToken) =>
        QueryAsync($"select {Columns} from reminders where grain_type = $1 and grain_key = $2 order by reminder_name", [grainId.Type, grainId.Key], cancellationToken);

    public async Task<ReminderEntry> UpsertAsync(GrainId grainId, string name, DateTimeOffset startAt, TimeSpan period, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            $"""
             insert into reminders (grain_type, grain_key, reminder_name, start_at, period_ms)
             values ($1, $2, $3, $4, $5)
             on conflict (grain_type, grain_key, reminder_name) do update
                set start_at = excluded.start_at, period_ms = excluded.period_ms, last_fired_at = null,
                    version = reminders.version + 1, updated_at = now()
             returning {Columns}
             """,
            [grainId.Type, grainId.Key, name, startAt, (long)period.TotalMilliseconds],
            cancellationToken);
        return rows[0];
    }

    public async Task<bool> RemoveAsync(GrainId grainId, string name, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("delete from reminders where grain_type = $1 and grain_key = $2 and reminder_name = $3");
        AddParameters(command, [grainId.Type, grainId.Key, name]);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task RecordFiredAsync(GrainId grainId, string name, DateTimeOffset tickTime, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "update reminders set last_fired_at = $4 where grain_type = $1 and grain_key = $2 and reminder_name = $3 and (last_fired_at is null or last_fired_at < $4)");
        AddParameters(command, [grainId.Type, grainId.Key, name, tickTime]);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<ReminderEntry>> QueryAsync(string sql, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        AddParameters(command, parameters);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ReminderEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ReminderEntry(
                new GrainId(reader.GetString(0), reader.GetString(1)),
                reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3),
                TimeSpan.FromMilliseconds(reader.GetInt64(4)),
                reader.GetInt64(5).ToString(CultureInfo.InvariantCulture),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return entries;
    }

    private static void AddParameters(NpgsqlCommand command, object[] values)
    {
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
    }
}
