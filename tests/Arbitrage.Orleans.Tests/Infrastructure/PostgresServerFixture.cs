using Arbitrage.Orleans.Silo.Hosting;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// One throwaway PostgreSQL server for the whole test run (initdb + pg_ctl on a free loopback port, in a temporary
/// directory removed at the end). Each test gets a database of its own from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private LocalPostgres? _server;

    public string ServerConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("The PostgreSQL fixture has not started.");

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"arbitrage-tests-{Guid.NewGuid():N}");
        _server = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = false, Database = "tests" }, null, CancellationToken.None);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>
{
    public const string Name = "PostgreSQL";
}
