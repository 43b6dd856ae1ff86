using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Runtime.Postgres;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Storage;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Migrations_apply_once_and_running_them_again_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var migrator = new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance);

        await migrator.RunAsync(default);
        await migrator.RunAsync(default);

        await using var versions = dataSource.CreateCommand("select count(*), max(version) from schema_migrations");
        await using var reader = await versions.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(PostgresMigrator.Scripts.Count, reader.GetInt64(0));
        Assert.Equal(PostgresMigrator.LatestVersion, reader.GetInt32(1));
        await using var tables = dataSource.CreateCommand("select count(*) from information_schema.tables where table_name in ('grain_state', 'reminders')");
        Assert.Equal(2L, await tables.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Silos_starting_together_apply_the_schema_exactly_once()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).RunAsync(default)));

        await using var count = dataSource.CreateCommand("select count(*) from schema_migrations");
        Assert.Equal((long)PostgresMigrator.Scripts.Count, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_with_a_newer_schema_is_refused_with_both_versions_named()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        var migrator = new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance);
        await migrator.RunAsync(default);
        await using (var newer = dataSource.CreateCommand("insert into schema_migrations (version, name) values (9999, 'from_the_future')"))
        {
            await newer.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<SchemaVersionException>(() => migrator.RunAsync(default));

        Assert.Contains("9999", error.Message);
        Assert.Contains($"version {PostgresMigrator.LatestVersion}", error.Message);
    }

    [Theory]
    [InlineData(0, 64, "Postgres:BatchConnections must be between 1 and 64 (was 0)")]
    [InlineData(4, 5000, "Postgres:MaxBatchCommands must be between 1 and 1000 (was 5000)")]
    public void Batching_settings_out_of_range_are_refused_naming_the_setting(int connections, int commands, string expected)
    {
        var services = new ServiceCollection()
            .AddGrainRuntime(r => r.UsePostgres("Host=127.0.0.1;Username=arbitrage;Database=arbitrage"))
            .Configure<PostgresOptions>(o => (o.BatchConnections, o.MaxBatchCommands) = (connections, commands));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value);

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Port=notaport;Password=s3cret-value")]
    [InlineData("this is not a connection string Password=s3cret-value")]
    [InlineData("Username=x;Password=s3cret-value")]
    public void A_malformed_connection_string_is_refused_at_start_up_naming_the_setting_and_never_the_password(string connectionString)
    {
        var error = Assert.Throws<OptionsValidationException>(() =>
            new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddGrainRuntime(r => r.UsePostgres(connectionString)));

        Assert.Contains("ConnectionStrings:Arbitrage", error.Message);
        Assert.DoesNotContain("s3cret-value", error.Message);
    }
}
