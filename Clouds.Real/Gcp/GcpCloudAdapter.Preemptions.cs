using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// Preemption notices. When GCP preempts a spot VM it records a zone operation of type
/// <c>compute.instances.preempted</c> and gives the VM 30 seconds before it stops (then deletes it, as
/// instanceTerminationAction DELETE asks). Each watcher lists every zone's such operations (zoneOperations.list with a
/// filter) every gcp.preemptionPollInterval and yields each new one once; operations older than the notice window at
/// the start are history, not notices.
/// </summary>
internal sealed partial class GcpCloudAdapter
{
    public async IAsyncEnumerable<InterruptionNotice> WatchInterruptionsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var since = _time.GetUtcNow() - PreemptionNotice;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string filter = Uri.EscapeDataString("operationType = \"compute.instances.preempted\"");
        while (!cancellationToken.IsCancellationRequested)
        {
            var notices = new List<InterruptionNotice>();
            try
            {
                foreach (var region in await ListRegionsAsync(cancellationToken))
                {
                    foreach (var zone in region.Zones)
                    {
                        var operations = await ListAllAsync(_api.Compute, $"{_api.ProjectPath}/zones/{zone}/operations?filter={filter}",
                            GcpJson.Default.GcpListGcpOperation, "zoneOperations.list", cancellationToken);
                        foreach (var operation in operations)
                        {
                            if (operation.OperationType != "compute.instances.preempted" || ParseTime(operation.InsertTime) is not { } at || at < since) continue;
                            if (!seen.Add(operation.Id ?? operation.Name)) continue;
                            string instance = LastSegment(operation.TargetLink ?? "");
                            notices.Add(new InterruptionNotice(instance, region.Name, zone, _instanceTypes.GetValueOrDefault(instance, ""), at, at + PreemptionNotice,
                                "GCP preempted the spot VM (compute.instances.preempted); it stops within 30 seconds and is deleted"));
                        }
                    }
                }
            }
            catch (CloudException e)
            {
                LogPreemptionPollFailed(_logger, _settings.Name, e.Message);
            }

            foreach (var notice in notices) yield return notice;
            try
            {
                await Task.Delay(_settings.Gcp.PreemptionPollInterval, _time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    [LoggerMessage(EventId = 1306, Level = LogLevel.Warning, Message = "Provider {Provider}: listing preemption operations failed: {Reason}")]
    private static partial void LogPreemptionPollFailed(ILogger logger, string provider, string reason);
}
