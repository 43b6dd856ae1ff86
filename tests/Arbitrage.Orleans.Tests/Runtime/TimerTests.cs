using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class TimerTests : IAsyncLifetime
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private readonly Probe _probe = new();
    private readonly ManualTimeProvider _clock = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await new TestClusterBuilder()
            .UseTimeProvider(_clock)
            .ConfigureOptions(o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(2);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            })
            .ConfigureServices(s => s.AddSingleton(_probe))
            .StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private ITimerGrain Grain(string key) => _cluster.GrainFactory.GetGrain<ITimerGrain>(key);

    // A call to a grain is admitted only after its (non-interleaving) tick has finished and re-armed the timer,
    // so awaiting one makes the next Advance deterministic.
    private Task<int> SettledTicks(string key) => Grain(key).Ticks();

    [Fact]
    public async Task A_timer_ticks_at_its_due_time_and_then_every_period()
    {
        await Grain("t").Start(TimeSpan.FromSeconds(5), Second, interleave: false, keepAlive: false, holdTicks: false);

        _clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, await SettledTicks("t"));
        _clock.Advance(Second);
        await _probe.WaitForAsync("tick-end:1");
        Assert.Equal(1, await SettledTicks("t"));
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(1, await SettledTicks("t"));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await _probe.WaitForAsync("tick-end:2");

        Assert.Equal(2, await SettledTicks("t"));
    }

    [Fact]
    public async Task Ticks_never_overlap_even_when_a_callback_outlasts_the_period()
    {
        await Grain("slow").Start(Second, Second, interleave: false, keepAlive: false, holdTicks: true);
        _clock.Advance(Second);
        await _probe.WaitForAsync("tick-start:1");

        for (int i = 0; i < 5; i++) _clock.Advance(Second);
        _probe.Open("tick:1");
        await _probe.WaitForAsync("tick-end:1");
        Assert.Equal(1, await SettledTicks("slow"));
        Assert.Equal(0, _probe.Count("tick-start:2"));

        _clock.Advance(Second);
        await _probe.WaitForAsync("tick-start:2");
        _probe.Open("tick:2");
        await _probe.WaitForAsync("tick-end:2");
        Assert.Equal(["tick-start:1", "tick-end:1", "ticked:slow", "tick-start:2", "tick-end:2", "ticked:slow"], _probe.Events);
    }

    [Fact]
    public async Task A_tick_waits_for_a_running_call_unless_it_interleaves()
    {
        await Grain("turns").Start(Second, TimeSpan.FromHours(1), interleave: false, keepAlive: false, holdTicks: false);
        var call = Grain("turns").Hold("call");
        await _probe.WaitForAsync("enter:call");
        _clock.Advance(Second);
        await Task.WhenAny(_probe.WaitForAsync("tick-start:1"), Task.Delay(200));
        Assert.Equal(0, _probe.Count("tick-start:1"));

        _probe.Open("call");
        await call;
        await _probe.WaitForAsync("tick-end:1");

        await Grain("interleaved").Start(Second, TimeSpan.FromHours(1), interleave: true, keepAlive: false, holdTicks: false);
        var other = Grain("interleaved").Hold("other");
        await _probe.WaitForAsync("enter:other");
        _clock.Advance(Second);
        await _probe.WaitForAsync("ticked:interleaved");
        Assert.DoesNotContain("exit:other", _probe.Events);
        _probe.Open("other");
        await other;
    }

    [Fact]
    public async Task Change_moves_the_next_tick_and_a_disposed_timer_stops()
    {
        await Grain("change").Start(Second, Second, interleave: false, keepAlive: false, holdTicks: false);
        _clock.Advance(Second);
        await _probe.WaitForAsync("tick-end:1");

        await Grain("change").Change(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(1, await SettledTicks("change"));
        _clock.Advance(Second);
        await _probe.WaitForAsync("tick-end:2");

        await Grain("change").Stop();
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, await SettledTicks("change"));
    }

    [Fact]
    public async Task Timers_stop_when_the_activation_deactivates_and_only_keep_alive_timers_prevent_collection()
    {
        await Grain("plain").Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), interleave: false, keepAlive: false, holdTicks: false);
        await Grain("alive").Start(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), interleave: false, keepAlive: true, holdTicks: false);

        await AdvanceUntilAsync(() => _probe.Count("deactivate:ActivationIdle") == 1, "the plain timer's grain was collected");
        int plainTicks = _probe.Count("ticked:plain");
        int aliveTicks = _probe.Count("ticked:alive");

        // Ten more minutes, five times the collection age. A tick re-arms its timer only after it finished, so a
        // step may pass before the re-arm; the next step then fires it, and the grain is never idle for long.
        for (int i = 0; i < 20; i++)
        {
            int before = _probe.Count("ticked:alive");
            _clock.Advance(TimeSpan.FromSeconds(30));
            await Task.WhenAny(_probe.WaitUntilAsync(_ => _probe.Count("ticked:alive") > before, "the keep-alive timer ticked"), Task.Delay(100));
        }

        Assert.True(_probe.Count("ticked:alive") >= aliveTicks + 10, $"the keep-alive timer went on ticking ({_probe.Count("ticked:alive") - aliveTicks} ticks)");
        Assert.Equal(plainTicks, _probe.Count("ticked:plain"));
        Assert.Equal(1, _probe.Count("deactivate:ActivationIdle"));
        Assert.Equal(1, _cluster.Primary.Statistics.TotalActivations);
    }

    private async Task AdvanceUntilAsync(Func<bool> condition, string what)
    {
        for (int step = 0; step < 100 && !condition(); step++)
        {
            _clock.Advance(TimeSpan.FromSeconds(30));
            await Task.Delay(10);
        }

        Assert.True(condition(), what);
    }
}
