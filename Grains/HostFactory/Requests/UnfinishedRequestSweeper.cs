using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>
/// As the silo becomes active, and then every <see cref="HostRequestOptions.SweepInterval"/>, lists the stored requests
/// still creating their machines (pending, <see cref="HostRequestState.MachinesCreated"/> false; from the ledger store,
/// without activating anything) and wakes each one: its activation resumes the creation. This replaces a durable
/// reminder per request (a row written and deleted per request) with one query per silo and interval. Every silo runs
/// one; waking an active request, or one whose creation is done, changes nothing.
/// </summary>
public sealed partial class UnfinishedRequestSweeper(
    IGrainStateQuery query, IGrainFactory grains, IOptions<HostRequestOptions> options, TimeProvider time, ILogger<UnfinishedRequestSweeper> logger)
    : PeriodicSiloTask(time)
{
    /// <summary>Rows read per round trip.</summary>
    public const int Batch = 1000;

    private static readonly Dictionary<string, string> Unfinished = new()
    {
        ["status"] = HostRequestStatuses.Pending,
        ["machinesCreated"] = "false",
    };

    protected override TimeSpan Interval => options.Value.SweepInterval;

    protected override async Task RunPassAsync(CancellationToken stoppingToken)
    {
        try
        {
            int woken = await SweepAsync(stoppingToken);
            if (woken > 0) LogWoken(woken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogPassFailed(e);
        }
    }

    /// <summary>One pass; returns how many requests it woke.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        int woken = 0;
        GrainStateCursor? after = null;
        do
        {
            var page = await query.QueryAsync<HostRequestState>(
                new GrainStateQuery(HostRequestGrain.GrainTypeName, HostRequestGrain.StateName, null, Unfinished, after, Batch), cancellationToken);
            await Task.WhenAll(page.Rows.Where(r => r.State.CancelledAt is null).Select(r => grains.GetGrain<IHostRequestGrain>(r.Key).Resume()));
            woken += page.Rows.Count;
            after = page.Next;
        }
        while (after is not null && !cancellationToken.IsCancellationRequested);

        return woken;
    }

    [LoggerMessage(EventId = 6403, Level = LogLevel.Information, Message = "Woke {Count} requests whose machines were not all created")]
    private partial void LogWoken(int count);

    [LoggerMessage(EventId = 6404, Level = LogLevel.Warning, Message = "The sweep of unfinished requests failed; the next pass tries again")]
    private partial void LogPassFailed(Exception exception);
}
