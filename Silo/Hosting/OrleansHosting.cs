using System.Net;
using System.Net.Sockets;
using Arbitrage.Orleans.Silo.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>
/// This process on Orleans: a silo (membership, reminders and grain state on PostgreSQL through Orleans' ADO.NET
/// providers, plus the product's <c>ledger</c> store; or all in memory for throwaway runs), or in the gateway role an
/// Orleans client that finds the silos in the same database. Both run the Orleans dashboard.
/// </summary>
public static class OrleansHosting
{
    /// <summary>Orleans' ADO.NET providers name PostgreSQL's ADO.NET provider by this invariant.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>The membership timing this product runs with (fast failover on a small cluster); each can be changed under <c>Orleans:Membership</c>.</summary>
    public static void ApplyFastFailover(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 1;
        o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(10);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
    }

    public static IHostApplicationBuilder AddArbitrageCluster(this IHostApplicationBuilder builder, SiloSettings settings, string? connectionString)
    {
        var o = settings.Orleans;
        var postgres = settings.Storage == StorageMode.Postgres
            ? connectionString ?? throw new SiloConfigurationException($"ConnectionStrings:{PostgresOptions.ConnectionStringName} is required for postgres storage.")
            : null;
        if (postgres is not null)
        {
            builder.Services.Configure<PostgresOptions>(builder.Configuration.GetSection("Postgres"));
            builder.Services.TryAddSingleton(_ => PostgresOptions.CreateDataSource(postgres));
            builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
            // Before Orleans starts: the schema (migrations, once), the cluster's identity, a database that answers.
            builder.Services.AddHostedService(sp => new DatabaseStartup(sp.GetRequiredService<NpgsqlDataSource>(), o, sp.GetRequiredService<ILoggerFactory>()));
        }
        else
        {
            builder.Services.AddHealthChecks();
        }

        if (settings.Role == SiloRole.Gateway)
        {
            builder.Services.AddPostgresLedgerQueries(sp => sp.GetRequiredService<NpgsqlDataSource>());
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (o.ClusterId, o.ServiceId));
                client.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (Invariant, postgres!));
                client.Configure<ClientMessagingOptions>(m => m.ResponseTimeout = o.ResponseTimeout);
                client.AddDashboard();
            });
            return builder;
        }

        EnsurePortFree(o.Address, o.SiloPort, "Orleans:SiloPort");
        EnsurePortFree(o.Address, o.GatewayPort, "Orleans:GatewayPort");
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(c => (c.ClusterId, c.ServiceId) = (o.ClusterId, o.ServiceId));
            silo.Configure<ClusterMembershipOptions>(m =>
            {
                ApplyFastFailover(m);
                builder.Configuration.GetSection("Orleans:Membership").Bind(m);
            });
            silo.Configure<SiloMessagingOptions>(m => m.ResponseTimeout = o.ResponseTimeout);
            silo.Configure<GrainCollectionOptions>(c => c.CollectionAge = o.CollectionAge);
            silo.Configure<ReminderOptions>(r => r.MinimumReminderPeriod = o.MinimumReminderPeriod);
            if (postgres is null) silo.UseLocalhostClustering(o.SiloPort, o.GatewayPort, serviceId: o.ServiceId, clusterId: o.ClusterId);
            else
            {
                silo.ConfigureEndpoints(o.Address, o.SiloPort, o.GatewayPort, listenOnAnyHostAddress: false);
                silo.UseAdoNetClustering(a => (a.Invariant, a.ConnectionString) = (Invariant, postgres));
            }

            silo.AddArbitrageStorage(postgres);
            silo.AddDashboard();
        });
        return builder;
    }

    /// <summary>
    /// Grain state and reminders: on PostgreSQL, Orleans' ADO.NET providers (default storage, reminders) and the
    /// product's ledger store on the process's data source; without a connection string, all of them in memory.
    /// </summary>
    public static ISiloBuilder AddArbitrageStorage(this ISiloBuilder silo, string? postgres)
    {
        if (postgres is null)
        {
            silo.AddMemoryGrainStorageAsDefault();
            silo.UseInMemoryReminderService();
            silo.Services.AddMemoryLedgerStorage();
            return silo;
        }

        silo.Services.TryAddSingleton(_ => PostgresOptions.CreateDataSource(postgres));
        // Orleans' own version-tolerant serializer (the states' [Id]s), not the provider's default Newtonsoft JSON, which
        // cannot read back the read-only collections records carry.
        silo.AddAdoNetGrainStorageAsDefault(storage => storage.Configure<Serializer>((a, serializer) =>
            (a.Invariant, a.ConnectionString, a.GrainStorageSerializer) = (Invariant, postgres, new OrleansGrainStorageSerializer(serializer))));
        silo.UseAdoNetReminderService(a => (a.Invariant, a.ConnectionString) = (Invariant, postgres));
        silo.Services.AddPostgresLedgerStorage(sp => sp.GetRequiredService<NpgsqlDataSource>());
        // A call that failed on an unreachable database drops its activation, so no unsaved change outlives the failure.
        silo.AddIncomingGrainCallFilter<DatabaseOutageCallFilter>();
        return silo;
    }

    /// <summary>Two silos given one port would fail deep inside Orleans; say which setting clashes instead.</summary>
    private static void EnsurePortFree(IPAddress address, int port, string setting)
    {
        try
        {
            var probe = new TcpListener(address, port);
            probe.Start();
            probe.Stop();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new SiloConfigurationException(
                $"{setting} {port} on {address} is already in use (another silo on this host?). Give each silo its own ports: --{setting} <port>.");
        }
    }
}
