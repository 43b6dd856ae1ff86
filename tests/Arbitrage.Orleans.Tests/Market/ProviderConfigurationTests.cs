using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary>The providers file is validated at start-up with errors naming the provider and field; a feed's history stays bounded.</summary>
public sealed class ProviderConfigurationTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_file);

    private ProviderConfigurationException LoadFails(string json)
    {
        File.WriteAllText(_file, json);
        return Assert.Throws<ProviderConfigurationException>(() => ProvidersFile.Load(_file));
    }

    [Fact]
    public void The_default_providers_file_is_valid()
    {
        var file = ProvidersFile.Load(SharedData.ProvidersFile);

        Assert.Equal(["sim-aws", "sim-azure", "sim-gcp"], file.Providers.Select(p => p.Name));
        Assert.All(file.Providers, p => Assert.Equal("simulated", p.Adapter));
    }

    [Theory]
    [InlineData("""{"providers": [{"name": "sim-x", "type": "oracle"}]}""", "provider 'sim-x': type 'oracle' must be aws, azure or gcp")]
    [InlineData("""{"providers": [{"name": "dup", "type": "aws"}, {"name": "dup", "type": "gcp"}]}""", "provider 'dup': name is used twice")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "weight": -1}]}""", "provider 'sim-aws': weight must be 0 or more")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "limits": {"maxConcurrentRequests": 0}}]}""", "provider 'sim-aws': limits.maxConcurrentRequests must be at least 1")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "adapter": "ec2"}]}""", "provider 'sim-aws': adapter 'ec2' must be one of simulated")]
    [InlineData("""{"providers": [{"type": "aws"}]}""", "providers[0]: name is required")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "simulation": {"speed": 0}}]}""", "provider 'sim-aws': simulation.speed must be between 0 and 1,000,000")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "simulation": {"maxInstances": 0}}]}""", "provider 'sim-aws': simulation.maxInstances must be between 1 and 10,000,000")]
    [InlineData("""{"providers": [{"name": "sim-aws", "type": "aws", "colour": "blue"}]}""", "colour")]
    [InlineData("""{"providers": []}""", "lists no providers")]
    [InlineData("""{"providers": [""", "is not valid")]
    public void A_bad_providers_file_is_refused_naming_the_provider_and_field(string json, string expected)
    {
        Assert.Contains(expected, LoadFails(json).Message);
    }

    [Fact]
    public void A_simulated_clouds_instance_limit_comes_from_its_simulation_section()
    {
        File.WriteAllText(_file, """{"providers": [{"name": "sim-aws", "type": "aws", "simulation": {"maxInstances": 3}}, {"name": "sim-gcp", "type": "gcp"}]}""");
        var providers = ProvidersFile.Load(_file).Providers;
        var factory = new SimulatedCloudFactory(Microsoft.Extensions.Options.Options.Create(new MarketOptions { DataDirectory = SharedData.Directory }), TimeProvider.System);

        Assert.Equal(3, factory.Create(providers[0]).LaunchApis.Single().MaxInstances);
        Assert.Equal(10_000, factory.Create(providers[1]).LaunchApis.Single().MaxInstances);
    }

    [Fact]
    public void A_missing_providers_file_is_refused_naming_its_path()
    {
        Assert.Contains(_file, Assert.Throws<ProviderConfigurationException>(() => ProvidersFile.Load(_file)).Message);
    }

    [Fact]
    public void A_markets_history_keeps_the_latest_points_and_its_volatility_follows_the_log_changes()
    {
        var series = new MarketSeries("use1-az1", "m5.large", 0.05, historyLength: 4);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        decimal[] prices = [0.10m, 0.11m, 0.10m, 0.12m, 0.12m, 0.09m];
        for (int i = 0; i < prices.Length; i++) series.Observe(prices[i], start.AddMinutes(i), version: i + 1);

        // 0.12 twice is one change: five points, the oldest dropped.
        Assert.Equal([0.11m, 0.10m, 0.12m, 0.09m], series.History.Select(p => p.PricePerHour));
        Assert.Equal(start.AddMinutes(5), series.History[^1].Timestamp);
        double[] logs = [Math.Log(0.10 / 0.11), Math.Log(0.12 / 0.10), Math.Log(0.09 / 0.12)];
        double mean = logs.Average();
        double expected = Math.Sqrt(logs.Sum(r => (r - mean) * (r - mean)) / (logs.Length - 1));
        Assert.Equal(expected, series.Volatility(), 9);
    }
}
