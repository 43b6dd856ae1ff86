using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Amazon.SQS.Model;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>
/// Interruption notices from the SQS queue EventBridge fills (aws.interruptionQueueUrl), read as Karpenter does: one
/// poller per adapter long-polls ReceiveMessage while anyone watches, hands each notice to every watcher and deletes
/// the message once handed over (a message it cannot read is deleted too: it would only come back). Without a queue
/// no notice comes, and workloads learn of interruptions from their health checks.
/// </summary>
internal sealed partial class AwsCloudAdapter
{
    private const int WatcherBuffer = 1024;

    private readonly Lock _watchGate = new();
    private readonly List<Channel<InterruptionNotice>> _watchers = [];
    private CancellationTokenSource? _polling;

    /// <summary>Whether the provider acts on rebalance recommendations as on interruption warnings (aws.actOnRebalanceRecommendations).</summary>
    private bool ActOnRebalance => _settings.Aws.ActOnRebalanceRecommendations;

    public async IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<InterruptionNotice>(new BoundedChannelOptions(WatcherBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        Join(channel);
        try
        {
            await foreach (var notice in channel.Reader.ReadAllAsync(cancellationToken)) yield return notice;
        }
        finally
        {
            Leave(channel);
        }
    }

    private void Join(Channel<InterruptionNotice> channel)
    {
        lock (_watchGate)
        {
            _watchers.Add(channel);
            if (_sqs is null || _polling is not null) return;
            _polling = new CancellationTokenSource();
            var token = _polling.Token;
            _ = Task.Run(() => PollAsync(token), CancellationToken.None);
        }
    }

    private void Leave(Channel<InterruptionNotice> channel)
    {
        lock (_watchGate)
        {
            _watchers.Remove(channel);
            if (_watchers.Count == 0) StopPolling();
        }
    }

    private void StopPolling()
    {
        lock (_watchGate)
        {
            _polling?.Cancel();
            _polling?.Dispose();
            _polling = null;
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var queue = _settings.Aws.InterruptionQueueUrl!;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                foreach (var region in _settings.Regions) await ZonesAsync(region, cancellationToken); // the events name zones; notices carry zone IDs
                var received = await _sqs!.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = queue,
                    MaxNumberOfMessages = 10,
                    WaitTimeSeconds = (int)_options.QueueWaitTime.TotalSeconds,
                }, cancellationToken);
                foreach (var message in received.Messages ?? [])
                {
                    var notice = AwsInterruptionEvent.Parse(message.Body ?? "", ActOnRebalance, ZoneIdOf, _time.GetUtcNow());
                    if (notice is not null)
                    {
                        LogNotice(Provider, notice.InstanceId, notice.Reason, notice.TerminationAt);
                        Broadcast(notice);
                    }

                    await _sqs.DeleteMessageAsync(new DeleteMessageRequest { QueueUrl = queue, ReceiptHandle = message.ReceiptHandle }, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogPollFailed(e, Provider, queue);
                await Task.Delay(_options.PollRetryDelay, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private void Broadcast(InterruptionNotice notice)
    {
        lock (_watchGate)
        {
            foreach (var watcher in _watchers) watcher.Writer.TryWrite(notice);
        }
    }

    [LoggerMessage(EventId = 7103, Level = LogLevel.Information, Message = "Provider {Provider}: interruption notice for {InstanceId} ({Reason}), reclaimed at {TerminationAt}")]
    private partial void LogNotice(string provider, string instanceId, string reason, DateTimeOffset terminationAt);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Provider {Provider}: reading the interruption queue {Queue} failed; polling again")]
    private partial void LogPollFailed(Exception exception, string provider, string queue);
}
