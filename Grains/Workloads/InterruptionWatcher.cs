using System.Threading.Channels;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Listens to every provider's interruption notices on this silo and hands each to the workload that owns the
/// instance (found from the instance's <c>arbitrage:workload</c> tag). Notices wait in a queue per provider of at most
/// <see cref="WorkloadOptions.InterruptionQueue"/>, delivered by <see cref="WorkloadOptions.InterruptionDeliveries"/>
/// concurrent deliveries, so one slow move never delays the next notice. When the workloads cannot keep up and the
/// queue is full, the oldest notice is dropped with a warning: its workload still finds out when its health check sees
/// the instance gone (INSTANCE_LOST), only later.
/// </summary>
public sealed partial class InterruptionWatcher(
    ProviderRegistry providers, IGrainFactory grains, IOptions<WorkloadOptions> options, TimeProvider time, ILogger<InterruptionWatcher> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(providers.Enabled.Select(p => WatchAsync(p, stoppingToken)));

    private async Task WatchAsync(ConfiguredProvider provider, CancellationToken stoppingToken)
    {
        int capacity = options.Value.InterruptionQueue;
        var queue = Channel.CreateBounded<InterruptionNotice>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true },
            dropped => LogNoticeDropped(dropped.InstanceId, provider.Config.Name, capacity));
        var deliveries = Enumerable.Range(0, options.Value.InterruptionDeliveries).Select(_ => DeliverQueuedAsync(provider, queue.Reader, stoppingToken)).ToArray();
        try
        {
            await ReadNoticesAsync(provider, queue.Writer, stoppingToken);
        }
        finally
        {
            queue.Writer.TryComplete();
            await Task.WhenAll(deliveries);
        }
    }

    private async Task ReadNoticesAsync(ConfiguredProvider provider, ChannelWriter<InterruptionNotice> queue, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var notice in provider.Adapter.WatchInterruptionsAsync(stoppingToken))
                {
                    queue.TryWrite(notice); // a full queue drops its oldest notice (logged)
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

    private async Task DeliverQueuedAsync(ConfiguredProvider provider, ChannelReader<InterruptionNotice> queue, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notice in queue.ReadAllAsync(stoppingToken)) await DeliverAsync(provider, notice, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
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

    [LoggerMessage(EventId = 6233, Level = LogLevel.Warning,
        Message = "The interruption notice for {InstanceId} on {Provider} was dropped: {Capacity} notices were waiting (Workloads:InterruptionQueue); its workload learns of it from its health check")]
    private partial void LogNoticeDropped(string instanceId, string provider, int capacity);

    [LoggerMessage(EventId = 6232, Level = LogLevel.Warning, Message = "The interruption notice for {InstanceId} on {Provider} could not be delivered")]
    private partial void LogDeliveryFailed(Exception exception, string instanceId, string provider);
}
