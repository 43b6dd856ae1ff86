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
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ProviderStatisticsPublisher), ServiceLifecycleStage.Active, Start, StopAsync);

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await PublishAsync(); // what the last interval counted
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(options.Value.StatisticsInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await PublishAsync();
        }
    }

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
