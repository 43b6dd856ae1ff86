using System.Collections.Concurrent;
using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class FilterAndStatisticsTests : ClusterTest
{
    private readonly CallLog _log = new();

    protected override TestClusterBuilder Configure(TestClusterBuilder builder) =>
        builder.ConfigureServices(s => s.AddSingleton(_log))
            .ConfigureRuntime(r => r.AddIncomingGrainCallFilter<RecordingFilter>().AddIncomingGrainCallFilter<DoublingFilter>());

    [Fact]
    public async Task Incoming_filters_see_every_call_in_order_with_its_grain_method_arguments_and_outcome()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("filtered");
        await counter.Increment();
        await Assert.ThrowsAsync<InvalidOperationException>(() => counter.Fail("nope"));

        Assert.Equal(
            ["CounterGrain/filtered ICounterGrain.Increment() ok", "CounterGrain/filtered ICounterGrain.Fail(nope) InvalidOperationException"],
            _log.Calls);
    }

    [Fact]
    public async Task A_filter_can_replace_the_result()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("doubled");
        await counter.Increment();
        await counter.Increment();

        Assert.Equal(4, await counter.Get());
    }

    [Fact]
    public async Task Runtime_statistics_count_calls_exceptions_and_activations_per_grain_type_and_method()
    {
        for (int i = 0; i < 5; i++) await Cluster.GrainFactory.GetGrain<ICounterGrain>($"c{i % 2}").Increment();
        for (int i = 0; i < 3; i++) await Assert.ThrowsAsync<InvalidOperationException>(() => Cluster.GrainFactory.GetGrain<ICounterGrain>("c0").Fail("x"));
        var held = Cluster.GrainFactory.GetGrain<ITurnGrain>("t").Hold("slow");
        await Probe.WaitForAsync("enter:slow");
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        Probe.Open("slow");
        await held;

        var stats = Cluster.Primary.Statistics;

        Assert.Equal(2, stats.ActivationsByGrainType[nameof(CounterGrain)]);
        Assert.Equal(1, stats.ActivationsByGrainType[nameof(TurnGrain)]);
        Assert.Equal(3, stats.TotalActivations);
        var increments = stats.Methods.Single(m => m.GrainType == nameof(CounterGrain) && m.Method == "ICounterGrain.Increment");
        Assert.Equal(5, increments.Calls);
        Assert.Equal(0, increments.Exceptions);
        var hold = stats.Methods.Single(m => m.Method == "ITurnGrain.Hold");
        Assert.Equal(250, hold.MaxLatencyMs);
        Assert.InRange(hold.P99LatencyMs, 250, 512);
        var failures = stats.Methods.Single(m => m.Method == "ICounterGrain.Fail");
        Assert.Equal(3, failures.Calls);
        Assert.Equal(3, failures.Exceptions);
        Assert.Equal(0, stats.CallsInFlight);
    }

    public sealed class CallLog
    {
        public ConcurrentQueue<string> Calls { get; } = new();
    }

    public sealed class RecordingFilter(CallLog log) : IIncomingGrainCallFilter
    {
        public async Task Invoke(IIncomingGrainCallContext context)
        {
            var call = $"{context.TargetId} {context.InterfaceMethod.DeclaringType!.Name}.{context.InterfaceMethod.Name}({string.Join(",", context.Arguments)})";
            try
            {
                await context.Invoke();
                log.Calls.Enqueue($"{call} ok");
            }
            catch (Exception e)
            {
                log.Calls.Enqueue($"{call} {e.GetType().Name}");
                throw;
            }
        }
    }

    /// <summary>Doubles the result of ICounterGrain.Get, to prove a filter's result reaches the caller.</summary>
    public sealed class DoublingFilter : IIncomingGrainCallFilter
    {
        public async Task Invoke(IIncomingGrainCallContext context)
        {
            await context.Invoke();
            if (context.InterfaceMethod.Name == nameof(ICounterGrain.Get)) context.Result = (int)context.Result! * 2;
        }
    }
}
