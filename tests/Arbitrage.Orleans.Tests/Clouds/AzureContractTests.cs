using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Real.Azure;
using Arbitrage.Orleans.Tests.Clouds.Fakes.Azure;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>The adapter contract against the Azure adapter talking to the local fake Azure (HTTPS, Entra ID tokens, ARM, Retail Prices).</summary>
public sealed class AzureContractTests : CloudAdapterContract, IAsyncLifetime
{
    private FakeAzure _fake = null!;
    private AzureCloudAdapter _adapter = null!;
    private string _secrets = null!;

    protected override ICloudAdapter Adapter => _adapter;

    protected override (string Region, string Zone, string InstanceType) Market => (FakeAzure.Region, "eastus-2", "Standard_D2s_v3");

    public async Task InitializeAsync()
    {
        _fake = await FakeAzure.StartAsync();
        _secrets = AzureTesting.WriteSecrets();
        _adapter = (AzureCloudAdapter)new AzureCloudAdapterFactory(AzureTesting.Options(_fake)).Create(AzureTesting.Settings(_fake, _secrets));
    }

    public async Task DisposeAsync()
    {
        _adapter.Dispose();
        await _fake.DisposeAsync();
        File.Delete(_secrets);
    }

    protected override Task BootAsync(string instanceId)
    {
        Assert.True(_fake.Boot(instanceId));
        return Task.CompletedTask;
    }

    protected override Task InterruptAsync(string instanceId)
    {
        Assert.True(_fake.Evict(instanceId));
        return Task.CompletedTask;
    }

    protected override Task RefuseNextLaunchForCapacityAsync()
    {
        _fake.RefuseNextLaunch("SkuNotAvailable");
        return Task.CompletedTask;
    }
}
