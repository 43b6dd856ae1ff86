using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>One versioned script of <c>deploy/migrations</c>, embedded in this assembly as <c>migrations.NNNN_name.sql</c>.</summary>
public sealed record SchemaScript(int Version, string Name, string Sql);

/// <summary>
/// Brings the cluster's database to the schema this build needs, once at silo start-up: Orleans' own ADO.NET scripts
/// (<c>deploy/migrations/orleans</c>: the <c>OrleansQuery</c> table, membership, grain storage, reminders; versions
/// below 6) and the product's own (<c>deploy/migrations</c>: the ledger store's tables and the cluster identity; 6 on).
/// Each script the database lacks is applied once, in order, in its own transaction, and recorded in
/// <c>arbitrage_schema_migrations</c>; an advisory lock keeps silos that start together from racing. It waits for a
/// database that does not answer yet (up to the start-up timeout), and refuses — changing nothing — a database whose
/// schema is newer than this build, or one written by this product before it moved to Orleans.
/// </summary>
public sealed partial class SchemaMigrator
{
    private const long LockKey = 0x4172_6269_7472; // "Arbitr"
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Tables that only the product's own runtime before Orleans (commit 09d38f7) created.</summary>
    private static readonly string[] LegacyTableNames = ["schema_migrations", "grain_state"];

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeSpan _startupTimeout;
    private readonly ILogger<SchemaMigrator> _logger;
    private readonly TimeProvider _time;

    /// <param name="dataSource">The cluster's database.</param>
    /// <param name="startupTimeout">How long <see cref="RunAsync"/> waits for a database that does not answer (see <see cref="PostgresOptions.StartupTimeout"/>).</param>
    /// <param name="logger">Where progress and retries are logged (never the connection string).</param>
    /// <param name="time">The clock of the retries; the system clock when null.</param>
    public SchemaMigrator(NpgsqlDataSource dataSource, TimeSpan startupTimeout, ILogger<SchemaMigrator> logger, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(startupTimeout, TimeSpan.Zero);
        _dataSource = dataSource;
        _startupTimeout = startupTimeout;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The scripts of this build, by version.</summary>
    public static IReadOnlyList<SchemaScript> Scripts { get; } = LoadScripts();

    /// <summary>The schema version this build brings a database to.</summary>
    public static int LatestVersion => Scripts.Count == 0 ? 0 : Scripts[^1].Version;

    /// <summary>
    /// Waits until the database answers, then applies the scripts it lacks.
    /// </summary>
    /// <exception cref="DatabaseUnavailableException">The database did not answer within the start-up timeout.</exception>
    /// <exception cref="LegacyDatabaseException">The database holds data of this product from before Orleans.</exception>
    /// <exception cref="SchemaVersionException">The database's schema is newer than <see cref="LatestVersion"/>.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenWhenReachableAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("select pg_advisory_lock($1)", connection) { Parameters = { new() { Value = LockKey } } })
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var legacy = await LegacyTablesAsync(connection, cancellationToken);
            if (legacy.Count > 0) throw new LegacyDatabaseException(Location(), legacy);

            await using (var create = new NpgsqlCommand("""
                create table if not exists arbitrage_schema_migrations (
                    version    integer     primary key,
                    name       text        not null,
                    applied_at timestamptz not null default now())
                """, connection))
            {
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var applied = new HashSet<int>();
            await using (var read = new NpgsqlCommand("select version from arbitrage_schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));
            }

            int current = applied.Count == 0 ? 0 : applied.Max();
            if (current > LatestVersion) throw new SchemaVersionException(current, LatestVersion);

            int count = 0;
            foreach (var script in Scripts.Where(s => !applied.Contains(s.Version)))
            {
                await ApplyAsync(connection, script, cancellationToken);
                LogScriptApplied(script.Version, script.Name);
                count++;
            }

            LogSchemaReady(LatestVersion, count);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = LockKey } } };
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Records which cluster the database belongs to on first start, and refuses a database that belongs to another
    /// (a different <c>Orleans:ClusterId</c> or <c>Orleans:ServiceId</c>). Call it after <see cref="RunAsync"/>.
    /// </summary>
    /// <exception cref="ClusterIdentityException">The database recorded another cluster id or service id.</exception>
    public async Task EnsureClusterIdentityAsync(string clusterId, string serviceId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(clusterId);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("insert into arbitrage_cluster (cluster_id, service_id) values ($1, $2) on conflict do nothing", connection))
        {
            insert.Parameters.Add(new() { Value = clusterId });
            insert.Parameters.Add(new() { Value = serviceId });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // A statement of its own, so it sees the row whichever silo inserted it.
        string storedCluster, storedService;
        await using (var read = new NpgsqlCommand("select cluster_id, service_id from arbitrage_cluster", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken)) throw new InvalidOperationException("arbitrage_cluster has no row after inserting one.");
            (storedCluster, storedService) = (reader.GetString(0), reader.GetString(1));
        }

        if (storedCluster != clusterId) throw new ClusterIdentityException("Orleans:ClusterId", storedCluster, clusterId, Location());
        if (storedService != serviceId) throw new ClusterIdentityException("Orleans:ServiceId", storedService, serviceId, Location());
        LogClusterIdentity(clusterId, serviceId);
    }

    /// <summary>Opens a connection, trying again every second while the database does not answer, up to the start-up timeout.</summary>
    private async Task<NpgsqlConnection> OpenWhenReachableAsync(CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        Exception? lastError = null;
        for (int attempt = 1; ; attempt++)
        {
            var remaining = _startupTimeout - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) throw Unavailable(lastError);
            using (var deadline = new CancellationTokenSource(remaining, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
            {
                try
                {
                    return await _dataSource.OpenConnectionAsync(linked.Token);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    // The attempt outlasted the time left; an earlier attempt's error says more.
                    lastError ??= new TimeoutException("the connection attempt was still waiting at the deadline", e);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsUnreachable(e))
                {
                    lastError = e;
                }
            }

            // The next attempt a second from now, if that is still within the timeout; else wait out the timeout and give up.
            remaining = _startupTimeout - _time.GetElapsedTime(started);
            if (remaining <= RetryDelay)
            {
                if (remaining > TimeSpan.Zero) await Task.Delay(remaining, _time, cancellationToken);
                throw Unavailable(lastError);
            }

            LogWaitingForDatabase(Server(), attempt, Describe(lastError!));
            await Task.Delay(RetryDelay, _time, cancellationToken);
        }
    }

    private DatabaseUnavailableException Unavailable(Exception? lastError) => new(
        $"PostgreSQL at {Server()} did not answer within {_startupTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: {(lastError is null ? "no attempt finished" : Describe(lastError))}",
        lastError);

    /// <summary>The database is not (yet) there: refused or timed-out connections, a server still starting up.</summary>
    private static bool IsUnreachable(Exception e) => e is NpgsqlException { IsTransient: true } or TimeoutException or System.Net.Sockets.SocketException;

    /// <summary>The error's message and its cause's (e.g. "Failed to connect to 127.0.0.1:5432: Connection refused"); Npgsql's messages hold no password.</summary>
    private static string Describe(Exception e) =>
        e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal) ? $"{e.Message}: {inner.Message}" : e.Message;

    private static async Task<List<string>> LegacyTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(current_schemas(false)) and c.relkind in ('r', 'p') and c.relname = any($1)
            order by c.relname desc
            """, connection) { Parameters = { new() { Value = LegacyTableNames } } };
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tables.Add(reader.GetString(0));
        return tables;
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, SchemaScript script, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using (var apply = new NpgsqlCommand(script.Sql, connection, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (PostgresException e)
        {
            throw new InvalidOperationException(
                $"Schema script {script.Version:0000}_{script.Name} failed ({e.SqlState}: {e.MessageText}); nothing of it was applied. Is ConnectionStrings:Arbitrage an empty database, or one that only this product's silos have migrated?",
                e);
        }

        await using (var record = new NpgsqlCommand("insert into arbitrage_schema_migrations (version, name) values ($1, $2)", connection, transaction))
        {
            record.Parameters.Add(new() { Value = script.Version });
            record.Parameters.Add(new() { Value = script.Name });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>host:port of the database, for messages (the connection string itself may hold a password).</summary>
    private string Server()
    {
        var builder = new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString);
        return $"{builder.Host}:{builder.Port}";
    }

    /// <summary>host:port/database, for messages.</summary>
    private string Location() => $"{Server()}/{new NpgsqlConnectionStringBuilder(_dataSource.ConnectionString).Database}";

    private static List<SchemaScript> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var scripts = new List<SchemaScript>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ScriptName().Match(resource);
            if (!match.Success) continue;
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            scripts.Add(new SchemaScript(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, reader.ReadToEnd()));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (int i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version)
            {
                throw new InvalidOperationException($"Two schema scripts have version {scripts[i].Version}: {scripts[i - 1].Name} and {scripts[i].Name}.");
            }
        }

        return scripts;
    }

    [GeneratedRegex(@"^migrations\.(\d{4})_(.+)\.sql$")]
    private static partial Regex ScriptName();

    [LoggerMessage(EventId = 1501, Level = LogLevel.Warning, Message = "PostgreSQL at {Server} did not answer (attempt {Attempt}): {Error}; trying again in 1 s")]
    private partial void LogWaitingForDatabase(string server, int attempt, string error);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Information, Message = "Applied schema script {Version}: {Name}")]
    private partial void LogScriptApplied(int version, string name);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Database schema is at version {Version} ({Applied} migrations applied now)")]
    private partial void LogSchemaReady(int version, int applied);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Information, Message = "The database belongs to cluster {ClusterId}, service {ServiceId}")]
    private partial void LogClusterIdentity(string clusterId, string serviceId);
}
