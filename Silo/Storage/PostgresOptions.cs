using Microsoft.Extensions.Options;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// Where the cluster's PostgreSQL is (configuration <c>ConnectionStrings:Arbitrage</c>) and how the ledger store talks
/// to it (section <c>Postgres</c>).
/// </summary>
public sealed class PostgresOptions
{
    public const string ConnectionStringName = "Arbitrage";

    /// <summary>The configuration section of the other settings (<c>Postgres:BatchConnections</c>, …).</summary>
    public const string SectionName = "Postgres";

    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Connections that send the grain state writes and clears, batched: each sends one batch (one round trip, one
    /// commit) at a time, with everything queued meanwhile. As many again send the grain state reads.
    /// </summary>
    public int BatchConnections { get; set; } = 4;

    /// <summary>The most statements sent as one batch.</summary>
    public int MaxBatchCommands { get; set; } = 64;

    /// <summary>
    /// The most statements waiting for a connection, per lane (writes, reads) and silo. Past it a statement is refused
    /// at once with a <see cref="Grains.Storage.StorageOverloadedException"/> (the API answers 503) instead of queueing
    /// without bound while the database is slower than the load.
    /// </summary>
    public int MaxQueuedCommands { get; set; } = 10_000;

    /// <summary>How long a starting silo waits for an unreachable database before it gives up (see <see cref="SchemaMigrator"/>).</summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Statements Npgsql prepares on each connection once they repeat, unless the connection string sets Max Auto Prepare.</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>Session options unless the connection string sets Options: plan prepared statements once (see <see cref="CreateDataSource"/>).</summary>
    public const string GenericPlans = "-c plan_cache_mode=force_generic_plan";

    /// <summary>
    /// The data source the ledger store uses. Unless the connection string says otherwise: every statement of the store
    /// repeats (state reads and writes, journal appends), so Npgsql prepares them automatically and PostgreSQL skips
    /// parsing; they all find their rows by key, so PostgreSQL keeps one generic plan per statement instead of planning
    /// each execution again for its parameter values; and the store never changes session settings, so a pooled
    /// connection is not reset (a DISCARD ALL round trip) each time it is returned.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        // The generic builder knows only the keys the string names (Npgsql's answers true for every keyword it knows).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose")) builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (!given.ContainsKey("Options")) builder.ConnectionStringBuilder.Options = GenericPlans;
        return builder.Build();
    }

    /// <summary>Null when the connection string is usable, else what is wrong with it (never the string itself).</summary>
    public static string? DescribeProblem(string? connectionString) => PostgresOptionsValidator.Problem(connectionString);
}

/// <summary>Refuses unusable PostgreSQL settings at start-up; each message names the setting and never repeats a password.</summary>
public sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        var problems = new List<string>();
        if (Problem(options.ConnectionString) is { } problem) problems.Add(problem);
        const string section = PostgresOptions.SectionName;
        if (options.BatchConnections is < 1 or > 64) problems.Add($"{section}:BatchConnections must be between 1 and 64 (was {options.BatchConnections}).");
        if (options.MaxBatchCommands is < 1 or > 1000) problems.Add($"{section}:MaxBatchCommands must be between 1 and 1000 (was {options.MaxBatchCommands}).");
        if (options.MaxQueuedCommands is < 1 or > 1_000_000) problems.Add($"{section}:MaxQueuedCommands must be between 1 and 1000000 (was {options.MaxQueuedCommands}).");
        if (options.StartupTimeout < TimeSpan.FromSeconds(1) || options.StartupTimeout > TimeSpan.FromHours(1))
        {
            problems.Add($"{section}:StartupTimeout must be between 00:00:01 and 01:00:00 (was {options.StartupTimeout}).");
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Null when the connection string is usable; the message never repeats the string (it may hold a password).</summary>
    public static string? Problem(string? connectionString)
    {
        const string setting = $"ConnectionStrings:{PostgresOptions.ConnectionStringName}";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"{setting} is empty; set it to a PostgreSQL connection string such as 'Host=127.0.0.1;Port=5432;Username=arbitrage;Database=arbitrage'.";
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrWhiteSpace(builder.Host) ? $"{setting} has no Host." : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            return $"{setting} is not a valid PostgreSQL connection string: {e.Message.Split('\n')[0]}";
        }
    }
}
