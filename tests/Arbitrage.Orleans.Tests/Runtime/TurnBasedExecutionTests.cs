using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class TurnBasedExecutionTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private readonly ManualTimeProvider _clock = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await new TestClusterBuilder()
            .UseTimeProvider(_clock)
            .ConfigureOptions(o => o.ResponseTimeout = TimeSpan.FromSeconds(5))
            .ConfigureServices(s => s.AddSingleton(_probe))
            .StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_non_reentrant_grain_runs_one_call_at_a_time_across_awaits()
    {
        var grain = _cluster.GrainFactory.GetGrain<ITurnGrain>("exclusive");
        var first = grain.Hold("a");
        await _probe.WaitForAsync("enter:a");
        var second = grain.Hold("b");
        // b is queued behind a; give it every chance to start wrongly before a is released.
        await Task.WhenAny(_probe.WaitForAsync("enter:b"), Task.Delay(200));

        _probe.Open("a");
        _probe.Open("b");
        await Task.WhenAll(first, second);

        Assert.Equal(["enter:a", "exit:a", "enter:b", "exit:b"], _probe.Events);
    }

    [Fact]
    public async Task A_reentrant_grain_interleaves_calls()
    {
        var grain = _cluster.GrainFactory.GetGrain<IReentrantTurnGrain>("reentrant");
        var first = grain.Hold("a");
        await _probe.WaitForAsync("enter:a");
        var second = grain.Hold("b");

        await _probe.WaitForAsync("enter:b");
        Assert.DoesNotContain("exit:a", _probe.Events);

        _probe.Open("b");
        await second;
        _probe.Open("a");
        await first;
        Assert.Equal(["enter:a", "enter:b", "exit:b", "exit:a"], _probe.Events);
    }

    [Fact]
    public async Task Interleaved_calls_still_run_their_turns_one_at_a_time()
    {
        var grain = _cluster.GrainFactory.GetGrain<IExclusionGrain>("exclusion");

        var overlaps = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Work(200)));

        Assert.All(overlaps, o => Assert.Equal(0, o));
    }

    [Fact]
    public async Task An_always_interleave_method_runs_while_a_call_holds_a_non_reentrant_grain()
    {
        var grain = _cluster.GrainFactory.GetGrain<ITurnGrain>("interleave");
        var held = grain.Hold("a");
        await _probe.WaitForAsync("enter:a");

        Assert.Equal("peeked", await grain.Peek());
        Assert.DoesNotContain("exit:a", _probe.Events);

        _probe.Open("a");
        await held;
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other_but_not_with_other_calls()
    {
        var grain = _cluster.GrainFactory.GetGrain<ITurnGrain>("readonly");
        var r1 = grain.HoldReadOnly("r1");
        var r2 = grain.HoldReadOnly("r2");
        await _probe.WaitForAsync("enter:r1");
        await _probe.WaitForAsync("enter:r2");
        var writer = grain.Hold("w");
        await Task.WhenAny(_probe.WaitForAsync("enter:w"), Task.Delay(200));
        Assert.DoesNotContain("enter:w", _probe.Events);

        _probe.Open("r1");
        _probe.Open("r2");
        _probe.Open("w");
        await Task.WhenAll(r1, r2, writer);

        var events = _probe.Events.ToList();
        Assert.True(events.IndexOf("enter:w") > events.IndexOf("exit:r1") && events.IndexOf("enter:w") > events.IndexOf("exit:r2"), string.Join(",", events));
    }

    [Fact]
    public async Task A_call_cycle_between_non_reentrant_grains_ends_in_a_timeout_at_the_caller_not_a_hang()
    {
        var a = _cluster.GrainFactory.GetGrain<ICycleGrain>("a");

        var cycle = a.CallPeer("b", hops: 2); // a -> b -> a: a is busy waiting for b
        await Eventually.TrueAsync(() => _cluster.Primary.Statistics.CallsInFlight == 3, "the cycle a -> b -> a is in flight");
        _clock.Advance(TimeSpan.FromSeconds(6));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => cycle);
        Assert.Contains("ICycleGrain.CallPeer", error.Message);
        Assert.Equal("pong from a", await a.Ping());
    }

    [Fact]
    public async Task A_grain_exception_reaches_the_caller_with_its_type_and_message_and_the_activation_keeps_serving()
    {
        var counter = _cluster.GrainFactory.GetGrain<ICounterGrain>("faulty");
        await counter.Increment();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.Fail("card declined 42"));

        Assert.Equal("card declined 42", error.Message);
        Assert.Equal(2, await counter.Increment());
        Assert.Equal(1, _probe.Count("activate:faulty"));
    }
}
