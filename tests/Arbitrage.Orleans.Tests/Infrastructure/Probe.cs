using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// What test grains report to the test: an ordered log of events, and gates a grain waits on until the test opens
/// them. Registered as a singleton shared by every silo of a test cluster.
/// </summary>
public sealed class Probe
{
    private readonly object _gate = new();
    private readonly List<string> _events = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static TimeSpan DefaultWait { get; } = TimeSpan.FromSeconds(20);

    /// <summary>A switch tests flip to make a grain misbehave (for example fail its activation).</summary>
    public ConcurrentDictionary<string, bool> Flags { get; } = new();

    public IReadOnlyList<string> Events
    {
        get { lock (_gate) return [.. _events]; }
    }

    public void Record(string e)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(e);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public int Count(string e)
    {
        lock (_gate) return _events.Count(x => x == e);
    }

    public int CountPrefix(string prefix)
    {
        lock (_gate) return _events.Count(x => x.StartsWith(prefix, StringComparison.Ordinal));
    }

    /// <summary>Waits (in real time, bounded) until the condition on the events holds.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultWait);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (condition(_events)) return;
                changed = _changed.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"Timed out waiting until {what}. Events: {string.Join(", ", Events)}");
            await Task.WhenAny(changed, Task.Delay(left));
        }
    }

    public Task WaitForAsync(string e, int count = 1) => WaitUntilAsync(events => events.Count(x => x == e) >= count, $"'{e}' x{count}");

    public Task Gate(string name) => _gates.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

public static class Eventually
{
    /// <summary>Polls a condition on state the test cannot subscribe to (bounded, in real time).</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Probe.DefaultWait);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(5);
        }
    }
}
