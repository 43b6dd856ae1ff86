using Arbitrage.Orleans.Silo.Storage;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>
/// Runs before Orleans starts (it is registered first): waits for the database, applies the schema migrations that it
/// lacks (Orleans' PostgreSQL scripts and the product's, once each), and checks that the database belongs to this
/// cluster and service. Any refusal stops the start with a typed exception naming the conflict.
/// </summary>
internal sealed class DatabaseStartup(NpgsqlDataSource dataSource, OrleansHostOptions options, ILoggerFactory loggers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var migrator = new SchemaMigrator(dataSource, options.DatabaseStartupTimeout, loggers.CreateLogger<SchemaMigrator>());
        await migrator.RunAsync(cancellationToken);
        await migrator.EnsureClusterIdentityAsync(options.ClusterId, options.ServiceId, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
