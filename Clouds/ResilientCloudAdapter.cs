using System.Diagnostics;
using System.Runtime.CompilerServices;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Arbitrage.Orleans.Clouds;

/// <summary>How calls to one real provider's cloud are retried, timed out and cut off (the <c>resilience</c> object of the providers file).</summary>
public sealed record CloudResilienceOptions
{
    /// <summary>Longest wait for one attempt, the adapter's own retries and long-running operations included (a call that never answers).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Retries after a throttled, unavailable or timed-out attempt (exponential back-off with jitter). None by default:
    /// the real adapters retry inside (the AWS and Azure SDKs, the GCP adapter's own pipeline), and retrying on top
    /// would multiply the attempts.
    /// </summary>
    public int Retries { get; init; }

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The circuit opens when at least this share of the calls in <see cref="SamplingDuration"/> failed …</summary>
    public double FailureRatio { get; init; } = 0.5;

    /// <summary>… and at least this many calls were made in it.</summary>
    public int MinimumThroughput { get; init; } = 10;

    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before letting one through to try.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Problems, each naming the field.</summary>
    public IEnumerable<string> Problems()
    {
        if (Timeout <= TimeSpan.Zero) yield return "resilience.timeout must be positive";
        if (Retries is < 0 or > 10) yield return "resilience.retries must be between 0 and 10";
        if (RetryDelay <= TimeSpan.Zero) yield return "resilience.retryDelay must be positive";
        if (FailureRatio is <= 0 or > 1) yield return "resilience.failureRatio must be above 0 and at most 1";
        if (MinimumThroughput < 2) yield return "resilience.minimumThroughput must be at least 2";
        if (SamplingDuration < TimeSpan.FromMilliseconds(500)) yield return "resilience.samplingDuration must be at least 0.5 s";
        if (BreakDuration < TimeSpan.FromMilliseconds(500)) yield return "resilience.breakDuration must be at least 0.5 s";
    }
}

/// <summary>
/// Every call to a real provider's cloud through one Polly pipeline per provider: a timeout per attempt, retries with
/// back-off for what a retry can fix (throttling, a cloud that is unavailable, a timed-out attempt; launches are
/// retried too because every launch carries its client token, so a repeat cannot start a second instance), and a
/// circuit breaker that stops calling a cloud that keeps failing; an open circuit answers at once with
/// <see cref="CloudErrorCode.Unavailable"/>. Each call (not each attempt) is counted in the <see cref="CloudCallMeter"/>.
/// </summary>
public sealed class ResilientCloudAdapter : ICloudAdapter, ICloudAdapterDecorator
{
    private readonly string _provider;
    private readonly ICloudAdapter _inner;
    private readonly CloudCallMeter _meter;
    private readonly ResiliencePipeline? _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();

    /// <param name="options">Null for an in-process cloud (the simulated one): its calls are only counted.</param>
    public ResilientCloudAdapter(string provider, ICloudAdapter inner, CloudResilienceOptions? options, CloudCallMeter meter, TimeProvider time)
    {
        _provider = provider;
        _inner = inner;
        _meter = meter;
        if (options is null) return;
        var retryable = new PredicateBuilder()
            .Handle<CloudException>(e => e.Code is CloudErrorCode.Unavailable or CloudErrorCode.Throttled)
            .Handle<HttpRequestException>()
            .Handle<TimeoutRejectedException>();
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            ShouldHandle = retryable,
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            StateProvider = _circuit,
        });
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retryable,
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            });
        }

        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    public ICloudAdapter Inner => _inner;

    /// <summary>False while the circuit is open: the cloud kept failing, so placement on this silo passes the provider by.</summary>
    public bool Available => _circuit.CircuitState is not (CircuitState.Open or CircuitState.Isolated);

    public CloudKind Cloud => _inner.Cloud;

    public IReadOnlyList<LaunchApi> LaunchApis => _inner.LaunchApis;

    public Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.ListRegionsAsync(ct), cancellationToken);

    /// <summary>Counted, and seen by the circuit: a cloud that fails its probes is paused like one that fails its calls.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) =>
        CallAsync(async ct =>
        {
            await _inner.ProbeAsync(ct);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.DescribeInstanceTypesAsync(region, ct), cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.GetSpotPricesAsync(region, ct), cancellationToken);

    public Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.GetSpotPriceHistoryAsync(query, ct), cancellationToken);

    public Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.LaunchAsync(request, ct), cancellationToken);

    public Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.DescribeInstanceAsync(instanceId, ct), cancellationToken);

    public Task TerminateAsync(string instanceId, CancellationToken cancellationToken) =>
        CallAsync(async ct =>
        {
            await _inner.TerminateAsync(instanceId, ct);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken) =>
        CallAsync(ct => _inner.ListTaggedInstancesAsync(tags, ct), cancellationToken);

    /// <summary>Health checks go to the instance, not the cloud's API: neither retried nor counted against the cloud.</summary>
    public Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken) =>
        _inner.CheckHealthAsync(instanceId, port, path, cancellationToken);

    public IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync(CancellationToken cancellationToken) => _inner.WatchInterruptionsAsync(cancellationToken);

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        long started = Stopwatch.GetTimestamp();
        bool succeeded = false;
        try
        {
            var result = _pipeline is null ? await call(cancellationToken) : await _pipeline.ExecuteAsync(async ct => await call(ct), cancellationToken);
            succeeded = true;
            return result;
        }
        catch (BrokenCircuitException e)
        {
            throw new CloudException(CloudErrorCode.Unavailable,
                $"Provider '{_provider}': calls to its cloud are paused after repeated failures ({operation}); retry after {e.RetryAfter?.TotalSeconds ?? 0:0} s.");
        }
        catch (TimeoutRejectedException e)
        {
            throw new CloudException(CloudErrorCode.Unavailable, $"Provider '{_provider}': {operation} timed out after {e.Timeout.TotalSeconds:0.#} s, every attempt.");
        }
        finally
        {
            _meter.Record(_provider, succeeded, Stopwatch.GetElapsedTime(started));
        }
    }
}
