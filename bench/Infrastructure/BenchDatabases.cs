using Arbitrage.Orleans.Silo.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>A throwaway database per measurement on the suite's PostgreSQL server, so that no membership row or state carries over.</summary>
internal static class BenchDatabases
{
    /// <summary>Creates <paramref name="database"/> on the server of <paramref name="serverConnectionString"/>; returns its connection string.</summary>
    public static async Task<string> CreateAsync(string serverConnectionString, string database, CancellationToken cancellationToken)
    {
        await using (var connection = new NpgsqlConnection(serverConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"create database \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>Creates the database and applies the product's schema (Orleans' tables and the ledger store's), as a silo would at start.</summary>
    public static async Task<string> CreateMigratedAsync(string serverConnectionString, string database, CancellationToken cancellationToken)
    {
        var connectionString = await CreateAsync(serverConnectionString, database, cancellationToken);
        await MigrateAsync(connectionString, cancellationToken);
        return connectionString;
    }

    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(dataSource, TimeSpan.FromSeconds(30), NullLogger<SchemaMigrator>.Instance).RunAsync(cancellationToken);
    }
}
