using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Tests.Clouds;

/// <summary>
/// Retries, timeouts and circuit breaking of cloud calls (Polly), the call counts behind a provider's statistics, and
/// read-only providers, on a scripted adapter that fails as a cloud would.
/// </summary>
public sealed class ResilientCloudAdapterTests
{
    private static readonly CloudResilienceOptions Fast = new() { Retries = 3, RetryDelay = TimeSpan.FromMilliseconds(1), Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task A_throttled_call_is_retried_until_it_succeeds_and_counts_once()
    {
        var cloud = new ScriptedCloud { Failures = new Queue<Exception>([Throttled(), Throttled()]) };
        var meter = new CloudCallMeter();
        var adapter = new ResilientCloudAdapter("aws-test", cloud, Fast, meter, TimeProvider.System);

        var regions = await adapter.ListRegionsAsync(CancellationToken.None);

        Assert.Equal("us-east-1", Assert.Single(regions).Name);
        Assert.True(adapter.Available);
        Assert.Equal(3, cloud.Calls);
        var counts = meter.Take()["aws-test"];
        Assert.Equal((1L, 0L), (counts.Calls, counts.Failures)); // one call for the provider's statistics, however many attempts
        Assert.Empty(meter.Take()); // taken once
    }

    [Fact]
    public async Task A_capacity_refusal_is_not_retried_and_keeps_its_code()
    {
        var cloud = new ScriptedCloud { Failures = new Queue<Exception>([new CloudException(CloudErrorCode.InsufficientCapacity, "no m5.large in us-east-1a")]) };
        var adapter = new ResilientCloudAdapter("aws-test", cloud, Fast, new CloudCallMeter(), TimeProvider.System);

        var refused = await Assert.ThrowsAsync<CloudException>(() => adapter.LaunchAsync(Launch(), CancellationToken.None));

        Assert.Equal(CloudErrorCode.InsufficientCapacity, refused.Code);
        Assert.Equal(1, cloud.Calls);
    }

    [Fact]
    public async Task A_cloud_that_keeps_failing_is_cut_off_and_answers_unavailable_without_being_called()
    {
        var cloud = new ScriptedCloud { Failures = new Queue<Exception>(Enumerable.Range(0, 10).Select(_ => (Exception)new CloudException(CloudErrorCode.Unavailable, "503"))) };
        var meter = new CloudCallMeter();
        var options = Fast with { Retries = 0, MinimumThroughput = 2, FailureRatio = 0.5, BreakDuration = TimeSpan.FromMinutes(5) };
        var adapter = new ResilientCloudAdapter("gcp-test", cloud, options, meter, TimeProvider.System);

        for (int i = 0; i < 2; i++) await Assert.ThrowsAsync<CloudException>(() => adapter.GetSpotPricesAsync("us-east-1", CancellationToken.None));
        int callsBefore = cloud.Calls;
        var paused = await Assert.ThrowsAsync<CloudException>(() => adapter.GetSpotPricesAsync("us-east-1", CancellationToken.None));

        Assert.Equal(CloudErrorCode.Unavailable, paused.Code);
        Assert.Contains("gcp-test", paused.Message);
        Assert.Contains("paused", paused.Message);
        Assert.Equal(callsBefore, cloud.Calls);
        Assert.False(adapter.Available); // placement passes the provider by while its circuit is open
        var counts = meter.Take()["gcp-test"];
        Assert.Equal((3L, 3L), (counts.Calls, counts.Failures));
    }

    [Fact]
    public async Task A_call_that_never_answers_times_out_as_unavailable()
    {
        var cloud = new ScriptedCloud { Hang = true };
        var adapter = new ResilientCloudAdapter("azure-test", cloud, Fast with { Retries = 1, Timeout = TimeSpan.FromMilliseconds(50) }, new CloudCallMeter(), TimeProvider.System);

        var timedOut = await Assert.ThrowsAsync<CloudException>(() => adapter.DescribeInstanceAsync("vm-1", CancellationToken.None));

        Assert.Equal(CloudErrorCode.Unavailable, timedOut.Code);
        Assert.Contains("timed out", timedOut.Message);
        Assert.Equal(2, cloud.Calls);
    }

    [Fact]
    public async Task A_read_only_provider_refuses_launch_and_terminate_before_any_cloud_call()
    {
        var cloud = new ScriptedCloud();
        var adapter = new ReadOnlyCloudAdapter("aws-prices", cloud);

        var launch = await Assert.ThrowsAsync<CloudException>(() => adapter.LaunchAsync(Launch(), CancellationToken.None));
        await Assert.ThrowsAsync<CloudException>(() => adapter.TerminateAsync("i-1", CancellationToken.None));

        Assert.Contains("aws-prices", launch.Message);
        Assert.Contains("mode: launch", launch.Message);
        Assert.Equal(0, cloud.Calls);
        Assert.NotEmpty(await adapter.ListRegionsAsync(CancellationToken.None)); // prices and catalog still flow
        Assert.Empty(adapter.LaunchApis);
    }

    [Theory]
    [InlineData("""{"name": "aws-x", "type": "aws", "adapter": "real", "mode": "write"}""", "provider 'aws-x': mode 'write' must be read-only or launch")]
    [InlineData("""{"name": "aws-x", "type": "aws", "mode": "launch"}""", "provider 'aws-x': mode applies to real providers only")]
    [InlineData("""{"name": "aws-x", "type": "aws", "adapter": "real", "endpoints": {"ec2": "not a url"}}""", "provider 'aws-x': endpoints.ec2 'not a url' must be an absolute http(s) URL")]
    [InlineData("""{"name": "aws-x", "type": "aws", "adapter": "real", "credentials": {"source": "guess"}}""", "provider 'aws-x': credentials.source 'guess' must be one of")]
    [InlineData("""{"name": "aws-x", "type": "aws", "adapter": "real", "resilience": {"retries": 50}}""", "provider 'aws-x': resilience.retries must be between 0 and 10")]
    [InlineData("""{"name": "aws-x", "type": "aws", "adapter": "cloudy"}""", "provider 'aws-x': adapter 'cloudy' must be one of simulated, real")]
    public void Real_provider_settings_are_validated_naming_the_provider_and_field(string provider, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, $$"""{"providers": [{{provider}}]}""");
        try
        {
            var error = Assert.Throws<ProviderConfigurationException>(() => ProvidersFile.Load(path));
            Assert.Contains(expected, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static CloudException Throttled() => new(CloudErrorCode.Throttled, "RequestLimitExceeded");

    private static LaunchRequest Launch() => new("us-east-1", "us-east-1a", "m5.large", Arbitrage.Orleans.Clouds.Market.Spot, null, "ami-1", "token-1");

    /// <summary>A cloud that fails with the queued exceptions first (or never answers), then answers.</summary>
    private sealed class ScriptedCloud : ICloudAdapter
    {
        public Queue<Exception> Failures { get; init; } = new();
        public bool Hang { get; init; }
        public int Calls { get; private set; }

        public CloudKind Cloud => CloudKind.Aws;
        public IReadOnlyList<LaunchApi> LaunchApis => [];

        private async Task<T> AnswerAsync<T>(T value, CancellationToken cancellationToken)
        {
            Calls++;
            if (Hang) await Task.Delay(Timeout.Infinite, cancellationToken);
            if (Failures.TryDequeue(out var failure)) throw failure;
            return value;
        }

        public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) =>
            AnswerAsync<IReadOnlyList<CloudRegion>>([new CloudRegion("us-east-1", ["us-east-1a"])], cancellationToken);

        public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) =>
            AnswerAsync<IReadOnlyList<InstanceTypeOffer>>([], cancellationToken);

        public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) => AnswerAsync<IReadOnlyList<SpotPrice>>([], cancellationToken);

        public Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken) =>
            AnswerAsync(new CloudInstance("i-1", request.Region, request.Zone, request.InstanceType, request.Market, InstanceState.Pending, 0.1m, null, DateTimeOffset.UnixEpoch, null, null), cancellationToken);

        public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) => AnswerAsync<CloudInstance?>(null, cancellationToken);

        public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) => AnswerAsync(true, cancellationToken);

        public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
            AnswerAsync<IReadOnlyList<CloudInstance>>([], cancellationToken);

        public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken) => Task.FromResult(InstanceHealth.Unknown);

        public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken) => AsyncEnumerable.Empty<InterruptionNotice>();
    }
}
