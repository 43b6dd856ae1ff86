using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// Readiness: the cluster's database answers a query. The result says only whether it answered; why it did not is
/// logged, not returned, so a health endpoint never shows server addresses or driver messages.
/// </summary>
public sealed partial class DatabaseHealthCheck(NpgsqlDataSource dataSource, ILogger<DatabaseHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select 1");
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answered.");
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            LogNoAnswer(e);
            return HealthCheckResult.Unhealthy("PostgreSQL did not answer");
        }
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Readiness check: PostgreSQL did not answer")]
    private partial void LogNoAnswer(Exception exception);
}
