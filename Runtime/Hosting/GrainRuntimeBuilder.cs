using System.Reflection;
using Arbitrage.Orleans.Runtime.Cluster;
using Arbitrage.Orleans.Runtime.Internal;
using Arbitrage.Orleans.Runtime.Postgres;
using Arbitrage.Orleans.Runtime.Reminders;
using Arbitrage.Orleans.Runtime.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Arbitrage.Orleans.Runtime;

/// <summary>Configures the grain runtime of a silo: grain classes, storage, reminders and call filters.</summary>
public sealed class GrainRuntimeBuilder
{
    internal GrainRuntimeBuilder(IServiceCollection services) => Services = services;

    public IServiceCollection Services { get; }

    /// <summary>Registers every concrete grain class of the assembly.</summary>
    public GrainRuntimeBuilder AddGrains(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && t.IsSubclassOf(typeof(Grain))))
        {
            AddGrain(type);
        }

        return this;
    }

    public GrainRuntimeBuilder AddGrain<TGrain>() where TGrain : Grain => AddGrain(typeof(TGrain));

    public GrainRuntimeBuilder AddGrain(Type grainClass)
    {
        Services.Configure<GrainClassOptions>(o => o.Classes.Add(grainClass));
        return this;
    }

    /// <summary>Grain state kept in this process only.</summary>
    public GrainRuntimeBuilder AddMemoryGrainStorage(string name = GrainStorageNames.Default)
    {
        Services.AddKeyedSingleton<MemoryGrainStorage>(name, (sp, _) => new MemoryGrainStorage(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        Services.AddKeyedSingleton<IGrainStorage>(name, (sp, key) => sp.GetRequiredKeyedService<MemoryGrainStorage>(key));
        if (name == GrainStorageNames.Default) Services.AddSingleton<IGrainStateQuery>(sp => sp.GetRequiredKeyedService<MemoryGrainStorage>(GrainStorageNames.Default));
        return this;
    }

    /// <summary>Reminders kept in this process only.</summary>
    public GrainRuntimeBuilder UseMemoryReminders()
    {
        Services.RemoveAll<IReminderTable>();
        Services.AddSingleton<IReminderTable, MemoryReminderTable>();
        return this;
    }

    /// <summary>
    /// Uses the PostgreSQL of <paramref name="connectionString"/> for grain state (store <paramref name="storageName"/>)
    /// and reminders, applying the schema migrations at start-up.
    /// </summary>
    public GrainRuntimeBuilder UsePostgres(string connectionString, string storageName = GrainStorageNames.Default)
    {
        if (PostgresOptionsValidator.Problem(connectionString) is { } problem)
        {
            throw new OptionsValidationException(PostgresOptions.ConnectionStringName, typeof(PostgresOptions), [problem]);
        }

        Services.Configure<PostgresOptions>(o => o.ConnectionString = connectionString);
        Services.TryAddSingleton(sp => PostgresOptions.CreateDataSource(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        Services.AddSingleton<IRuntimeStartupTask, PostgresMigrator>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, PostgresOptionsValidator>());
        Services.AddOptions<PostgresOptions>().ValidateOnStart();
        Services.TryAddSingleton(sp => new PostgresCommandBatcher(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<PostgresOptions>>().Value,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresCommandBatcher>>()));
        Services.AddKeyedSingleton<IGrainStorage>(storageName, (sp, _) => new PostgresGrainStorage(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<PostgresCommandBatcher>()));
        if (storageName == GrainStorageNames.Default)
        {
            Services.RemoveAll<IGrainStateQuery>();
            Services.AddSingleton<IGrainStateQuery>(sp => new PostgresGrainStateQuery(sp.GetRequiredService<NpgsqlDataSource>()));
        }

        Services.RemoveAll<IReminderTable>();
        Services.AddSingleton<IReminderTable, PostgresReminderTable>();
        Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        Services.RemoveAll<GrainPlacement>();
        Services.AddSingleton<GrainPlacement>(sp => new ClusterMembership(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value,
            sp.GetKeyedService<TimeProvider>(ClusterMembership.TimeProviderKey) ?? TimeProvider.System,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ClusterMembership>>()));
        Services.AddSingleton<IClusterStatisticsProvider>(sp => new ClusterStatisticsReader(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<GrainRuntime>()));
        return this;
    }

    public GrainRuntimeBuilder AddIncomingGrainCallFilter<TFilter>() where TFilter : class, IIncomingGrainCallFilter
    {
        Services.AddSingleton<IIncomingGrainCallFilter, TFilter>();
        return this;
    }

    public GrainRuntimeBuilder Configure(Action<GrainRuntimeOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Makes this host a cluster client: it routes grain calls to the silos and hosts no grain (a standalone gateway).</summary>
    public GrainRuntimeBuilder AsClusterClient() => ConfigureCluster(o => o.Role = ClusterRole.Client);

    public GrainRuntimeBuilder ConfigureCluster(Action<ClusterOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    public GrainRuntimeBuilder ConfigureReminders(Action<ReminderOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }
}

public static class GrainRuntimeServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime to a host: <see cref="IGrainFactory"/>, <see cref="IRuntimeStatisticsProvider"/> and a hosted
    /// service that applies start-up tasks (schema migrations) and then starts the runtime. Options are validated at start.
    /// </summary>
    public static IServiceCollection AddGrainRuntime(this IServiceCollection services, Action<GrainRuntimeBuilder> configure)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GrainRuntimeOptions>().BindConfigurationIfPresent(GrainRuntimeOptions.SectionName).ValidateOnStart();
        services.AddOptions<ReminderOptions>().BindConfigurationIfPresent(ReminderOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GrainRuntimeOptions>, GrainRuntimeOptionsValidator>();
        services.AddSingleton<IValidateOptions<ReminderOptions>, ReminderOptionsValidator>();
        services.AddOptions<ClusterOptions>().BindConfigurationIfPresent(ClusterOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.TryAddSingleton<GrainPlacement, LocalPlacement>();
        services.TryAddSingleton<IReminderTable, MemoryReminderTable>();
        services.AddSingleton<GrainRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>().GrainFactory);
        services.AddSingleton<IRuntimeStatisticsProvider>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddHostedService<GrainRuntimeHost>();
        services.AddHealthChecks();
        configure(new GrainRuntimeBuilder(services));
        return services;
    }

    private static OptionsBuilder<T> BindConfigurationIfPresent<T>(this OptionsBuilder<T> builder, string section) where T : class =>
        builder.Configure<IServiceProvider>((options, sp) =>
        {
            if (sp.GetService<Microsoft.Extensions.Configuration.IConfiguration>() is { } configuration)
            {
                Microsoft.Extensions.Configuration.ConfigurationBinder.Bind(configuration.GetSection(section), options);
            }
        });
}
