using Arbitrage.Orleans.Runtime.Internal;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>
/// Cluster-wide statistics: the silos and their partitions from PostgreSQL, and each live silo's runtime statistics
/// from its internal endpoint (this silo's own are read directly). A silo that does not answer is listed with the error.
/// </summary>
internal sealed class ClusterStatisticsReader(NpgsqlDataSource dataSource, GrainRuntime runtime) : IClusterStatisticsProvider
{
    public async Task<ClusterStatistics> GetClusterStatisticsAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(string Id, string Address, string Status, DateTimeOffset Started, DateTimeOffset Heartbeat, int Partitions)>();
        await using (var command = dataSource.CreateCommand(
            """
            select s.silo_id, s.address, s.status, s.started_at, s.heartbeat_at,
                   (select count(*) from partitions p where p.owner_silo = s.silo_id and p.lease_expires_at > now())::int
            from silos s
            where s.status in ('active', 'leaving') or s.heartbeat_at > now() - interval '10 minutes'
            order by s.started_at
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5)));
            }
        }

        var self = (runtime.Placement as ClusterMembership)?.SiloId;
        var silos = await Task.WhenAll(rows.Select(async row =>
        {
            if (row.Status is not ("active" or "leaving")) return new SiloStatistics(row.Id, row.Address, row.Status, row.Started, row.Heartbeat, row.Partitions, null, null);
            try
            {
                var statistics = row.Id == self ? runtime.GetStatistics() : await runtime.RemoteClient.GetStatisticsAsync(row.Address, cancellationToken);
                return new SiloStatistics(row.Id, row.Address, row.Status, row.Started, row.Heartbeat, row.Partitions, statistics, null);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                return new SiloStatistics(row.Id, row.Address, row.Status, row.Started, row.Heartbeat, row.Partitions, null, e.Message);
            }
        }));

        return new ClusterStatistics(runtime.Time.GetUtcNow(), runtime.Placement.PartitionCount, silos);
    }
}
