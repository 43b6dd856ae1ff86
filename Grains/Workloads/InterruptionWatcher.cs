using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Listens to every provider's interruption notices on this silo and hands each to the workload that owns the
/// instance (found from the instance's <c>arbitrage:workload</c> tag), at once and without waiting for the
/// workload's answer, so one slow move never delays the next notice.
/// </summary>
public sealed partial class InterruptionWatcher(ProviderRegistry providers, IGrainFactory grains, TimeProvider time, ILogger<InterruptionWatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(providers.Enabled.Select(p => WatchAsync(p, stoppingToken)));

    private async Task WatchAsync(ConfiguredProvider provider, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var notice in provider.Adapter.WatchInterruptionsAsync(stoppingToken))
                {
                    _ = DeliverAsync(provider, notice, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWatchFailed(e, provider.Config.Name);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task DeliverAsync(ConfiguredProvider provider, InterruptionNotice notice, CancellationToken cancellationToken)
    {
        try
        {
            var instance = await provider.Adapter.DescribeInstanceAsync(notice.InstanceId, cancellationToken);
            if (instance?.Tags?.GetValueOrDefault(WorkloadGrain.WorkloadTag) is not { } workloadId) return;
            await grains.GetGrain<IWorkloadGrain>(workloadId)
                .OnInterruption(new InstanceInterruption(provider.Config.Name, notice.InstanceId, notice.NoticedAt, notice.TerminationAt, notice.Reason));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDeliveryFailed(e, notice.InstanceId, provider.Config.Name);
        }
    }

    [LoggerMessage(EventId = 6231, Level = LogLevel.Warning, Message = "Watching interruption notices of {Provider} failed; watching again")]
    private partial void LogWatchFailed(Exception exception, string provider);

    [LoggerMessage(EventId = 6232, Level = LogLevel.Warning, Message = "The interruption notice for {InstanceId} on {Provider} could not be delivered")]
    private partial void LogDeliveryFailed(Exception exception, string instanceId, string provider);
}
