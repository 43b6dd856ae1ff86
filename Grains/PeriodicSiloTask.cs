using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains;

/// <summary>
/// Work a silo repeats in the background from the Active stage until it stops: a pass every <see cref="Interval"/>
/// (the first at once, or after one interval), then <see cref="OnStoppedAsync"/>. A pass handles its own failures.
/// </summary>
public abstract class PeriodicSiloTask(TimeProvider time) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    protected abstract TimeSpan Interval { get; }

    /// <summary>Whether the first pass runs as the silo becomes active (otherwise after one interval).</summary>
    protected virtual bool PassAtStart => true;

    protected abstract Task RunPassAsync(CancellationToken cancellationToken);

    /// <summary>Runs once the loop has stopped, as the silo stops.</summary>
    protected virtual Task OnStoppedAsync() => Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(GetType().Name, ServiceLifecycleStage.Active, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await OnStoppedAsync();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        if (!PassAtStart) await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunPassAsync(stoppingToken);
            await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
