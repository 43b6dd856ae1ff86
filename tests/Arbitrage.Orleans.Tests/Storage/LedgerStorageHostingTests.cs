using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Silo.Storage;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Storage;

namespace Arbitrage.Orleans.Tests.Storage;

/// <summary>
/// How a host wires the ledger store: Orleans finds it as the keyed <see cref="IGrainStorage"/> named "ledger" (as it
/// resolves <c>[PersistentState(state, "ledger")]</c>), and the same instance answers the ledger's views.
/// </summary>
public sealed class LedgerStorageRegistrationTests
{
    [Fact]
    public void Memory_ledger_storage_is_orleans_named_storage_and_answers_the_views()
    {
        using var services = new ServiceCollection().AddMemoryLedgerStorage().BuildServiceProvider();

        var storage = services.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);

        Assert.IsType<MemoryLedgerStorage>(storage);
        Assert.Same(storage, services.GetRequiredService<IGrainStateQuery>());
        Assert.Same(storage, services.GetRequiredService<IGrainJournalReader>());
        Assert.Null(services.GetService<IGrainStorage>()); // not the default storage
    }

    [Fact]
    public async Task Postgres_ledger_storage_is_orleans_named_storage_and_answers_the_views()
    {
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Username=arbitrage;Database=arbitrage");
        await using var services = new ServiceCollection().AddPostgresLedgerStorage(_ => dataSource).BuildServiceProvider();

        var storage = services.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);

        Assert.IsType<PostgresLedgerStorage>(storage);
        Assert.Same(storage, services.GetRequiredService<IGrainStateQuery>());
        Assert.Same(storage, services.GetRequiredService<IGrainJournalReader>());
    }

    [Fact]
    public async Task A_gateway_gets_the_views_without_grain_storage()
    {
        await using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Username=arbitrage;Database=arbitrage");
        await using var services = new ServiceCollection().AddPostgresLedgerQueries(_ => dataSource).BuildServiceProvider();

        Assert.Null(services.GetKeyedService<IGrainStorage>(LedgerStorage.Name));
        Assert.IsType<PostgresLedgerStorage>(services.GetRequiredService<IGrainStateQuery>());
        Assert.Same(services.GetRequiredService<IGrainStateQuery>(), services.GetRequiredService<IGrainJournalReader>());
    }
}

public sealed class PostgresOptionsTests
{
    private static ValidateOptionsResult Validate(PostgresOptions options) => new PostgresOptionsValidator().Validate(null, options);

    [Fact]
    public void The_defaults_with_a_connection_string_are_valid()
    {
        var options = new PostgresOptions { ConnectionString = "Host=127.0.0.1;Username=arbitrage;Database=arbitrage" };

        Assert.True(Validate(options).Succeeded);
        Assert.Equal((4, 64, TimeSpan.FromSeconds(60)), (options.BatchConnections, options.MaxBatchCommands, options.StartupTimeout));
        Assert.Equal("Arbitrage", PostgresOptions.ConnectionStringName);
    }

    [Theory]
    [InlineData(0, 64, 60, "Postgres:BatchConnections must be between 1 and 64 (was 0)")]
    [InlineData(4, 5000, 60, "Postgres:MaxBatchCommands must be between 1 and 1000 (was 5000)")]
    [InlineData(4, 64, 0, "Postgres:StartupTimeout must be between 00:00:01 and 01:00:00 (was 00:00:00)")]
    public void Settings_out_of_range_are_refused_naming_the_setting(int connections, int commands, int timeoutSeconds, string expected)
    {
        var result = Validate(new PostgresOptions
        {
            ConnectionString = "Host=127.0.0.1;Username=arbitrage;Database=arbitrage",
            BatchConnections = connections,
            MaxBatchCommands = commands,
            StartupTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        });

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Host=127.0.0.1;Port=notaport;Password=s3cret-value")]
    [InlineData("this is not a connection string Password=s3cret-value")]
    [InlineData("Username=x;Password=s3cret-value")]
    public void A_malformed_connection_string_is_refused_naming_the_setting_and_never_the_password(string connectionString)
    {
        var result = Validate(new PostgresOptions { ConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("ConnectionStrings:Arbitrage", result.FailureMessage);
        Assert.DoesNotContain("s3cret-value", result.FailureMessage);
        Assert.Equal(result.FailureMessage, PostgresOptions.DescribeProblem(connectionString));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class DatabaseHealthCheckTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task A_database_that_answers_is_healthy()
    {
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());

        var result = await new DatabaseHealthCheck(dataSource, NullLogger<DatabaseHealthCheck>.Instance).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task A_database_that_does_not_answer_is_unhealthy_and_the_result_tells_nothing_more()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var dataSource = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={port};Username=arbitrage;Password=s3cret-value;Database=arbitrage;Timeout=2");
        var check = new DatabaseHealthCheck(dataSource, NullLogger<DatabaseHealthCheck>.Instance);

        var result = await check.CheckHealthAsync(new HealthCheckContext { Registration = new HealthCheckRegistration("database", check, null, ["ready"]) });

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("PostgreSQL did not answer", result.Description);
        Assert.Null(result.Exception);
    }
}
