using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>
/// The SQL condition that makes a statement fenced: the writer's silo still holds the partition at the epoch it
/// wrote under, and the lease has not expired by the database's clock. Added to the statement itself, so the check
/// and the write are one atomic step.
/// </summary>
internal static class LeaseFence
{
    /// <summary>The condition, with parameters numbered from <paramref name="first"/> (partition, silo, epoch).</summary>
    public static string Condition(int first) =>
        $"exists (select 1 from partitions where partition = ${first} and owner_silo = ${first + 1} and epoch = ${first + 2} and lease_expires_at > now())";

    /// <summary>The condition for a fenced writer, or <c>true</c> outside a cluster.</summary>
    public static string ConditionOrTrue(GrainFence? fence, int first) => fence is null ? "true" : Condition(first);

    /// <summary>The condition's parameters (partition, silo, epoch), or none outside a cluster.</summary>
    public static NpgsqlParameter[] Parameters(GrainFence? fence) =>
        fence is null ? [] : [new() { Value = fence.Partition }, new() { Value = fence.SiloId }, new() { Value = fence.Epoch }];

    /// <summary>Throws <see cref="PartitionLeaseLostException"/> when the fence no longer holds (after a statement changed nothing).</summary>
    public static async Task ThrowIfLostAsync(NpgsqlDataSource dataSource, GrainFence? fence, string what, CancellationToken cancellationToken)
    {
        if (fence is null) return;
        await using var command = dataSource.CreateCommand($"select {Condition(1)}");
        command.Parameters.AddRange(Parameters(fence));
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            throw new PartitionLeaseLostException(
                $"{what} was refused: silo {fence.SiloId} no longer holds partition {fence.Partition} at epoch {fence.Epoch}. Nothing was written.");
        }
    }
}
