using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Once the silo is active, and then every <see cref="WorkloadOptions.ReconcileInterval"/>, lists the instances this
/// silo's clouds run with the cluster's tag and asks the workload named in each tag whether it owns the instance
/// (<see cref="IWorkloadGrain.OwnsInstance"/>). Those it does not own (its workload ended or never recorded the launch,
/// or the workload is unknown) are terminated, and the workload records why (ORPHAN_TERMINATED). Every silo runs one
/// over its own adapters; terminating is idempotent, so silos sharing a cloud account at most repeat each other.
/// </summary>
public sealed partial class OrphanReconciler(
    ProviderRegistry providers, IGrainFactory grains, IOptions<WorkloadOptions> options, IOptions<ClusterOptions> cluster, TimeProvider time, ILogger<OrphanReconciler> logger)
    : PeriodicSiloTask(time)
{
    protected override TimeSpan Interval => options.Value.ReconcileInterval;

    protected override async Task RunPassAsync(CancellationToken stoppingToken)
    {
        foreach (var provider in providers.Enabled)
        {
            try
            {
                await ReconcileAsync(provider, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(e, provider.Config.Name);
            }
        }
    }

    /// <summary>One pass over one provider; returns how many orphans it terminated.</summary>
    public async Task<int> ReconcileAsync(ConfiguredProvider provider, CancellationToken cancellationToken)
    {
        var tagged = await provider.Adapter.ListTaggedInstancesAsync(
            new Dictionary<string, string> { [WorkloadGrain.ClusterTag] = cluster.Value.ServiceId }, cancellationToken);
        int terminated = 0;
        foreach (var instance in tagged)
        {
            string name = provider.Config.Name;
            string? workloadId = instance.Tags?.GetValueOrDefault(WorkloadGrain.WorkloadTag);
            var workload = string.IsNullOrEmpty(workloadId) ? null : grains.GetGrain<IWorkloadGrain>(workloadId);
            if (workload is not null && await workload.OwnsInstance(name, instance.InstanceId, instance.Tags?.GetValueOrDefault(WorkloadGrain.IntentTag))) continue;

            await provider.Adapter.TerminateAsync(instance.InstanceId, cancellationToken);
            terminated++;
            string reason = $"found by the reconciler, launched {instance.LaunchedAt:u}; no workload runs it";
            LogOrphan(instance.InstanceId, name, workloadId);
            if (workload is not null) await workload.RecordOrphanTerminated(name, instance.InstanceId, reason);
        }

        return terminated;
    }

    [LoggerMessage(EventId = 6241, Level = LogLevel.Warning, Message = "Orphan instance {InstanceId} on {Provider} (tagged for workload {WorkloadId}) terminated")]
    private partial void LogOrphan(string instanceId, string provider, string? workloadId);

    [LoggerMessage(EventId = 6242, Level = LogLevel.Warning, Message = "Reconciling the instances of {Provider} failed; the next pass tries again")]
    private partial void LogPassFailed(Exception exception, string provider);
}
