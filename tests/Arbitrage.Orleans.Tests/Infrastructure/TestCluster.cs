using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Runtime.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Arbitrage.Orleans.Runtime.Cluster;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// Builds in-process silos for tests, like Orleans' TestingHost: each silo is its own host and container, all of them
/// against one storage (a throwaway PostgreSQL database, or memory). Services registered with
/// <see cref="ConfigureServices"/> are added to every silo, so a shared instance (a probe, a clock) is seen by all.
/// </summary>
public sealed class TestClusterBuilder
{
    private readonly List<Action<IServiceCollection>> _services = [];
    private readonly List<Action<GrainRuntimeBuilder>> _runtime = [];
    private string? _connectionString;
    private readonly List<Type> _grainClasses = DefaultGrainClasses();

    public TestClusterBuilder UsePostgres(string connectionString)
    {
        _connectionString = connectionString;
        return this;
    }

    public TestClusterBuilder UseTimeProvider(TimeProvider time) => ConfigureServices(s => s.Replace(ServiceDescriptor.Singleton(time)));

    public TestClusterBuilder ConfigureServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    public TestClusterBuilder ConfigureRuntime(Action<GrainRuntimeBuilder> configure)
    {
        _runtime.Add(configure);
        return this;
    }

    public TestClusterBuilder ConfigureOptions(Action<GrainRuntimeOptions> configure) => ConfigureRuntime(r => r.Configure(configure));

    public TestClusterBuilder ConfigureReminders(Action<ReminderOptions> configure) => ConfigureRuntime(r => r.ConfigureReminders(configure));

    public TestClusterBuilder ConfigureCluster(Action<ClusterOptions> configure) => ConfigureRuntime(r => r.ConfigureCluster(configure));

    /// <summary>Adds a grain class beside the test grains (for example one the runtime must refuse).</summary>
    public TestClusterBuilder AddGrain(Type grainClass)
    {
        _grainClasses.Add(grainClass);
        return this;
    }

    /// <summary>The grain classes of the namespace <c>Arbitrage.Orleans.Tests.TestGrains</c>.</summary>
    private static List<Type> DefaultGrainClasses() =>
        [.. typeof(TestClusterBuilder).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Grain)) && !t.IsAbstract && t.Namespace == "Arbitrage.Orleans.Tests.TestGrains")];

    /// <summary>Starts the cluster with <paramref name="silos"/> silos.</summary>
    public async Task<TestCluster> StartAsync(int silos = 1)
    {
        var cluster = new TestCluster(this);
        for (int i = 0; i < silos; i++)
        {
            await cluster.StartSiloAsync();
        }

        return cluster;
    }

    internal IHost BuildSiloHost(int index)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddGrainRuntime(runtime =>
        {
            foreach (var grainClass in _grainClasses) runtime.AddGrain(grainClass);
            if (_connectionString is null)
            {
                runtime.AddMemoryGrainStorage().UseMemoryReminders();
            }
            else
            {
                runtime.UsePostgres(_connectionString);
            }

            foreach (var configure in _runtime) configure(runtime);
        });
        foreach (var configure in _services) configure(builder.Services);
        return builder.Build();
    }
}

/// <summary>A running test cluster.</summary>
public sealed class TestCluster(TestClusterBuilder builder) : IAsyncDisposable
{
    private readonly List<TestSilo> _silos = [];
    private int _started;

    public IReadOnlyList<TestSilo> Silos => _silos;

    /// <summary>The grain factory of the first running silo.</summary>
    public IGrainFactory GrainFactory => _silos.First(s => s.IsRunning).GrainFactory;

    public TestSilo Primary => _silos.First(s => s.IsRunning);

    public IEnumerable<TestSilo> Running => _silos.Where(s => s.IsRunning);

    public async Task<TestSilo> StartSiloAsync()
    {
        var host = builder.BuildSiloHost(_started++);
        await host.StartAsync();
        var silo = new TestSilo(host);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Waits (bounded, in real time) until no grain call is in flight on any running silo.</summary>
    public Task SettleAsync() =>
        Eventually.TrueAsync(() => _silos.Where(s => s.IsRunning).All(s => s.Statistics.CallsInFlight == 0), "no grain call is in flight");

    /// <summary>
    /// Moves a manual clock forward one step at a time, letting the calls each step started finish before the next
    /// (so a call is never timed out by clock steps it did not live through), until the condition holds.
    /// </summary>
    public async Task AdvanceUntilAsync(ManualTimeProvider clock, TimeSpan step, Func<bool> condition, string what, int maxSteps = 200)
    {
        for (int i = 0; i < maxSteps && !condition(); i++)
        {
            clock.Advance(step);
            await SettleAsync();
            await Task.Delay(5);
        }

        if (!condition()) throw new TimeoutException($"The condition '{what}' did not hold within {maxSteps} steps of {step}.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos.Where(s => s.IsRunning))
        {
            await silo.StopAsync();
        }
    }
}

/// <summary>One in-process silo of a test cluster.</summary>
public sealed class TestSilo(IHost host)
{
    public IHost Host { get; } = host;
    public bool IsRunning { get; private set; } = true;
    public IGrainFactory GrainFactory => Host.Services.GetRequiredService<IGrainFactory>();
    public RuntimeStatistics Statistics => Host.Services.GetRequiredService<IRuntimeStatisticsProvider>().GetStatistics();
    internal GrainRuntime Runtime => Host.Services.GetRequiredService<GrainRuntime>();

    internal ClusterMembership Membership => (ClusterMembership)Runtime.Placement;

    /// <summary>Whether this silo serves the grain's partition now.</summary>
    public bool Serves(GrainId grain) => Runtime.Placement.Resolve(Runtime.Placement.PartitionOf(grain)).Kind == RouteKind.Local;

    /// <summary>Stops the silo gracefully: activations deactivate, then the host stops and hands its partitions over.</summary>
    public async Task StopAsync()
    {
        if (!IsRunning) return;
        IsRunning = false;
        await Host.StopAsync();
        Host.Dispose();
    }

    /// <summary>Kills the silo: no goodbye, no lease release; its database connections and internal endpoint vanish.</summary>
    public async Task KillAsync()
    {
        if (!IsRunning) return;
        IsRunning = false;
        await Runtime.KillAsync();
        await Host.Services.GetRequiredService<NpgsqlDataSource>().DisposeAsync();
        Host.Dispose();
    }

    /// <summary>Freezes the silo's heartbeats and lease renewals while it goes on serving and writing, believing it still owns its partitions.</summary>
    public void Stall() => Membership.Stall();

    /// <summary>Stops the silo's lease renewals (as when it cannot reach the database) while its self-fencing goes on.</summary>
    public void PauseRenewals() => Membership.PauseRenewals();

    /// <summary>Wakes a stalled silo.</summary>
    public void Resume() => Membership.Resume();
}
