using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class TimerTests : ClusterTest
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    protected override TestClusterBuilder Configure(TestClusterBuilder builder) =>
        builder.ConfigureOptions(o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(2);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        });

    private ITimerGrain Grain(string key) => Cluster.GrainFactory.GetGrain<ITimerGrain>(key);

    // A call to a grain is admitted only after its (non-interleaving) tick has finished and re-armed the timer,
    // so awaiting one makes the next Advance deterministic.
    private Task<int> SettledTicks(string key) => Grain(key).Ticks();

    [Fact]
    public async Task A_timer_ticks_at_its_due_time_and_then_every_period()
    {
        await Grain("t").Start(TimeSpan.FromSeconds(5), Second, interleave: false, keepAlive: false, holdTicks: false);

        Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await SettledTicks("t"));
        Clock.Advance(Second);
        await Probe.WaitForAsync("tick-end:1");
        Assert.Equal(1, await SettledTicks("t"));
        Clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, await SettledTicks("t"));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        await Probe.WaitForAsync("tick-end:2");

        Assert.Equal(2, await SettledTicks("t"));
    }

    [Fact]
    public async Task Ticks_never_overlap_even_when_a_callback_outlasts_the_period()
    {
        await Grain("slow").Start(Second, Second, interleave: false, keepAlive: false, holdTicks: true);
        Clock.Advance(Second);
        await Probe.WaitForAsync("tick-start:1");

        for (int i = 0; i < 5; i++) Clock.Advance(Second);
        Probe.Open("tick:1");
        await Probe.WaitForAsync("tick-end:1");
        Assert.Equal(1, await SettledTicks("slow"));
        Assert.Equal(0, Probe.Count("tick-start:2"));

        Clock.Advance(Second);
        await Probe.WaitForAsync("tick-start:2");
        Probe.Open("tick:2");
        await Probe.WaitForAsync("tick-end:2");
        Assert.Equal(["tick-start:1", "tick-end:1", "ticked:slow", "tick-start:2", "tick-end:2", "ticked:slow"], Probe.Events);
    }

    [Fact]
    public async Task A_tick_waits_for_a_running_call_unless_it_interleaves()
    {
        await Grain("turns").Start(Second, TimeSpan.FromHours(1), interleave: false, keepAlive: false, holdTicks: false);
        var call = Grain("turns").Hold("call");
        await Probe.WaitForAsync("enter:call");
        Clock.Advance(Second);
        await Task.WhenAny(Probe.WaitForAsync("tick-start:1"), Task.Delay(200));
        Assert.Equal(0, Probe.Count("tick-start:1"));

        Probe.Open("call");
        await call;
        await Probe.WaitForAsync("tick-end:1");

        await Grain("interleaved").Start(Second, TimeSpan.FromHours(1), interleave: true, keepAlive: false, holdTicks: false);
        var other = Grain("interleaved").Hold("other");
        await Probe.WaitForAsync("enter:other");
        Clock.Advance(Second);
        await Probe.WaitForAsync("ticked:interleaved");
        Assert.DoesNotContain("exit:other", Probe.Events);
        Probe.Open("other");
        await other;
    }

    [Fact]
    public async Task Change_moves_the_next_tick_and_a_disposed_timer_stops()
    {
        await Grain("change").Start(Second, Second, interleave: false, keepAlive: false, holdTicks: false);
        Clock.Advance(Second);
        await Probe.WaitForAsync("tick-end:1");

        await Grain("change").Change(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, await SettledTicks("change"));
        Clock.Advance(Second);
        await Probe.WaitForAsync("tick-end:2");

        await Grain("change").Stop();
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, await SettledTicks("change"));
    }

    [Fact]
    public async Task Timers_stop_when_the_activation_deactivates_and_only_keep_alive_timers_prevent_collection()
    {
        await Grain("plain").Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), interleave: false, keepAlive: false, holdTicks: false);
        await Grain("alive").Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), interleave: false, keepAlive: true, holdTicks: false);

        await AdvanceUntilAsync(() => Probe.Count("deactivate:ActivationIdle") == 1, "the plain timer's grain was collected");
        int plainTicks = Probe.Count("ticked:plain");
        int aliveTicks = Probe.Count("ticked:alive");

        // Ten more minutes, five times the collection age. A tick re-arms its timer only after it finished, so a
        // step may pass before the re-arm; the next step then fires it, and the grain is never idle for long.
        for (int i = 0; i < 20; i++)
        {
            int before = Probe.Count("ticked:alive");
            Clock.Advance(TimeSpan.FromSeconds(30));
            await Task.WhenAny(Probe.WaitUntilAsync(_ => Probe.Count("ticked:alive") > before, "the keep-alive timer ticked"), Task.Delay(100));
        }

        Assert.True(Probe.Count("ticked:alive") >= aliveTicks + 10, $"the keep-alive timer went on ticking ({Probe.Count("ticked:alive") - aliveTicks} ticks)");
        Assert.Equal(plainTicks, Probe.Count("ticked:plain"));
        Assert.Equal(1, Probe.Count("deactivate:ActivationIdle"));
        Assert.Equal(1, Cluster.Primary.Statistics.TotalActivations);
    }

    private Task AdvanceUntilAsync(Func<bool> condition, string what) => Cluster.AdvanceUntilAsync(Clock, TimeSpan.FromSeconds(30), condition, what);
}
