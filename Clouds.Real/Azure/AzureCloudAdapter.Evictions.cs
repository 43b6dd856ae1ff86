using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// Evictions, seen from outside the VM: while anyone watches, the instance view of every VM this adapter launched is
/// read every <see cref="AzureAdapterOptions.EvictionPollInterval"/>. A VM the adapter did not terminate that is
/// being deleted, is deallocating or stopped, or is gone, has been evicted; each watcher gets one notice for it.
/// Azure gives at least 30 seconds' notice inside the VM (Scheduled Events, <c>Preempt</c>); from outside the
/// notice comes when the eviction has begun, so TerminationAt is at most 30 seconds after it is seen.
/// </summary>
public sealed partial class AzureCloudAdapter
{
    private static readonly TimeSpan EvictionNotice = TimeSpan.FromSeconds(30);

    private sealed record Launched(string Region, string Zone, string InstanceType);

    private readonly ConcurrentDictionary<string, Launched> _launched = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _terminating = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _watchersGate = new();
    private readonly List<Channel<InterruptionNotice>> _watchers = [];
    private CancellationTokenSource? _polling;

    public async IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var notices = Channel.CreateUnbounded<InterruptionNotice>();
        lock (_watchersGate)
        {
            _watchers.Add(notices);
            if (_polling is null)
            {
                _polling = new CancellationTokenSource();
                _ = PollEvictionsAsync(_polling.Token);
            }
        }

        try
        {
            await foreach (var notice in notices.Reader.ReadAllAsync(cancellationToken)) yield return notice;
        }
        finally
        {
            lock (_watchersGate)
            {
                _watchers.Remove(notices);
                if (_watchers.Count == 0) StopPolling();
            }
        }
    }

    private void StopPolling()
    {
        lock (_watchersGate)
        {
            _polling?.Cancel();
            _polling?.Dispose();
            _polling = null;
        }
    }

    private async Task PollEvictionsAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.EvictionPollInterval, _options.TimeProvider, stop);
                foreach (var (name, launched) in _launched)
                {
                    if (_terminating.ContainsKey(name)) { _launched.TryRemove(name, out _); continue; }
                    var vm = await GetVmAsync(name, stop);
                    var now = _options.TimeProvider.GetUtcNow();
                    string? reason = null;
                    if (vm is null) reason = "Azure evicted the Spot VM (it is deleted)";
                    else if (StateOf(vm) is (InstanceState.ShuttingDown or InstanceState.Terminated, var why) && !_terminating.ContainsKey(name)) reason = $"Azure is evicting the Spot VM ({why})";
                    if (reason is null || _terminating.ContainsKey(name)) continue;

                    _launched.TryRemove(name, out _);
                    var notice = new InterruptionNotice(name, launched.Region, launched.Zone, launched.InstanceType, now, vm is null ? now : now + EvictionNotice, reason);
                    lock (_watchersGate)
                    {
                        foreach (var watcher in _watchers) watcher.Writer.TryWrite(notice);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (CloudException)
            {
                // Azure is unavailable for now; the next round reads the instance views again.
            }
        }
    }
}
