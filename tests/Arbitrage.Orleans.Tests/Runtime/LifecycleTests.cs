using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class LifecycleTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private readonly ManualTimeProvider _clock = new();
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() =>
        _cluster = await new TestClusterBuilder()
            .UseTimeProvider(_clock)
            .ConfigureOptions(o =>
            {
                o.CollectionAge = TimeSpan.FromMinutes(10);
                o.CollectionQuantum = TimeSpan.FromMinutes(1);
            })
            .ConfigureServices(s => s.AddSingleton(_probe))
            .StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task An_idle_activation_is_collected_after_the_collection_age_and_reactivates_with_its_state()
    {
        var counter = _cluster.GrainFactory.GetGrain<ICounterGrain>("idle");
        await counter.Increment();

        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(0, _probe.CountPrefix("deactivate:"));
        _clock.Advance(TimeSpan.FromMinutes(2));

        await _probe.WaitForAsync("deactivate:idle:ActivationIdle");
        await Eventually.TrueAsync(() => _cluster.Primary.Statistics.TotalActivations == 0, "the activation is gone");
        Assert.Equal(2, await counter.Increment());
        Assert.Equal(2, _probe.Count("activate:idle"));
    }

    [Fact]
    public async Task An_activation_in_use_is_not_collected()
    {
        var busy = _cluster.GrainFactory.GetGrain<ICounterGrain>("busy");
        for (int minute = 0; minute < 30; minute++)
        {
            await busy.Increment();
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(0, _probe.Count("deactivate:busy:ActivationIdle"));
        Assert.Equal(1, _probe.Count("activate:busy"));
    }

    [Fact]
    public async Task DeactivateOnIdle_deactivates_after_the_call_and_the_next_call_gets_a_new_activation()
    {
        var counter = _cluster.GrainFactory.GetGrain<ICounterGrain>("explicit");
        await counter.Increment();

        await counter.Deactivate();
        await _probe.WaitForAsync("deactivate:explicit:ApplicationRequested");

        Assert.Equal(1, await counter.Get());
        Assert.Equal(2, _probe.Count("activate:explicit"));
    }

    [Fact]
    public async Task A_failed_activation_fails_the_call_and_leaves_nothing_behind()
    {
        _probe.Flags["fail-activation"] = true;
        var grain = _cluster.GrainFactory.GetGrain<IFlakyActivationGrain>("flaky");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => grain.Ping());
        Assert.Equal("activation refused by test", error.Message);
        Assert.Equal(0, _cluster.Primary.Statistics.TotalActivations);
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, _probe.Count("flaky-tick"));

        _probe.Flags["fail-activation"] = false;
        Assert.Equal("pong", await grain.Ping());
        Assert.Equal(2, _probe.Count("activate"));
        Assert.Equal(1, _cluster.Primary.Statistics.TotalActivations);
    }

    [Fact]
    public async Task Stopping_the_silo_deactivates_every_activation()
    {
        await _cluster.GrainFactory.GetGrain<ICounterGrain>("s1").Increment();
        await _cluster.GrainFactory.GetGrain<ICounterGrain>("s2").Increment();

        await _cluster.Primary.StopAsync();

        Assert.Equal(1, _probe.Count("deactivate:s1:ShuttingDown"));
        Assert.Equal(1, _probe.Count("deactivate:s2:ShuttingDown"));
    }
}
