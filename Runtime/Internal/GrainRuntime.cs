using Arbitrage.Orleans.Runtime.Cluster;
using Arbitrage.Orleans.Runtime.Reminders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>The grain classes a silo hosts, collected by <c>AddGrains</c>.</summary>
internal sealed class GrainClassOptions
{
    public List<Type> Classes { get; } = [];
}

/// <summary>
/// The runtime of one silo: catalog of activations, call dispatch, response timeouts, idle collection, reminders
/// and statistics. Started and stopped by <see cref="GrainRuntimeHost"/>.
/// </summary>
internal sealed class GrainRuntime : IRuntimeStatisticsProvider, IDisposable
{
    private readonly Lazy<GrainTypeRegistry> _registry;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ClusterOptions _clusterOptions;
    private InternalEndpoint? _endpoint;
    private ITimer? _collector;
    private DateTimeOffset _startedAt;

    public GrainRuntime(
        IServiceProvider services,
        IOptions<GrainRuntimeOptions> options,
        IOptions<ReminderOptions> reminderOptions,
        IOptions<GrainClassOptions> grainClasses,
        IOptions<ClusterOptions> clusterOptions,
        IReminderTable reminderTable,
        GrainPlacement placement,
        IEnumerable<IIncomingGrainCallFilter> filters,
        TimeProvider time,
        ILogger<GrainRuntime> logger)
    {
        Services = services;
        Options = options.Value;
        Time = time;
        Logger = logger;
        Filters = [.. filters];
        _clusterOptions = clusterOptions.Value;
        Placement = placement;
        Catalog = new Catalog();
        Tracker = new CallTracker(time, Options.ResponseTimeout);
        Dispatcher = new GrainCallDispatcher(this);
        GrainFactory = new GrainFactory(this);
        var rules = new SerializationRules();
        _registry = new Lazy<GrainTypeRegistry>(() => new GrainTypeRegistry(grainClasses.Value.Classes, this, rules));
        Reminders = new ReminderService(this, reminderTable, reminderOptions.Value, time, logger);
    }

    public IServiceProvider Services { get; }
    public GrainRuntimeOptions Options { get; }
    public TimeProvider Time { get; }
    public ILogger Logger { get; }
    public IIncomingGrainCallFilter[] Filters { get; }
    public Catalog Catalog { get; }
    public CallTracker Tracker { get; }
    public GrainCallDispatcher Dispatcher { get; }
    public IGrainFactory GrainFactory { get; }
    public GrainPlacement Placement { get; }
    public RemoteSiloClient RemoteClient { get; } = new();
    public ReminderService Reminders { get; }
    public GrainTypeRegistry Registry => _registry.Value;

    /// <summary>Cancelled when the silo begins to stop.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Completes once the silo has stopped serving (stopped, killed or disposed); never faults.</summary>
    public Task Stopped => _stopped.Task;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _startedAt = Time.GetUtcNow();
        var registry = Registry;
        if (Placement is ClusterMembership client && _clusterOptions.Role == ClusterRole.Client)
        {
            await client.JoinAsClientAsync(cancellationToken);
            Logger.ClientStarted(registry.Classes.Count());
            return;
        }

        await Reminders.StartAsync(cancellationToken);
        if (Placement is ClusterMembership cluster)
        {
            cluster.PartitionLost += OnPartitionLost;
            cluster.PartitionsAcquired += taken => _ = Reminders.OnPartitionsAcquiredAsync(taken);
            _endpoint = new InternalEndpoint(this);
            var advertised = new Uri(_clusterOptions.AdvertisedAddress);
            if (advertised.Port != 0) await cluster.EnsureAddressFreeAsync($"http://{advertised.Host}:{advertised.Port}", cancellationToken);
            string address;
            try
            {
                address = await _endpoint.StartAsync(_clusterOptions.AdvertisedAddress, cancellationToken);
            }
            catch (IOException e)
            {
                throw new ClusterConfigurationException($"Cluster:AdvertisedAddress {_clusterOptions.AdvertisedAddress} cannot be bound here: {e.Message}");
            }

            await cluster.JoinAsync(address, cancellationToken);
        }

        _collector = Time.CreateTimer(static s => ((GrainRuntime)s!).CollectIdleActivations(), this, Options.CollectionQuantum, Options.CollectionQuantum);
        Logger.RuntimeStarted(registry.Classes.Count());
    }

    /// <summary>Graceful stop: deactivate every activation (writes still allowed), then hand the partitions over.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _collector?.Dispose();
        await Reminders.StopAsync();
        var cluster = Placement as ClusterMembership;
        cluster?.StopServing();
        Catalog.Close();
        await DeactivateAllAsync(new(DeactivationReasonCode.ShuttingDown, "the silo is stopping"), cancellationToken);
        if (cluster is not null) await cluster.LeaveAsync(cancellationToken);
        if (_endpoint is not null) await _endpoint.StopAsync(abrupt: false);
        _stopped.TrySetResult();
        await _stopping.CancelAsync();
    }

    /// <summary>Test hook: the process dies. Nothing is handed over, nothing more is written, calls to it fail.</summary>
    internal async Task KillAsync()
    {
        _collector?.Dispose();
        if (Placement is ClusterMembership cluster) await cluster.KillAsync();
        if (_endpoint is not null) await _endpoint.StopAsync(abrupt: true);
        await Reminders.StopAsync();
        Catalog.Close();
        _stopped.TrySetResult();
        await _stopping.CancelAsync();
    }

    private async Task DeactivateAllAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        var activations = Catalog.Activations.ToList();
        Logger.RuntimeStopping(activations.Count);
        var deactivations = activations.Select(a => a.StartDeactivation(reason)).ToList();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.ShutdownTimeout);
        try
        {
            await Task.WhenAll(deactivations).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Logger.ShutdownTimedOut(deactivations.Count(d => !d.IsCompleted));
        }
    }

    private void OnPartitionLost(int partition)
    {
        Reminders.OnPartitionLost(partition);
        foreach (var activation in Catalog.Activations)
        {
            if (activation.Partition == partition)
            {
                _ = activation.StartDeactivation(new(DeactivationReasonCode.PartitionLost, $"partition {partition} is no longer served here"));
            }
        }
    }

    /// <summary>Deactivates every activation that has been idle for the collection age.</summary>
    public int CollectIdleActivations()
    {
        long now = Time.GetTimestamp();
        int collected = 0;
        foreach (var activation in Catalog.Activations)
        {
            if (activation.IsIdleFor(Options.CollectionAge, now))
            {
                _ = activation.StartDeactivation(new(DeactivationReasonCode.ActivationIdle, $"no call for {Options.CollectionAge}"));
                collected++;
            }
        }

        if (collected > 0) Logger.CollectedIdle(collected);
        return collected;
    }

    public RuntimeStatistics GetStatistics()
    {
        var classes = _registry.IsValueCreated ? Registry.Classes.ToList() : [];
        var byType = classes.ToDictionary(c => c.GrainType, c => c.ActivationCount);
        var methods = classes.SelectMany(c => c.Invokers.Values).Where(i => i.Statistics.Calls > 0).Select(i => i.Statistics.Snapshot()).ToList();
        return new RuntimeStatistics(Time.GetUtcNow(), byType.Values.Sum(), byType, methods, Tracker.InFlight) { StartedAt = _startedAt };
    }

    public void Dispose()
    {
        _stopped.TrySetResult();
        _collector?.Dispose();
        RemoteClient.Dispose();
        _endpoint?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Tracker.Dispose();
        Reminders.Dispose();
        _stopping.Dispose();
    }
}

/// <summary>Takes part in the host's lifecycle: start-up tasks (schema migrations) first, then the runtime.</summary>
internal sealed class GrainRuntimeHost(GrainRuntime runtime, IEnumerable<IRuntimeStartupTask> startupTasks) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var task in startupTasks)
        {
            await task.RunAsync(cancellationToken);
        }

        await runtime.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => runtime.StopAsync(cancellationToken);
}

/// <summary>Work that must finish before grains run (for example schema migrations).</summary>
public interface IRuntimeStartupTask
{
    Task RunAsync(CancellationToken cancellationToken);
}
