using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>
/// Hands the cloud calls this silo made (counted by <see cref="CloudCallMeter"/>, which every adapter goes through)
/// to each provider's grain every <see cref="MarketOptions.StatisticsInterval"/>, so a provider's statistics cover
/// every silo without one grain message per cloud call.
/// </summary>
public sealed partial class ProviderStatisticsPublisher(CloudCallMeter meter, IGrainFactory grains, IOptions<MarketOptions> options, TimeProvider time, ILogger<ProviderStatisticsPublisher> logger)
    : PeriodicSiloTask(time)
{
    protected override TimeSpan Interval => options.Value.StatisticsInterval;

    protected override bool PassAtStart => false;

    protected override Task RunPassAsync(CancellationToken cancellationToken) => PublishAsync();

    /// <summary>What the last interval counted.</summary>
    protected override Task OnStoppedAsync() => PublishAsync();

    private async Task PublishAsync()
    {
        foreach (var (provider, counts) in meter.Take())
        {
            try
            {
                await grains.GetGrain<IProviderGrain>(provider).RecordCalls(counts.Calls, counts.Failures, counts.TotalMilliseconds);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPublishFailed(e, provider, counts.Calls);
            }
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "The statistics of {Calls} calls to provider {Provider} could not be handed to its grain")]
    private partial void LogPublishFailed(Exception exception, string provider, long calls);
}
