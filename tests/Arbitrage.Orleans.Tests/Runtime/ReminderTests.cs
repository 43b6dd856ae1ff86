using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class ReminderTests : ClusterTest
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    protected override TestClusterBuilder Configure(TestClusterBuilder builder) =>
        builder.ConfigureOptions(o => o.CollectionAge = TimeSpan.FromMinutes(3));

    [Fact]
    public async Task A_reminder_fires_at_its_due_time_then_every_period_and_stops_when_unregistered()
    {
        var grain = Cluster.GrainFactory.GetGrain<IReminderGrain>("r");
        await grain.Register("poll", TimeSpan.FromMinutes(2), Minute);
        Assert.Equal(["poll"], await grain.List());

        Clock.Advance(Minute);
        Assert.Equal(0, Probe.CountPrefix("reminder:"));
        Clock.Advance(Minute);
        await Probe.WaitForAsync("reminder:r:poll:00:02:00");
        await AdvanceUntilAsync(() => Probe.Count("reminder:r:poll:00:03:00") == 1, "the second tick");

        await grain.Unregister("poll");
        Assert.Empty(await grain.List());
        for (int i = 0; i < 5; i++) Clock.Advance(Minute);
        Assert.Equal(2, Probe.CountPrefix("reminder:"));
    }

    [Fact]
    public async Task Registering_again_under_the_same_name_updates_the_schedule()
    {
        var grain = Cluster.GrainFactory.GetGrain<IReminderGrain>("moved");
        await grain.Register("sweep", TimeSpan.FromMinutes(2), Minute);

        await grain.Register("sweep", TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        await AdvanceUntilAsync(() => Probe.CountPrefix("reminder:moved") == 1, "the updated reminder fired");

        Assert.Equal(["reminder:moved:sweep:00:05:00"], Probe.Events.Where(e => e.StartsWith("reminder:")));
        Assert.Equal(["sweep"], await grain.List());
    }

    [Fact]
    public async Task A_due_reminder_activates_its_grain()
    {
        var grain = Cluster.GrainFactory.GetGrain<IReminderGrain>("sleeper");
        await grain.Register("wake", TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        await AdvanceUntilAsync(() => Cluster.Primary.Statistics.TotalActivations == 0, "the idle grain was collected");

        await AdvanceUntilAsync(() => Probe.Events.Any(x => x.StartsWith("reminder:sleeper:wake")), "the reminder fired");

        Assert.Equal("reminder:sleeper:wake:00:10:00", Probe.Events.Last());
        Assert.Equal(2, Probe.Count("activate:sleeper"));
    }

    [Fact]
    public async Task A_period_below_the_minimum_is_refused_with_the_setting_named()
    {
        var grain = Cluster.GrainFactory.GetGrain<IReminderGrain>("fast");

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => grain.Register("too-fast", TimeSpan.Zero, TimeSpan.FromSeconds(5)));

        Assert.Contains("Reminders:MinimumPeriod", error.Message);
        Assert.Contains("too-fast", error.Message);
        Assert.Empty(await grain.List());
    }

    [Fact]
    public void A_tick_missed_while_no_silo_ran_the_reminder_is_due_at_once()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var entry = new Arbitrage.Orleans.Runtime.ReminderEntry(new("g", "k"), "r", start, Minute, "1", start);

        var (tick, due) = Arbitrage.Orleans.Runtime.Reminders.ReminderService.NextTick(entry, start.AddSeconds(150));

        Assert.Equal(start.AddMinutes(2), tick);
        Assert.Equal(start.AddSeconds(150), due);
        var (nextTick, nextDue) = Arbitrage.Orleans.Runtime.Reminders.ReminderService.NextTick(entry with { LastFiredAt = tick }, start.AddSeconds(150));
        Assert.Equal(start.AddMinutes(3), nextTick);
        Assert.Equal(nextTick, nextDue);
    }

    private Task AdvanceUntilAsync(Func<bool> condition, string what) => Cluster.AdvanceUntilAsync(Clock, Minute, condition, what);
}
