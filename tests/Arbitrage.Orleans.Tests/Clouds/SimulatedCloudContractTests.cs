using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>The adapter contract against the simulated cloud (a manual clock boots its instances).</summary>
[Collection(MarketDataCollection.Name)]
public sealed class SimulatedCloudContractTests : CloudAdapterContract, IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly SimulatedCloud _cloud;

    public SimulatedCloudContractTests(MarketDataFixture fixture) =>
        _cloud = fixture.CreateCloud(CloudKind.Aws, _clock, o => o.InterruptionsEnabled = false);

    protected override ICloudAdapter Adapter => _cloud;

    protected override (string Region, string Zone, string InstanceType) Market => ("us-east-1", "use1-az2", "m5dn.8xlarge");

    protected override DateTimeOffset Now => _clock.GetUtcNow();

    protected override Task BootAsync(string instanceId)
    {
        _clock.Advance(TimeSpan.FromSeconds(10));
        return Task.CompletedTask;
    }

    protected override Task InterruptAsync(string instanceId)
    {
        Assert.True(_cloud.Interrupt(instanceId));
        return Task.CompletedTask;
    }

    protected override Task RefuseNextLaunchForCapacityAsync()
    {
        _cloud.SetCapacity(Market.Region, Market.Zone, Market.InstanceType, available: false);
        return Task.CompletedTask;
    }

    public void Dispose() => _cloud.Dispose();
}
