using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class LifecycleTests : ClusterTest
{
    protected override TestClusterBuilder Configure(TestClusterBuilder builder) =>
        builder.ConfigureOptions(o =>
        {
            o.CollectionAge = TimeSpan.FromMinutes(10);
            o.CollectionQuantum = TimeSpan.FromMinutes(1);
        });

    [Fact]
    public async Task An_idle_activation_is_collected_after_the_collection_age_and_reactivates_with_its_state()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("idle");
        await counter.Increment();

        Clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, Probe.CountPrefix("deactivate:"));
        Clock.Advance(TimeSpan.FromMinutes(2));

        await Probe.WaitForAsync("deactivate:idle:ActivationIdle");
        await Eventually.TrueAsync(() => Cluster.Primary.Statistics.TotalActivations == 0, "the activation is gone");
        Assert.Equal(2, await counter.Increment());
        Assert.Equal(2, Probe.Count("activate:idle"));
    }

    [Fact]
    public async Task An_activation_in_use_is_not_collected()
    {
        var busy = Cluster.GrainFactory.GetGrain<ICounterGrain>("busy");
        for (int minute = 0; minute < 30; minute++)
        {
            await busy.Increment();
            Clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, Probe.Count("deactivate:busy:ActivationIdle"));
        Assert.Equal(1, Probe.Count("activate:busy"));
    }

    [Fact]
    public async Task DeactivateOnIdle_deactivates_after_the_call_and_the_next_call_gets_a_new_activation()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("explicit");
        await counter.Increment();

        await counter.Deactivate();
        await Probe.WaitForAsync("deactivate:explicit:ApplicationRequested");

        Assert.Equal(1, await counter.Get());
        Assert.Equal(2, Probe.Count("activate:explicit"));
    }

    [Fact]
    public async Task A_failed_activation_fails_the_call_and_leaves_nothing_behind()
    {
        Probe.Flags["fail-activation"] = true;
        var grain = Cluster.GrainFactory.GetGrain<IFlakyActivationGrain>("flaky");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Ping());
        Assert.Equal("activation refused by test", error.Message);
        Assert.Equal(0, Cluster.Primary.Statistics.TotalActivations);
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, Probe.Count("flaky-tick"));

        Probe.Flags["fail-activation"] = false;
        Assert.Equal("pong", await grain.Ping());
        Assert.Equal(2, Probe.Count("activate"));
        Assert.Equal(1, Cluster.Primary.Statistics.TotalActivations);
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_every_activation()
    {
        await Cluster.GrainFactory.GetGrain<ICounterGrain>("s1").Increment();
        await Cluster.GrainFactory.GetGrain<ICounterGrain>("s2").Increment();

        await Cluster.Primary.StopAsync();

        Assert.Equal(1, Probe.Count("deactivate:s1:ShuttingDown"));
        Assert.Equal(1, Probe.Count("deactivate:s2:ShuttingDown"));
    }
}
