using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Orleans;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// A simulated provider as the whole cluster sees it. Prices, catalog and launch checks come from this silo's
/// <see cref="SimulatedCloud"/> (deterministic from the seed, the same on every silo); each instance it launches is
/// registered in its own <see cref="ISimulatedInstanceGrain"/>, so an instance launched through one silo is described,
/// health-checked, listed, terminated and interrupted from any silo, and its ID is unique in the cluster. Interruption
/// notices (this silo's natural interruptions, and the test hooks') go through the instance's grain and the provider's
/// <see cref="ISimulatedCloudGrain"/> to every silo's watchers.
/// </summary>
public sealed partial class SharedSimulatedCloud(
    string provider, SimulatedCloud market, IGrainFactory grains, IGrainStateQuery states, TimeProvider time, ILogger logger) : ICloudAdapter, ICloudAdapterDecorator
{
    /// <summary>How often a watcher renews its subscription to the provider's notices (it lasts <see cref="SimulatedCloudGrain.SubscriptionLifetime"/>).</summary>
    public static readonly TimeSpan ResubscribeInterval = TimeSpan.FromSeconds(5);

    private const int MaxIdAttempts = 5;

    private const int ListPageSize = 1000;

    private int _subscribedWatchers;

    public ICloudAdapter Inner => market;

    public CloudKind Cloud => market.Cloud;

    public IReadOnlyList<LaunchApi> LaunchApis => market.LaunchApis;

    /// <summary>How many of this silo's watchers receive the provider's notices (subscribed once at least).</summary>
    public int SubscribedWatchers => Volatile.Read(ref _subscribedWatchers);

    private ISimulatedCloudGrain Notices => grains.GetGrain<ISimulatedCloudGrain>(provider);

    private ISimulatedInstanceGrain InstanceGrain(string instanceId) => grains.GetGrain<ISimulatedInstanceGrain>(SimulatedInstanceKeys.Of(provider, instanceId));

    private DateTimeOffset Now => market.TimeProvider.GetUtcNow();

    public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) => market.ListRegionsAsync(cancellationToken);

    public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) =>
        market.DescribeInstanceTypesAsync(region, cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) => market.GetSpotPricesAsync(region, cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) =>
        market.GetSpotPriceHistoryAsync(query, cancellationToken);

    /// <summary>
    /// Launches through this silo's market and records the instance in its grain. A launch with a ClientToken gets the
    /// ID computed from the token (<see cref="SimulatedCloud.InstanceIdFor"/>), so a repeat through any silo finds the
    /// first launch in that ID's grain; without one the market draws an ID, drawn again if another silo has it.
    /// </summary>
    public async Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = string.IsNullOrEmpty(request.ClientToken) ? null : request.ClientToken;
        for (var attempt = 1; ; attempt++)
        {
            var id = token is null ? null : market.InstanceIdFor(token, attempt);
            if (id is not null && await InstanceGrain(id).Describe() is { } known)
            {
                if (known.ClientToken == token) return Repeat(known, request);
                if (attempt == MaxIdAttempts) throw new CloudException(CloudErrorCode.InsufficientCapacity, $"No free instance ID in {provider} after {attempt} attempts.");
                continue; // the token's ID belongs to another launch (a hash collision): the token's next ID
            }

            // The market keeps its own idempotency by ClientToken: a retry after an ID collision must launch anew.
            var launched = await market.LaunchAsync(attempt == 1 || token is null ? request : request with { ClientToken = $"{token}#{attempt}" }, id, cancellationToken);
            var record = new SimulatedInstanceRecord(
                launched.InstanceId, launched.Region, launched.Zone, launched.InstanceType, launched.Market == Clouds.Market.Spot, launched.PricePerHour, launched.Address,
                launched.LaunchedAt, launched.LaunchedAt + (launched.State == InstanceState.Pending ? market.BootDelay : TimeSpan.Zero),
                token, request.Tags?.ToDictionary());
            if (await InstanceGrain(launched.InstanceId).Register(record) is not { } first) return Snapshot(record, Now);
            await market.TerminateAsync(launched.InstanceId, CancellationToken.None);
            if (token is not null && first.ClientToken == token) return Repeat(first, request); // another silo launched this ClientToken first
            if (attempt == MaxIdAttempts) throw new CloudException(CloudErrorCode.InsufficientCapacity, $"No free instance ID in {provider} after {attempt} launches.");
        }
    }

    public async Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await InstanceGrain(instanceId).Describe() is { } record ? Snapshot(record, Now) : null;
    }

    public async Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        cancellationToken.ThrowIfCancellationRequested();
        var now = Now;
        var found = new List<CloudInstance>();
        var live = new Dictionary<string, string> { ["phase"] = SimulatedInstanceState.Live };
        GrainStateCursor? after = null;
        do
        {
            var page = await states.QueryAsync<SimulatedInstanceState>(
                new GrainStateQuery(SimulatedInstanceKeys.GrainType, SimulatedInstanceKeys.GrainType, provider, live, after, ListPageSize), cancellationToken);
            foreach (var row in page.Rows)
            {
                if (row.State.Instance is { } record && !(record.TerminationAt <= now) && tags.All(t => record.Tags?.GetValueOrDefault(t.Key) == t.Value))
                {
                    found.Add(Snapshot(record, now));
                }
            }

            after = page.Next;
        }
        while (after is not null);

        return found;
    }

    public async Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await InstanceGrain(instanceId).Terminate(Now);
        await market.TerminateAsync(instanceId, cancellationToken); // stops its natural interruption when this silo launched it
    }

    /// <summary>Unknown while Pending, Healthy when Running (or as set by <see cref="SetHealthAsync"/>), Unhealthy once Terminated.</summary>
    public async Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var record = await InstanceGrain(instanceId).Describe() ?? throw new CloudException(CloudErrorCode.NotFound, $"Instance '{instanceId}' is not known to {provider}.");
        return StateOf(record, Now) switch
        {
            InstanceState.Pending => InstanceHealth.Unknown,
            InstanceState.Running => record.Healthy is { } healthy ? healthy ? InstanceHealth.Healthy : InstanceHealth.Unhealthy : InstanceHealth.Healthy,
            _ => InstanceHealth.Unhealthy,
        };
    }

    /// <summary>
    /// The notices of this provider from every silo, from this call on: the watcher subscribes to the provider's grain
    /// (renewed every <see cref="ResubscribeInterval"/>) and passes this silo's own natural interruptions to the grain.
    /// </summary>
    public async IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<InterruptionNotice>(new UnboundedChannelOptions { SingleReader = true });
        var observer = new NoticeObserver(this, channel.Writer);
        var reference = grains.CreateObjectReference<ISimulatedCloudObserver>(observer);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var subscription = KeepSubscribedAsync(reference, stop.Token);
        var forwarding = ForwardLocalInterruptionsAsync(stop.Token);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var notice)) yield return notice;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(subscription, forwarding).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            try
            {
                await Notices.Unsubscribe(reference);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // the subscription expires on its own
            }

            grains.DeleteObjectReference<ISimulatedCloudObserver>(reference);
            // Orleans holds an observer weakly: this keeps it alive (and receiving) for as long as the watch lasts.
            GC.KeepAlive(observer);
        }
    }

    /// <summary>Interrupts an instance now, from any silo: false when it is unknown, terminated or already noticed.</summary>
    public async Task<bool> InterruptAsync(string instanceId, string reason)
    {
        var instance = InstanceGrain(instanceId);
        if (await instance.Describe() is not { } record) return false;
        var now = Now;
        return await instance.Interrupt(new SimulatedNotice(instanceId, record.Region, record.Zone, record.InstanceType, now, now + market.NoticeLead, reason));
    }

    /// <summary>Sets what the instance's health check reports while it runs: false when it is unknown.</summary>
    public Task<bool> SetHealthAsync(string instanceId, bool healthy) => InstanceGrain(instanceId).SetHealth(healthy);

    private async Task KeepSubscribedAsync(ISimulatedCloudObserver reference, CancellationToken cancellationToken)
    {
        var counted = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Notices.Subscribe(reference);
                    if (!counted) Interlocked.Increment(ref _subscribedWatchers);
                    counted = true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogSubscribeFailed(e, provider);
                }

                await Task.Delay(ResubscribeInterval, time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            if (counted) Interlocked.Decrement(ref _subscribedWatchers);
        }
    }

    private async Task ForwardLocalInterruptionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var notice in market.WatchInterruptionsAsync(cancellationToken))
            {
                try
                {
                    await InstanceGrain(notice.InstanceId).Interrupt(new SimulatedNotice(notice.InstanceId, notice.Region, notice.Zone, notice.InstanceType, notice.NoticedAt, notice.TerminationAt, notice.Reason));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogForwardFailed(e, notice.InstanceId, provider);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private CloudInstance Repeat(SimulatedInstanceRecord known, LaunchRequest request)
    {
        if (known.Region != request.Region || known.Zone != request.Zone || known.InstanceType != request.InstanceType || known.Spot != (request.Market == Clouds.Market.Spot))
        {
            throw new CloudException(CloudErrorCode.InvalidRequest,
                $"ClientToken '{request.ClientToken}' was already used for a different launch ({known.InstanceType} {(known.Spot ? Clouds.Market.Spot : Clouds.Market.OnDemand)} in {known.Zone}).");
        }

        return Snapshot(known, Now);
    }

    private static InstanceState StateOf(SimulatedInstanceRecord record, DateTimeOffset now) => SimulatedCloud.StateAt(record.RunningAt, record.TerminationAt, now);

    private static CloudInstance Snapshot(SimulatedInstanceRecord record, DateTimeOffset now)
    {
        var state = StateOf(record, now);
        var terminated = state == InstanceState.Terminated;
        return new CloudInstance(
            record.InstanceId, record.Region, record.Zone, record.InstanceType, record.Spot ? Clouds.Market.Spot : Clouds.Market.OnDemand, state, record.PricePerHour, record.Address,
            record.LaunchedAt, terminated ? record.TerminationAt : null,
            terminated ? record.TerminationReason : state == InstanceState.Pending ? "booting" : null,
            record.Tags);
    }

    /// <summary>This silo's end of the provider's notices: stops the instance's local interruption timer and hands the notice to the watcher.</summary>
    private sealed class NoticeObserver(SharedSimulatedCloud cloud, ChannelWriter<InterruptionNotice> writer) : ISimulatedCloudObserver
    {
        public void OnNotice(SimulatedNotice notice)
        {
            _ = cloud.Inner.TerminateAsync(notice.InstanceId, CancellationToken.None);
            writer.TryWrite(new InterruptionNotice(notice.InstanceId, notice.Region, notice.Zone, notice.InstanceType, notice.NoticedAt, notice.TerminationAt, notice.Reason));
        }
    }

    [LoggerMessage(EventId = 6252, Level = LogLevel.Warning, Message = "Subscribing to the interruption notices of simulated provider {Provider} failed; trying again")]
    private partial void LogSubscribeFailed(Exception exception, string provider);

    [LoggerMessage(EventId = 6253, Level = LogLevel.Warning, Message = "The natural interruption of {InstanceId} on simulated provider {Provider} could not be passed to the cluster")]
    private partial void LogForwardFailed(Exception exception, string instanceId, string provider);
}
