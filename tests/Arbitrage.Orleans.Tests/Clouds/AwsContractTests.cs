using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>The adapter contract against the AWS adapter talking to the local EC2/SQS fake through the real SDK.</summary>
public sealed class AwsContractTests : CloudAdapterContract, IAsyncLifetime
{
    private FakeAws _fake = null!;
    private AwsTestProvider _provider = null!;
    private ICloudAdapter _adapter = null!;

    protected override ICloudAdapter Adapter => _adapter;

    protected override (string Region, string Zone, string InstanceType) Market => (FakeAws.Region, "use1-az4", "m5.large");

    public async Task InitializeAsync()
    {
        _fake = await FakeAws.StartAsync();
        _provider = new AwsTestProvider(_fake);
        _adapter = _provider.CreateAdapter();
    }

    protected override Task BootAsync(string instanceId)
    {
        _fake.Boot(instanceId);
        return Task.CompletedTask;
    }

    protected override Task InterruptAsync(string instanceId)
    {
        _fake.Interrupt(instanceId);
        return Task.CompletedTask;
    }

    protected override Task RefuseNextLaunchForCapacityAsync()
    {
        _fake.RefuseNextLaunch("InsufficientInstanceCapacity");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        (_adapter as IDisposable)?.Dispose();
        _provider.Dispose();
        await _fake.DisposeAsync();
    }
}
