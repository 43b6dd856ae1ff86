using System.Collections.Concurrent;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>A provider's health as its grain reported it, and when this silo heard it.</summary>
public sealed record ProviderHealth(string Status, string? Reason, DateTimeOffset ObservedAt);

/// <summary>
/// This silo's view of the enabled providers' health, so provider selection reads it locally instead of calling every
/// candidate's grain on every request. Every <see cref="MarketOptions.HealthViewInterval"/> it asks each enabled
/// provider's grain for its status (the grain keeps it from its probe and the silos' call statistics). The staleness
/// bound: a status the grain holds is seen by selection within one interval plus one grain call; an entry older than
/// twice the interval (the refresh fell behind, or this process has no silo lifecycle, like a gateway-only process) is
/// not used: selection asks the grain then, and the answer refreshes the view. The circuit breakers are not part of
/// the view: they are this silo's own, read as they are.
/// </summary>
public sealed partial class ProviderHealthView(
    ProviderRegistry registry,
    IGrainFactory grains,
    IOptions<MarketOptions> options,
    TimeProvider time,
    ILogger<ProviderHealthView> logger) : PeriodicSiloTask(time)
{
    private readonly TimeProvider _time = time;

    private readonly ConcurrentDictionary<string, ProviderHealth> _health = new(StringComparer.OrdinalIgnoreCase);

    protected override TimeSpan Interval => options.Value.HealthViewInterval;

    /// <summary>An entry older than this is not used: the grain is asked instead.</summary>
    public TimeSpan StaleAfter => 2 * options.Value.HealthViewInterval;

    protected override Task RunPassAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(registry.Enabled.Select(p => RefreshAsync(p.Config.Name, cancellationToken)));

    /// <summary>
    /// The health of each of <paramref name="providers"/>, in order: from the view while fresh, else from the provider's
    /// grain (which refreshes the view).
    /// </summary>
    public async ValueTask<ProviderHealth[]> GetAsync(IReadOnlyList<ConfiguredProvider> providers, CancellationToken cancellationToken)
    {
        var result = new ProviderHealth[providers.Count];
        var now = _time.GetUtcNow();
        var staleAfter = StaleAfter;
        List<Task>? asking = null;
        for (int i = 0; i < providers.Count; i++)
        {
            if (_health.TryGetValue(providers[i].Config.Name, out var health) && now - health.ObservedAt <= staleAfter) result[i] = health;
            else (asking ??= []).Add(AskAsync(providers[i].Config.Name, result, i, cancellationToken));
        }

        if (asking is not null) await Task.WhenAll(asking);
        return result;
    }

    private async Task AskAsync(string provider, ProviderHealth[] result, int index, CancellationToken cancellationToken) =>
        result[index] = Remember(provider, await grains.GetGrain<IProviderGrain>(provider).GetDetails().WaitAsync(cancellationToken));

    private async Task RefreshAsync(string provider, CancellationToken cancellationToken)
    {
        try
        {
            Remember(provider, await grains.GetGrain<IProviderGrain>(provider).GetDetails().WaitAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping.
        }
        catch (Exception e)
        {
            LogRefreshFailed(e, provider);
        }
    }

    private ProviderHealth Remember(string provider, ProviderDetails details)
    {
        var health = new ProviderHealth(details.Status, details.StatusReason, _time.GetUtcNow());
        _health[provider] = health;
        return health;
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "The health view could not refresh provider {Provider}; selection asks its grain until it can")]
    private partial void LogRefreshFailed(Exception exception, string provider);
}
