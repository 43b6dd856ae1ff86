using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Runtime.Cluster;
using Arbitrage.Orleans.Runtime.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Bench.Infrastructure;

/// <summary>
/// One silo of an in-process cluster, as in tests/…/Infrastructure/TestCluster.cs: its own host and container, on
/// the shared PostgreSQL, with its internal HTTP/2 endpoint on a free loopback port. Cluster settings are the
/// defaults (<see cref="ClusterOptions"/>); no idle collection during a run.
/// </summary>
internal sealed class InProcessSilo
{
    private InProcessSilo(string name, IHost host)
    {
        Name = name;
        Host = host;
        GrainFactory = host.Services.GetRequiredService<IGrainFactory>();
        Runtime = host.Services.GetRequiredService<GrainRuntime>();
        Membership = (ClusterMembership)Runtime.Placement;
    }

    /// <summary>A short label for progress lines (s1, s2, ...).</summary>
    public string Name { get; }

    public IHost Host { get; }

    public bool IsRunning { get; private set; } = true;

    /// <summary>Kept from the start: a caller may still hold this silo for a moment after it was killed (its calls then fail).</summary>
    public IGrainFactory GrainFactory { get; }

    public RuntimeStatistics Statistics => Runtime.GetStatistics();

    internal GrainRuntime Runtime { get; }

    internal ClusterMembership Membership { get; }

    /// <summary>Partitions this silo holds a lease on now (0 once stopped).</summary>
    public int OwnedCount => IsRunning ? Membership.OwnedCount : 0;

    /// <summary>Starts a silo hosting <paramref name="grainClasses"/> on the PostgreSQL of <paramref name="connectionString"/>.</summary>
    public static async Task<InProcessSilo> StartAsync(string name, string connectionString, IEnumerable<Type> grainClasses, CancellationToken cancellationToken)
    {
        // No default configuration sources: nothing in the environment can change the cluster settings.
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddGrainRuntime(runtime =>
        {
            foreach (var grainClass in grainClasses) runtime.AddGrain(grainClass);
            runtime.UsePostgres(connectionString)
                .ConfigureCluster(_ => { /* defaults: 256 partitions, 6 s leases renewed every 1 s, 2 s self-fence margin, dead after 6 s */ })
                .Configure(o => o.CollectionAge = TimeSpan.FromHours(1));
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new InProcessSilo(name, host);
    }

    /// <summary>Whether this silo serves the grain's partition now.</summary>
    public bool Serves(GrainId grain) => IsRunning && Runtime.Placement.Resolve(Runtime.Placement.PartitionOf(grain)).Kind == RouteKind.Local;

    /// <summary>Hard kill: no goodbye, no lease release; its database connections and internal endpoint vanish.</summary>
    public async Task KillAsync()
    {
        if (!IsRunning) return;
        IsRunning = false;
        await Runtime.KillAsync();
        await Host.Services.GetRequiredService<NpgsqlDataSource>().DisposeAsync();
        Host.Dispose();
    }

    /// <summary>Graceful stop: activations deactivate, then the silo hands its partitions over.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning) return;
        IsRunning = false;
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
    }

    public override string ToString() => Name;
}

/// <summary>A throwaway database per measurement on the suite's PostgreSQL server, so that no lease or row carries over.</summary>
internal static class BenchDatabases
{
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
}
