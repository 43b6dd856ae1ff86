using Arbitrage.Orleans.Grains;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// A grain call that failed because the database could not be reached deactivates the grain it ran on and fails with a
/// <see cref="DatabaseOutageException"/>. A grain changes its state in memory and then writes it; when the write
/// fails, the change stays in memory although it was never saved and the caller was told it failed. Deactivating drops
/// it: the next call activates the grain afresh from what was last saved, so a retried request never sees a change that
/// was refused (an ended workload that is still running, say).
/// </summary>
public sealed partial class DatabaseOutageCallFilter(ILogger<DatabaseOutageCallFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (DatabaseOutageException.IsOutage(e))
        {
            LogDeactivating(context.TargetContext.GrainId, context.MethodName, e.GetBaseException().Message);
            context.TargetContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, e, "the database could not be reached; start again from the saved state"));
            if (e is DatabaseOutageException) throw;
            throw new DatabaseOutageException($"The database could not be reached while {context.TargetContext.GrainId} ran {context.MethodName}; nothing it changed was kept. Retry shortly.");
        }
    }

    [LoggerMessage(EventId = 1520, Level = LogLevel.Warning, Message = "{GrainId}.{Method} failed on an unreachable database ({Reason}); the activation is dropped so the next call reads the saved state")]
    private partial void LogDeactivating(GrainId grainId, string method, string reason);
}
