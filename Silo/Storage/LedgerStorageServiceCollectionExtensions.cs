using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Runtime.Hosting;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// Registers the ledger store as Orleans' grain storage named <see cref="LedgerStorage.Name"/>, which grains use with
/// <c>[PersistentState("state", LedgerStorage.Name)]</c>. Orleans finds named storage as a keyed
/// <c>IGrainStorage</c> service (key = the name); <c>AddGrainStorage</c> is Orleans' own way to register one, used by its
/// stock providers. The same store instance also answers <see cref="IGrainStateQuery"/> and
/// <see cref="IGrainJournalReader"/>.
/// </summary>
public static class LedgerStorageServiceCollectionExtensions
{
    /// <summary>
    /// The ledger store in PostgreSQL. Batching settings come from <c>IOptions&lt;PostgresOptions&gt;</c>; the schema is
    /// the host's to apply first (<see cref="SchemaMigrator"/>).
    /// </summary>
    /// <param name="services">The silo's services.</param>
    /// <param name="dataSource">The cluster's database (owned by the caller; see <see cref="PostgresOptions.CreateDataSource"/>).</param>
    public static IServiceCollection AddPostgresLedgerStorage(this IServiceCollection services, Func<IServiceProvider, NpgsqlDataSource> dataSource)
    {
        services.AddPostgresLedgerQueries(dataSource);
        services.AddGrainStorage(LedgerStorage.Name, static (sp, _) => sp.GetRequiredService<PostgresLedgerStorage>());
        return services;
    }

    /// <summary>
    /// Only the read-only views of the ledger in PostgreSQL (<see cref="IGrainStateQuery"/>, <see cref="IGrainJournalReader"/>),
    /// for a process that lists states and journals without hosting grains (a gateway).
    /// </summary>
    public static IServiceCollection AddPostgresLedgerQueries(this IServiceCollection services, Func<IServiceProvider, NpgsqlDataSource> dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        services.AddOptions<PostgresOptions>();
        services.TryAddSingleton(sp => new PostgresLedgerStorage(
            dataSource(sp),
            sp.GetRequiredService<IOptions<PostgresOptions>>().Value,
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        AddViews<PostgresLedgerStorage>(services);
        return services;
    }

    /// <summary>The ledger store in this process (<c>--storage memory</c>, single-silo tests); everything is lost when it ends.</summary>
    public static IServiceCollection AddMemoryLedgerStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new MemoryLedgerStorage(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddGrainStorage(LedgerStorage.Name, static (sp, _) => sp.GetRequiredService<MemoryLedgerStorage>());
        AddViews<MemoryLedgerStorage>(services);
        return services;
    }

    private static void AddViews<TStore>(IServiceCollection services) where TStore : class, IGrainStateQuery, IGrainJournalReader
    {
        services.RemoveAll<IGrainStateQuery>();
        services.RemoveAll<IGrainJournalReader>();
        services.AddSingleton<IGrainStateQuery>(static sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IGrainJournalReader>(static sp => sp.GetRequiredService<TStore>());
    }
}
