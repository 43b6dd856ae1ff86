using System.Reflection;
using System.Text.RegularExpressions;
using Arbitrage.Orleans.Runtime.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>
/// Applies the versioned scripts of <c>deploy/migrations</c> (embedded in this assembly) that the database lacks,
/// in order, each in its own transaction, under an advisory lock so that silos starting together do not race.
/// Refuses a database whose schema is newer than this build.
/// </summary>
internal sealed partial class PostgresMigrator(NpgsqlDataSource dataSource, ILogger<PostgresMigrator> logger) : IRuntimeStartupTask
{
    private const long LockKey = 0x4172_6269_7472; // "Arbitr"

    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts { get; } = LoadScripts();

    public static int LatestVersion => Scripts.Count == 0 ? 0 : Scripts[^1].Version;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var init = new NpgsqlBatch(connection))
        {
            init.BatchCommands.Add(new("select pg_advisory_lock($1)") { Parameters = { new() { Value = LockKey } } });
            init.BatchCommands.Add(new("""
                create table if not exists schema_migrations (
                    version    integer     primary key,
                    name       text        not null,
                    applied_at timestamptz not null default now())
                """));
            await init.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            int current;
            await using (var read = new NpgsqlCommand("select coalesce(max(version), 0) from schema_migrations", connection))
            {
                current = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken));
            }

            if (current > LatestVersion)
            {
                throw new SchemaVersionException(
                    $"The database schema is at version {current}, newer than this build knows (version {LatestVersion}). Run a newer build of the silo, or point it at another database.");
            }

            int applied = 0;
            foreach (var (version, name, sql) in Scripts.Where(s => s.Version > current))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(sql, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("insert into schema_migrations (version, name) values ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new() { Value = version });
                    record.Parameters.Add(new() { Value = name });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                applied++;
            }

            logger.SchemaReady(Math.Max(current, LatestVersion), applied);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static List<(int, string, string)> LoadScripts()
    {
        var assembly = typeof(PostgresMigrator).Assembly;
        var scripts = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success) continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add((int.Parse(match.Groups[1].Value), match.Groups[2].Value, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return scripts;
    }

    [GeneratedRegex(@"^migrations\.(\d{4})_(.+)\.sql$")]
    private static partial Regex ScriptName();
}
