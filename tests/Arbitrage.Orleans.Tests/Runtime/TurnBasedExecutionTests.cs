using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class TurnBasedExecutionTests : ClusterTest
{
    protected override TestClusterBuilder Configure(TestClusterBuilder builder) =>
        builder.ConfigureOptions(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));

    [Fact]
    public async Task A_non_reentrant_grain_runs_one_call_at_a_time_across_awaits()
    {
        var grain = Cluster.GrainFactory.GetGrain<ITurnGrain>("exclusive");
        var first = grain.Hold("a");
        await Probe.WaitForAsync("enter:a");
        var second = grain.Hold("b");
        // b is queued behind a; give it every chance to start wrongly before a is released.
        await Task.WhenAny(Probe.WaitForAsync("enter:b"), Task.Delay(200));

        Probe.Open("a");
        Probe.Open("b");
        await Task.WhenAll(first, second);

        Assert.Equal(["enter:a", "exit:a", "enter:b", "exit:b"], Probe.Events);
    }

    [Fact]
    public async Task A_reentrant_grain_interleaves_calls()
    {
        var grain = Cluster.GrainFactory.GetGrain<IReentrantTurnGrain>("reentrant");
        var first = grain.Hold("a");
        await Probe.WaitForAsync("enter:a");
        var second = grain.Hold("b");

        await Probe.WaitForAsync("enter:b");
        Assert.DoesNotContain("exit:a", Probe.Events);

        Probe.Open("b");
        await second;
        Probe.Open("a");
        await first;
        Assert.Equal(["enter:a", "enter:b", "exit:b", "exit:a"], Probe.Events);
    }

    [Fact]
    public async Task Interleaved_calls_still_run_their_turns_one_at_a_time()
    {
        var grain = Cluster.GrainFactory.GetGrain<IExclusionGrain>("exclusion");

        var overlaps = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.Work(200)));

        Assert.All(overlaps, o => Assert.Equal(0, o));
    }

    [Fact]
    public async Task An_always_interleave_method_runs_while_a_call_holds_a_non_reentrant_grain()
    {
        var grain = Cluster.GrainFactory.GetGrain<ITurnGrain>("interleave");
        var held = grain.Hold("a");
        await Probe.WaitForAsync("enter:a");

        Assert.Equal("peeked", await grain.Peek());
        Assert.DoesNotContain("exit:a", Probe.Events);

        Probe.Open("a");
        await held;
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other_but_not_with_other_calls()
    {
        var grain = Cluster.GrainFactory.GetGrain<ITurnGrain>("readonly");
        var r1 = grain.HoldReadOnly("r1");
        var r2 = grain.HoldReadOnly("r2");
        await Probe.WaitForAsync("enter:r1");
        await Probe.WaitForAsync("enter:r2");
        var writer = grain.Hold("w");
        await Task.WhenAny(Probe.WaitForAsync("enter:w"), Task.Delay(200));
        Assert.DoesNotContain("enter:w", Probe.Events);

        Probe.Open("r1");
        Probe.Open("r2");
        Probe.Open("w");
        await Task.WhenAll(r1, r2, writer);

        var events = Probe.Events.ToList();
        Assert.True(events.IndexOf("enter:w") > events.IndexOf("exit:r1") && events.IndexOf("enter:w") > events.IndexOf("exit:r2"), string.Join(",", events));
    }

    [Fact]
    public async Task A_call_cycle_between_non_reentrant_grains_ends_in_a_timeout_at_the_caller_not_a_hang()
    {
        var a = Cluster.GrainFactory.GetGrain<ICycleGrain>("a");

        var cycle = a.CallPeer("b", hops: 2); // a -> b -> a: a is busy waiting for b
        await Eventually.TrueAsync(() => Cluster.Primary.Statistics.CallsInFlight == 3, "the cycle a -> b -> a is in flight");
        Clock.Advance(TimeSpan.FromSeconds(6));

        var error = await Assert.ThrowsAsync<TimeoutException>(() => cycle);
        Assert.Contains("ICycleGrain.CallPeer", error.Message);
        Assert.Equal("pong from a", await a.Ping());
    }

    [Fact]
    public async Task A_grain_exception_reaches_the_caller_with_its_type_and_message_and_the_activation_keeps_serving()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("faulty");
        await counter.Increment();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => counter.Fail("card declined 42"));

        Assert.Equal("card declined 42", error.Message);
        Assert.Equal(2, await counter.Increment());
        Assert.Equal(1, Probe.Count("activate:faulty"));
    }
}
