using System.Diagnostics;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// The price feed of one provider region (key <c>{provider}/{region}</c>). A grain timer polls the cloud's spot prices;
/// every change goes into this silo's offer book at once and to the other silos' books when they pull
/// <see cref="GetChangesSince"/>. Its figures are rebuilt from the cloud after a move, so it keeps no stored state.
/// </summary>
public sealed partial class RegionPriceFeedGrain(
    ProviderRegistry providers,
    OfferBookHolder book,
    IOptions<MarketOptions> options,
    TimeProvider time,
    ILogger<RegionPriceFeedGrain> logger) : Grain, IRegionPriceFeedGrain
{
    private readonly MarketOptions _options = options.Value;
    private readonly Dictionary<(string Zone, string Type), MarketSeries> _markets = [];
    private ConfiguredProvider _provider = null!;
    private string _region = "";
    private long _version;
    private DateTimeOffset? _lastPollAt;
    private string? _lastError;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        int slash = key.IndexOf('/');
        if (slash <= 0 || providers.Find(key[..slash]) is not { } provider)
        {
            throw new ArgumentException($"Price feed '{key}' does not name a configured provider and region ({{provider}}/{{region}}).");
        }

        _provider = provider;
        _region = key[(slash + 1)..];
        foreach (var offer in await provider.Adapter.DescribeInstanceTypesAsync(_region, cancellationToken))
        {
            if (offer.SpotAvailable) _markets.TryAdd((offer.Zone, offer.InstanceType), new MarketSeries(offer.Zone, offer.InstanceType, offer.InterruptionRate, _options.HistoryLength));
        }

        this.RegisterGrainTimer(ct => PollAsync(ct), new GrainTimerCreationOptions(_options.PricePollInterval, _options.PricePollInterval) { Interleave = false, KeepAlive = true });
        await PollAsync(cancellationToken);
    }

    public Task<int> Poll() => PollAsync(CancellationToken.None);

    private async Task<int> PollAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<SpotPrice> prices;
        try
        {
            prices = await _provider.Adapter.GetSpotPricesAsync(_region, cancellationToken);
        }
        catch (Exception e) when (e is CloudException or HttpRequestException or TimeoutException)
        {
            _lastError = e.Message;
            LogPollFailed(e, _provider.Config.Name, _region);
            return 0;
        }

        _lastPollAt = time.GetUtcNow();
        _lastError = null;
        var changes = new List<MarketPriceChange>();
        long version = _version + 1;
        foreach (var price in prices)
        {
            if (!_markets.TryGetValue((price.Zone, price.InstanceType), out var series))
            {
                continue; // not in the catalog this feed was built from
            }

            if (series.Observe(price.PricePerHour, price.Timestamp, version))
            {
                changes.Add(Change(series));
            }
        }

        if (changes.Count > 0)
        {
            _version = version;
            book.Current.Apply(_provider.Config.Name, _region, changes);
        }

        return changes.Count;
    }

    public Task<PriceChanges> GetChangesSince(long sinceVersion)
    {
        var changes = new List<MarketPriceChange>();
        foreach (var series in _markets.Values)
        {
            if (series.Version > sinceVersion && series.Current is not null) changes.Add(Change(series));
        }

        return Task.FromResult(new PriceChanges(_version, changes));
    }

    public Task<IReadOnlyList<PricePoint>> GetHistory(string zone, string instanceType) =>
        Task.FromResult(Find(zone, instanceType).History);

    public Task<MarketStatistics?> GetStatistics(string zone, string instanceType)
    {
        if (!_markets.TryGetValue((zone, instanceType), out var s)) return Task.FromResult<MarketStatistics?>(null);
        return Task.FromResult<MarketStatistics?>(new MarketStatistics(
            s.Zone, s.InstanceType, s.Current, s.HistoryCount, s.Volatility(), s.AdvisorRate, s.ObservedInterruptions, s.ExposureHours,
            s.InterruptionRateEstimate(_options.PriorInstanceMonths)));
    }

    public Task<PriceFeedStatus> GetStatus() =>
        Task.FromResult(new PriceFeedStatus(_provider.Config.Name, _region, _version, _lastPollAt, _lastError, _markets.Count, _markets.Values.Sum(m => m.HistoryCount)));

    public Task RecordInterruption(string zone, string instanceType)
    {
        Find(zone, instanceType).RecordInterruption(++_version);
        return PublishAsync(zone, instanceType);
    }

    public Task RecordExposure(string zone, string instanceType, double instanceHours)
    {
        if (!(instanceHours >= 0)) throw new ArgumentOutOfRangeException(nameof(instanceHours), instanceHours, "Exposure must be zero or more instance-hours.");
        Find(zone, instanceType).RecordExposure(instanceHours, ++_version);
        return PublishAsync(zone, instanceType);
    }

    private Task PublishAsync(string zone, string instanceType)
    {
        var series = Find(zone, instanceType);
        if (series.Current is not null) book.Current.Apply(_provider.Config.Name, _region, [Change(series)]);
        return Task.CompletedTask;
    }

    private MarketSeries Find(string zone, string instanceType) =>
        _markets.GetValueOrDefault((zone, instanceType))
        ?? throw new ArgumentException($"No spot market {instanceType} in zone {zone} of {_provider.Config.Name}/{_region}.");

    private MarketPriceChange Change(MarketSeries s) =>
        new(s.Zone, s.InstanceType, s.Current!.Value, s.UpdatedAt!.Value, s.InterruptionRateEstimate(_options.PriorInstanceMonths));

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Price poll of {Provider}/{Region} failed")]
    private partial void LogPollFailed(Exception exception, string provider, string region);
}
