using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Gcp;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>The adapter contract against the GCP adapter talking to the local fake of Compute Engine, Billing and OAuth.</summary>
public sealed class GcpContractTests : CloudAdapterContract, IAsyncLifetime
{
    private FakeGcp _fake = null!;
    private ICloudAdapter _adapter = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeGcp.StartAsync();
        _adapter = new GcpCloudAdapterFactory().Create(GcpTestSettings.For(_fake));
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    protected override ICloudAdapter Adapter => _adapter;

    protected override (string Region, string Zone, string InstanceType) Market => ("us-central1", "us-central1-a", "n2-standard-2");

    protected override Task BootAsync(string instanceId)
    {
        Assert.True(_fake.Boot(instanceId), $"the fake has no VM {instanceId} waiting to boot");
        return Task.CompletedTask;
    }

    protected override Task InterruptAsync(string instanceId)
    {
        Assert.True(_fake.Preempt(instanceId));
        return Task.CompletedTask;
    }

    protected override Task RefuseNextLaunchForCapacityAsync()
    {
        _fake.RefuseNextInsert("ZONE_RESOURCE_POOL_EXHAUSTED");
        return Task.CompletedTask;
    }
}
