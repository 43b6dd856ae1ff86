using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Utilities;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// The interruption notices of one simulated provider (see <see cref="ISimulatedCloudGrain"/>): every silo's
/// <see cref="SharedSimulatedCloud"/> watcher subscribes here (renewing within <see cref="SubscriptionLifetime"/>), and
/// each <see cref="SimulatedInstanceGrain"/> publishes its instance's notice here. It holds no state worth keeping:
/// after a restart the watchers subscribe again.
/// </summary>
public sealed class SimulatedCloudGrain(ILogger<SimulatedCloudGrain> logger) : Grain, ISimulatedCloudGrain
{
    /// <summary>How long a subscription lasts without being renewed.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(1);

    private readonly ObserverManager<ISimulatedCloudObserver> _observers = new(SubscriptionLifetime, logger);

    public Task Publish(SimulatedNotice notice)
    {
        _observers.Notify(o => o.OnNotice(notice));
        return Task.CompletedTask;
    }

    public Task Subscribe(ISimulatedCloudObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ISimulatedCloudObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }
}
