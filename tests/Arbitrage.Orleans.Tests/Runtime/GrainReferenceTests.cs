using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Arbitrage.Orleans.Tests.TestGrains.Invalid;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Runtime;

public sealed class GrainReferenceTests : ClusterTest
{

    [Fact]
    public async Task GetGrain_returns_a_reference_without_activating_and_the_first_call_activates()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("lazy");

        Assert.Equal("lazy", counter.GetPrimaryKeyString());
        Assert.Equal(0, Cluster.Primary.Statistics.TotalActivations);
        Assert.Empty(Probe.Events);

        Assert.Equal(1, await counter.Increment());
        Assert.Equal(1, Cluster.Primary.Statistics.ActivationsByGrainType[nameof(CounterGrain)]);
        Assert.Equal(["activate:lazy"], Probe.Events);
    }

    [Fact]
    public async Task Concurrent_first_calls_through_many_references_share_one_activation()
    {
        var calls = Enumerable.Range(0, 200)
            .Select(_ => Task.Run(() => Cluster.GrainFactory.GetGrain<ICounterGrain>("shared").Increment()))
            .ToArray();
        var results = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(1, 200), results.Order());
        Assert.Equal(1, Probe.Count("activate:shared"));
        Assert.Equal(1, Cluster.Primary.Statistics.TotalActivations);
    }

    [Fact]
    public async Task Different_keys_get_different_activations()
    {
        await Cluster.GrainFactory.GetGrain<ICounterGrain>("a").Increment();
        await Cluster.GrainFactory.GetGrain<ICounterGrain>("b").Increment();
        await Cluster.GrainFactory.GetGrain<ICounterGrain>("b").Increment();

        Assert.Equal(1, await Cluster.GrainFactory.GetGrain<ICounterGrain>("a").Get());
        Assert.Equal(2, await Cluster.GrainFactory.GetGrain<ICounterGrain>("b").Get());
        Assert.Equal(2, Cluster.Primary.Statistics.TotalActivations);
    }

    [Fact]
    public async Task ValueTask_methods_return_their_result()
    {
        var counter = Cluster.GrainFactory.GetGrain<ICounterGrain>("vt");
        await counter.Increment();

        Assert.Equal(1, await counter.GetAsValueTask());
    }

    [Fact]
    public void Asking_for_an_unregistered_grain_interface_names_it_at_the_call_site()
    {
        var error = Assert.Throws<ArgumentException>(() => Cluster.GrainFactory.GetGrain<IUnregisteredGrain>("x"));

        Assert.Contains(nameof(IUnregisteredGrain), error.Message);
        Assert.Contains("AddGrains", error.Message);
    }

    [Fact]
    public void An_empty_key_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Cluster.GrainFactory.GetGrain<ICounterGrain>(""));

        Assert.Equal("key", error.ParamName);
    }

    [Fact]
    public async Task An_argument_that_cannot_be_serialized_is_refused_at_the_call_site_and_the_grain_keeps_working()
    {
        var grain = Cluster.GrainFactory.GetGrain<ISerializationGrain>("s");

        var error = Assert.Throws<ArgumentException>(() => { _ = grain.Take(new Func<int>(() => 1)); });

        Assert.Equal("value", error.ParamName);
        Assert.Contains("ISerializationGrain.Take", error.Message);
        Assert.Contains("Func", error.Message);
        Assert.Equal("OrderLine", await grain.Take(new OrderLine("sku-1", 2)));
    }

    [Fact]
    public async Task A_grain_interface_whose_parameter_cannot_be_serialized_stops_the_silo_at_start_up()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new TestClusterBuilder().ConfigureServices(s => s.AddSingleton(Probe)).AddGrain(typeof(StreamGrain)).StartAsync());

        Assert.Contains("IStreamGrain.Upload", error.Message);
        Assert.Contains("'content'", error.Message);
        Assert.Contains("Stream", error.Message);
    }

    public sealed record OrderLine(string Sku, int Quantity);

    public interface IUnregisteredGrain : IGrainWithStringKey
    {
        Task Nothing();
    }
}
