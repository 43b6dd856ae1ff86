using Orleans;
using Orleans.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Grains.Market;

/// <summary>
/// Keeps this silo's offer book current wherever the price feeds run: every sync interval it asks each feed for the
/// changes since the version it last applied (one grain call per feed, none per offer). The calls also keep every
/// feed active, so after a silo dies its feeds restart on their new owners at the next round.
/// </summary>
public sealed partial class OfferBookSynchronizer(
    IGrainFactory grains,
    OfferBookHolder book,
    IOptions<MarketOptions> options,
    TimeProvider time,
    ILogger<OfferBookSynchronizer> logger) : BackgroundService
{
    private readonly Dictionary<string, long> _applied = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.BookSyncInterval, time);
        do
        {
            await SyncOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One round over every feed; returns the number of market changes applied.</summary>
    public async Task<int> SyncOnceAsync(CancellationToken cancellationToken)
    {
        var current = book.Current;
        var feeds = current.Providers.SelectMany(p => current.RegionsOf(p.Index).Select(r => (Provider: p.Name, Region: r))).ToList();
        var rounds = feeds.Select(async feed =>
        {
            string key = $"{feed.Provider}/{feed.Region}";
            long since;
            lock (_applied) since = _applied.GetValueOrDefault(key);
            try
            {
                var changes = await grains.GetGrain<IRegionPriceFeedGrain>(key).GetChangesSince(since).WaitAsync(cancellationToken);
                int applied = current.Apply(feed.Provider, feed.Region, changes.Changes);
                lock (_applied) _applied[key] = changes.Version;
                return applied;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogSyncFailed(e, key);
                return 0;
            }
        });
        return (await Task.WhenAll(rounds)).Sum();
    }

    [LoggerMessage(EventId = 4301, Level = LogLevel.Warning, Message = "Could not sync the offer book from price feed {Feed}")]
    private partial void LogSyncFailed(Exception exception, string feed);
}
