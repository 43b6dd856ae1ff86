using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Azure.ResourceManager.Compute;
using Azure.ResourceManager.Compute.Models;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// Evictions, seen from outside the VM: while anyone watches, the provider's VMs (tag <c>arbitrage:provider</c>) in the
/// resource group are listed with their instance views every <see cref="AzureAdapterOptions.EvictionPollInterval"/>
/// (one call per round, whichever silo launched them). A VM the adapter did not terminate that is being deleted, is
/// deallocating or stopped, or has disappeared since the last round, has been evicted; each watcher gets one notice.
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
        // The provider's VMs alive at the last round: one that disappears without this adapter terminating it was evicted.
        var alive = new Dictionary<string, Launched>(StringComparer.OrdinalIgnoreCase);
        var noticed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.EvictionPollInterval, _options.TimeProvider, stop);
                var current = await Call("watch evictions", async () =>
                {
                    var found = new Dictionary<string, VirtualMachineData>(StringComparer.OrdinalIgnoreCase);
                    await foreach (var vm in ResourceGroup.GetVirtualMachines().GetAllAsync(expand: GetVirtualMachineExpandType.InstanceView, cancellationToken: stop))
                    {
                        if (vm.Data.Tags.TryGetValue(ProviderTag, out var provider) && provider == _settings.Name) found[vm.Data.Name] = vm.Data;
                    }

                    return found;
                });

                var now = _options.TimeProvider.GetUtcNow();
                var notices = new List<InterruptionNotice>();
                foreach (var (name, vm) in current)
                {
                    if (_terminating.ContainsKey(name) || noticed.Contains(name)) continue;
                    if (StateOf(vm) is (InstanceState.ShuttingDown or InstanceState.Terminated, var why))
                    {
                        var instance = ToInstance(vm, 0);
                        notices.Add(new InterruptionNotice(name, instance.Region, instance.Zone, instance.InstanceType, now, now + EvictionNotice, $"Azure is evicting the Spot VM ({why})"));
                    }
                }

                foreach (var (name, launched) in alive.Concat(_launched))
                {
                    if (current.ContainsKey(name) || _terminating.ContainsKey(name) || noticed.Contains(name) || notices.Any(n => n.InstanceId == name)) continue;
                    notices.Add(new InterruptionNotice(name, launched.Region, launched.Zone, launched.InstanceType, now, now, "Azure evicted the Spot VM (it is deleted)"));
                }

                alive.Clear();
                foreach (var (name, vm) in current)
                {
                    var instance = ToInstance(vm, 0);
                    alive[name] = new Launched(instance.Region, instance.Zone, instance.InstanceType);
                    _launched.TryRemove(name, out _);
                }

                foreach (var notice in notices)
                {
                    LogEvicted(_settings.Name, notice.InstanceId, notice.Reason);
                    noticed.Add(notice.InstanceId);
                    _launched.TryRemove(notice.InstanceId, out _);
                }

                noticed.IntersectWith(current.Keys);
                foreach (var notice in notices) noticed.Add(notice.InstanceId);
                foreach (var name in _terminating.Keys.Where(n => !current.ContainsKey(n)).ToList()) _terminating.TryRemove(name, out _);
                if (notices.Count == 0) continue;
                lock (_watchersGate)
                {
                    foreach (var watcher in _watchers) foreach (var notice in notices) watcher.Writer.TryWrite(notice);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (CloudException e)
            {
                LogWatchFailed(e, _settings.Name); // Azure is unavailable for now; the next round lists the VMs again
            }
        }
    }
}
