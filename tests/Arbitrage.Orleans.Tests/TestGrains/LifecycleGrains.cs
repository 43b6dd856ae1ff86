using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.TestGrains;

public interface IFlakyActivationGrain : IGrainWithStringKey
{
    Task<string> Ping();
}

/// <summary>Fails its activation while the probe flag "fail-activation" is set; registers a timer first.</summary>
public sealed class FlakyActivationGrain(Probe probe) : Grain, IFlakyActivationGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record("activate");
        RegisterGrainTimer(_ => { probe.Record("flaky-tick"); return Task.CompletedTask; }, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        if (probe.Flags.GetValueOrDefault("fail-activation"))
        {
            throw new InvalidOperationException("activation refused by test");
        }

        return Task.CompletedTask;
    }

    public Task<string> Ping() => Task.FromResult("pong");
}

public interface ITimerGrain : IGrainWithStringKey
{
    Task Start(TimeSpan dueTime, TimeSpan period, bool interleave, bool keepAlive, bool holdTicks);
    Task Change(TimeSpan dueTime, TimeSpan period);
    Task Stop();
    Task Hold(string id);
    Task<int> Ticks();
}

/// <summary>Logs tick-start:n / tick-end:n; with holdTicks each tick waits for gate tick:n.</summary>
public sealed class TimerGrain(Probe probe) : Grain, ITimerGrain
{
    private IGrainTimer? _timer;
    private int _ticks;
    private bool _hold;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Record($"deactivate:{reason.Code}");
        return Task.CompletedTask;
    }

    public Task Start(TimeSpan dueTime, TimeSpan period, bool interleave, bool keepAlive, bool holdTicks)
    {
        _hold = holdTicks;
        _timer = RegisterGrainTimer(Tick, new GrainTimerCreationOptions(dueTime, period) { Interleave = interleave, KeepAlive = keepAlive });
        return Task.CompletedTask;
    }

    public Task Change(TimeSpan dueTime, TimeSpan period)
    {
        _timer!.Change(dueTime, period);
        return Task.CompletedTask;
    }

    public Task Stop()
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public Task Hold(string id) => Holding.Hold(probe, id);

    public Task<int> Ticks() => Task.FromResult(_ticks);

    private async Task Tick(CancellationToken cancellationToken)
    {
        int n = ++_ticks;
        probe.Record($"tick-start:{n}");
        if (_hold) await probe.Gate($"tick:{n}");
        await Task.Yield();
        probe.Record($"tick-end:{n}");
        probe.Record($"ticked:{this.GetPrimaryKeyString()}");
    }
}

public interface IReminderGrain : IGrainWithStringKey
{
    Task Register(string name, TimeSpan dueTime, TimeSpan period);
    Task Unregister(string name);
    Task<string[]> List();
}

public sealed class ReminderGrain(Probe probe) : Grain, IReminderGrain, IRemindable
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Record($"activate:{this.GetPrimaryKeyString()}");
        return Task.CompletedTask;
    }

    public Task Register(string name, TimeSpan dueTime, TimeSpan period) => RegisterOrUpdateReminder(name, dueTime, period);

    public async Task Unregister(string name)
    {
        var reminder = await GetReminder(name) ?? throw new InvalidOperationException($"no reminder {name}");
        await UnregisterReminder(reminder);
    }

    public async Task<string[]> List() => [.. (await GetReminders()).Select(r => r.ReminderName)];

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        probe.Record($"reminder:{this.GetPrimaryKeyString()}:{reminderName}:{status.CurrentTickTime:HH:mm:ss}");
        return Task.CompletedTask;
    }
}

public interface ISerializationGrain : IGrainWithStringKey
{
    Task<string> Take(object value);
}

public sealed class SerializationGrain : Grain, ISerializationGrain
{
    public Task<string> Take(object value) => Task.FromResult(value.GetType().Name);
}
