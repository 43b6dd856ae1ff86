using System.Diagnostics;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// One configured provider instance (key: its name). Probes its cloud on a grain timer (<see cref="ICloudAdapter.ProbeAsync"/>: one uncached call) to
/// keep its health current, and adds up the calls every silo made to the cloud (<see cref="ProviderStatisticsPublisher"/>):
/// it is unhealthy while the probe fails or more than half of an interval's calls failed. Statistics describe the time
/// since this activation started.
/// </summary>
public sealed partial class ProviderGrain(
    ProviderRegistry providers,
    IOptions<MarketOptions> options,
    TimeProvider time,
    ILogger<ProviderGrain> logger) : Grain, IProviderGrain
{
    private ConfiguredProvider _provider = null!;
    private IReadOnlyList<CloudRegion> _regions = [];
    private string _status = ProviderStatus.Unknown;
    private string? _statusReason;
    private DateTimeOffset? _lastProbeAt;
    private long _requests, _successes, _failures;
    private double _totalMs;

    /// <summary>Why the calls of the last reported interval say the cloud is failing (more than half failed); null otherwise.</summary>
    private string? _callsFailing;

    /// <summary>Why the last probe failed; null when it passed.</summary>
    private string? _probeFailure;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var name = this.GetPrimaryKeyString();
        _provider = providers.Find(name) ?? throw new KeyNotFoundException($"Provider '{name}' is not configured.");
        if (!_provider.Config.Enabled)
        {
            _status = ProviderStatus.Disabled;
            _statusReason = "disabled in the providers file";
            return;
        }

        this.RegisterGrainTimer(ProbeAsync, new GrainTimerCreationOptions(options.Value.ProbeInterval, options.Value.ProbeInterval) { KeepAlive = true });
        await ProbeAsync(cancellationToken);
    }

    public Task<ProviderDetails> GetDetails() => Task.FromResult(Details());

    public Task<ProviderCapabilities> GetCapabilities()
    {
        var apis = _provider.Adapter.LaunchApis;
        var models = new List<string>();
        if (apis.Any(a => a.SupportsOnDemand)) models.Add("ondemand");
        if (apis.Any(a => a.SupportsSpot)) models.Add("spot");
        var regions = ConfiguredRegions();
        return Task.FromResult(new ProviderCapabilities(
            _provider.Config.Name,
            SupportedApis(apis),
            models,
            regions.Select(r => r.Name).ToList(),
            regions.SelectMany(r => r.Zones).ToList()));
    }

    /// <summary>The adapter's launch APIs, then the declared host-factory capabilities, which launch through the adapter's first API.</summary>
    private List<ProviderApi> SupportedApis(IReadOnlyList<LaunchApi> apis)
    {
        int limit = _provider.Config.Limits.MaxInstancesPerRequest;
        var supported = apis.Select(a => new ProviderApi(a.Name, a.SupportsSpot, a.SupportsOnDemand, Math.Min(a.MaxInstances, limit), [])).ToList();
        if (apis.Count == 0) return supported;
        var via = apis[0];
        supported.AddRange(_provider.Config.Capabilities.Where(c => !supported.Any(s => s.Name.Equals(c, StringComparison.OrdinalIgnoreCase)))
            .Select(c => new ProviderApi(c, via.SupportsSpot, via.SupportsOnDemand, limit, [])));
        return supported;
    }

    public async Task<ProviderDetails> Probe()
    {
        if (_provider.Config.Enabled) await ProbeAsync(CancellationToken.None);
        return Details();
    }

    public Task RecordCalls(long calls, long failures, double totalMilliseconds)
    {
        _requests += calls;
        _successes += calls - failures;
        _failures += failures;
        _totalMs += totalMilliseconds;
        if (calls > 0)
        {
            _callsFailing = failures * 2 > calls ? $"{failures} of the last {calls} calls to the cloud failed" : null;
            UpdateStatus();
        }

        return Task.CompletedTask;
    }

    private async Task ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _provider.Adapter.ProbeAsync(cancellationToken);
            _regions = await _provider.Adapter.ListRegionsAsync(cancellationToken);
            _probeFailure = null;
        }
        catch (Exception e) when (e is CloudException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            _probeFailure = e.Message;
            LogProbeFailed(e, _provider.Config.Name);
        }

        UpdateStatus();

        _lastProbeAt = time.GetUtcNow();
    }

    /// <summary>Unhealthy while the probe fails or most of the silos' recent calls to the cloud fail; healthy otherwise.</summary>
    private void UpdateStatus()
    {
        if (_status == ProviderStatus.Disabled) return;
        _statusReason = _probeFailure ?? _callsFailing;
        _status = _statusReason is null ? ProviderStatus.Healthy : ProviderStatus.Unhealthy;
    }

    private IReadOnlyList<CloudRegion> ConfiguredRegions() =>
        _provider.Config.Regions.Count == 0 ? _regions : _regions.Where(r => _provider.Config.Regions.Contains(r.Name, StringComparer.OrdinalIgnoreCase)).ToList();

    private ProviderDetails Details()
    {
        var c = _provider.Config;
        var configuration = new Dictionary<string, string>
        {
            ["adapter"] = c.Adapter,
            ["regions"] = c.Regions.Count == 0 ? "all" : string.Join(",", c.Regions),
        };
        if (c.Adapter == "simulated")
        {
            configuration["seed"] = c.Simulation.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration["speed"] = c.Simulation.Speed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new ProviderDetails(
            c.Name, c.Type.ToLowerInvariant(), c.Enabled, c.Priority, c.Weight,
            _provider.Adapter.LaunchApis.Select(a => a.Name).Concat(c.Capabilities).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            _status, _statusReason, _lastProbeAt, configuration,
            new ProviderLimits(c.Limits.MaxInstancesPerRequest, c.Limits.MaxConcurrentRequests),
            new ProviderStatistics(_requests, _successes, _failures, _requests == 0 ? 0 : Math.Round(_totalMs / _requests, 3)));
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Health probe of provider {Provider} failed")]
    private partial void LogProbeFailed(Exception exception, string provider);
}
