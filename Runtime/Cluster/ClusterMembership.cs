using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>
/// This silo's part in the cluster, with PostgreSQL as the only source of truth: its row in <c>silos</c>
/// (heartbeat), the partition leases it holds (renewed together, judged by the database clock), a fair share of
/// the partitions (taking free or expired ones, giving up extras when silos join), and a cached map of who serves
/// each partition for routing. A lease not renewed in time is dropped locally before it can expire (self-fencing);
/// a silo that finds itself declared dead drops everything. Membership runs on real time (lease expiry is judged by
/// the database's clock), not on the grains' <see cref="TimeProvider"/>, so a simulation may drive grain time freely;
/// a keyed TimeProvider <see cref="TimeProviderKey"/> replaces it.
/// </summary>
internal sealed partial class ClusterMembership(NpgsqlDataSource dataSource, ClusterOptions options, TimeProvider time, ILogger<ClusterMembership> logger)
    : GrainPlacement, IAsyncDisposable
{
    private readonly Lease?[] _owned = new Lease?[options.PartitionCount];
    private readonly CancellationTokenSource _stop = new();
    private volatile string?[] _map = new string?[options.PartitionCount];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;
    private ITimer? _watchdog;
    private volatile bool _renewalsPaused;
    private volatile bool _serving = true;
    private volatile bool _routingOnly;
    private volatile bool _stalled;
    private TaskCompletionSource? _resume;

    public const string TimeProviderKey = "cluster";

    public string SiloId { get; } = Guid.NewGuid().ToString("N")[..12];

    public string Address { get; private set; } = "";

    public override int PartitionCount => options.PartitionCount;

    public override bool IsClustered => true;

    /// <summary>Raised (on the membership loop) when this silo stops serving a partition.</summary>
    public event Action<int>? PartitionLost;

    /// <summary>Raised (on the membership loop) when this silo takes partitions, with their new epochs.</summary>
    public event Action<IReadOnlyList<(int Partition, long Epoch)>>? PartitionsAcquired;

    public int OwnedCount => _owned.Count(l => l is not null);

    public override Route Resolve(int partition)
    {
        var lease = Volatile.Read(ref _owned[partition]);
        if (lease is not null && _serving && (_stalled || IsFresh(lease)))
        {
            return new Route(RouteKind.Local, lease.Epoch, null);
        }

        var owner = _map[partition];
        return owner is not null && owner != Address ? new Route(RouteKind.Remote, 0, owner) : new Route(RouteKind.Unavailable, 0, null);
    }

    public override GrainFence? FenceFor(int partition, long epoch) => new(SiloId, partition, epoch);

    public override bool MayWrite(int partition, long epoch)
    {
        var lease = Volatile.Read(ref _owned[partition]);
        return lease is not null && lease.Epoch == epoch && (_stalled || IsFresh(lease));
    }

    public override Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>Refuses an address a live silo already advertises (checked before binding it, and again when registering).</summary>
    public async Task EnsureAddressFreeAsync(string address, CancellationToken cancellationToken)
    {
        await using var live = dataSource.CreateCommand(
            "select silo_id from silos where address = $1 and status in ('active', 'leaving') and heartbeat_at >= now() - $2");
        AddParameters(live, address, options.DeadAfter);
        if (await live.ExecuteScalarAsync(cancellationToken) is string other)
        {
            throw new ClusterConfigurationException(
                $"Cluster:AdvertisedAddress {address} is already used by live silo {other}; give each silo its own address.");
        }
    }

    /// <summary>Checks the cluster's settings, registers this silo and takes its first share of partitions.</summary>
    public async Task JoinAsync(string address, CancellationToken cancellationToken)
    {
        Address = address;
        await EnsureClusterSettingsAsync(cancellationToken);
        await RegisterAsync(cancellationToken);
        await RunOnceAsync(cancellationToken);
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        // Self-fencing must not depend on the membership round finishing: a round stuck on the database still
        // lets the watchdog drop every lease that was not renewed in time.
        _watchdog = time.CreateTimer(static s => ((ClusterMembership)s!).DropStaleLeases(), this, options.RenewInterval, options.RenewInterval);
        LogJoined(SiloId, Address, OwnedCount);
    }

    /// <summary>Takes part as a cluster client: routes calls to the silos serving each partition, serves none itself.</summary>
    public async Task JoinAsClientAsync(CancellationToken cancellationToken)
    {
        _serving = false;
        _routingOnly = true;
        await RunOnceAsync(cancellationToken);
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Leaves gracefully: stops serving, hands every partition over at once, marks the row left.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        _serving = false;
        await StopLoopAsync();
        if (_routingOnly) return;
        var owned = Enumerable.Range(0, _owned.Length).Where(p => _owned[p] is not null).ToArray();
        await using var batch = new NpgsqlBatch();
        batch.BatchCommands.Add(Command("update partitions set owner_silo = null, lease_expires_at = '-infinity' where owner_silo = $1", SiloId));
        batch.BatchCommands.Add(Command("update silos set status = 'left', heartbeat_at = now() where silo_id = $1", SiloId));
        await ExecuteAsync(batch, cancellationToken);
        foreach (var partition in owned)
        {
            Volatile.Write(ref _owned[partition], null);
        }

        LogLeft(SiloId, owned.Length);
    }

    /// <summary>Stops serving the partitions this silo holds without giving them up (the caller deactivates grains first).</summary>
    public void StopServing() => _serving = false;

    /// <summary>Test hook: renewals stop (as when the database cannot be reached) while self-fencing goes on.</summary>
    internal void PauseRenewals()
    {
        Volatile.Write(ref _resume, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _renewalsPaused = true;
    }

    /// <summary>Test hook: the silo freezes (no heartbeat, no renewal) but keeps believing it owns its partitions.</summary>
    internal void Stall()
    {
        Volatile.Write(ref _resume, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _stalled = true;
    }

    /// <summary>Test hook: the stalled silo wakes up.</summary>
    internal void Resume()
    {
        _stalled = false;
        _renewalsPaused = false;
        Volatile.Read(ref _resume)?.TrySetResult();
    }

    /// <summary>Test hook: the process dies. Nothing is released; the loop just stops.</summary>
    internal async Task KillAsync()
    {
        _serving = false;
        await StopLoopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync();
        _stop.Dispose();
    }

    private async Task StopLoopAsync()
    {
        _watchdog?.Dispose();
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        Resume();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
        }
    }

    private bool IsFresh(Lease lease) => time.GetElapsedTime(lease.RenewedAt) < options.LeaseDuration - options.SelfFenceMargin;

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(options.RenewInterval, time, cancellationToken);
            if ((_stalled || _renewalsPaused) && Volatile.Read(ref _resume) is { } resume)
            {
                await resume.Task.WaitAsync(cancellationToken);
            }

            try
            {
                await RunOnceAsync(cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                LogLoopFailed(e);
                DropStaleLeases();
            }
        }
    }

    /// <summary>
    /// One round: heartbeat, renew, declare the dead, take or give partitions, refresh the map. A member that only
    /// routes (a cluster client, or a silo the cluster declared dead) just refreshes the map.
    /// </summary>
    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        long renewStartedAt = time.GetTimestamp();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (_routingOnly)
        {
            await RefreshMapAsync(connection, cancellationToken);
            return;
        }

        await using var batch = new NpgsqlBatch(connection) { Timeout = Math.Max(1, (int)options.LeaseDuration.TotalSeconds) };
        batch.BatchCommands.Add(Command("update silos set heartbeat_at = now() where silo_id = $1 and status = 'active' returning 1", SiloId));
        batch.BatchCommands.Add(Command(
            "update partitions set lease_expires_at = now() + $2 where owner_silo = $1 and lease_expires_at > now() returning partition, epoch",
            SiloId, options.LeaseDuration));
        batch.BatchCommands.Add(Command(
            "update silos set status = 'dead' where status in ('active', 'leaving') and heartbeat_at < now() - $1 returning silo_id, address",
            options.DeadAfter));
        batch.BatchCommands.Add(Command("select count(*) from silos where status = 'active' and heartbeat_at >= now() - $1", options.DeadAfter));

        bool alive;
        var renewed = new Dictionary<int, long>();
        long activeSilos;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            alive = await reader.ReadAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) renewed[reader.GetInt32(0)] = reader.GetInt64(1);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) LogDeclaredDead(reader.GetString(0), reader.GetString(1));
            await reader.NextResultAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            activeSilos = Math.Max(1, reader.GetInt64(0));
        }

        if (!alive)
        {
            LogFoundDead(SiloId);
            _serving = false;
            _routingOnly = true;
            DropAll();
            await RefreshMapAsync(connection, cancellationToken);
            return;
        }

        for (int partition = 0; partition < _owned.Length; partition++)
        {
            var lease = _owned[partition];
            if (lease is null) continue;
            if (renewed.TryGetValue(partition, out var epoch) && epoch == lease.Epoch)
            {
                Volatile.Write(ref _owned[partition], lease with { RenewedAt = renewStartedAt });
            }
            else
            {
                Lose(partition);
            }
        }

        if (_serving)
        {
            await BalanceAsync(connection, (int)activeSilos, cancellationToken);
        }

        await RefreshMapAsync(connection, cancellationToken);
    }

    private async Task BalanceAsync(NpgsqlConnection connection, int activeSilos, CancellationToken cancellationToken)
    {
        int target = (PartitionCount + activeSilos - 1) / activeSilos;
        int owned = OwnedCount;
        if (owned < target)
        {
            long startedAt = time.GetTimestamp();
            await using var acquire = new NpgsqlCommand(
                """
                update partitions set owner_silo = $1, epoch = epoch + 1, lease_expires_at = now() + $2
                where partition in (
                    select partition from partitions
                    where owner_silo is null or lease_expires_at < now()
                    order by partition
                    limit $3
                    for update skip locked)
                returning partition, epoch
                """, connection);
            AddParameters(acquire, SiloId, options.LeaseDuration, target - owned);
            await using var reader = await acquire.ExecuteReaderAsync(cancellationToken);
            var taken = new List<(int, long)>();
            while (await reader.ReadAsync(cancellationToken)) taken.Add((reader.GetInt32(0), reader.GetInt64(1)));
            foreach (var (partition, epoch) in taken)
            {
                Volatile.Write(ref _owned[partition], new Lease(epoch, startedAt));
            }

            if (taken.Count > 0)
            {
                PartitionsAcquired?.Invoke(taken);
                LogAcquired(taken.Count, OwnedCount);
            }
        }
        else if (owned > target)
        {
            var extra = Enumerable.Range(0, _owned.Length).Where(p => _owned[p] is not null).Reverse().Take(owned - target).ToArray();
            foreach (var partition in extra)
            {
                Lose(partition); // stop serving and deactivate its grains before anyone else can take it
            }

            await using var release = new NpgsqlCommand(
                "update partitions set owner_silo = null, lease_expires_at = '-infinity' where owner_silo = $1 and partition = any($2)", connection);
            AddParameters(release, SiloId, extra);
            await release.ExecuteNonQueryAsync(cancellationToken);
            LogReleased(extra.Length, OwnedCount);
        }
    }

    private async Task RefreshMapAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var map = new string?[PartitionCount];
        await using var command = new NpgsqlCommand(
            """
            select p.partition, s.address from partitions p join silos s on s.silo_id = p.owner_silo
            where p.lease_expires_at > now() and s.status in ('active', 'leaving')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            int partition = reader.GetInt32(0);
            if (partition < map.Length) map[partition] = reader.GetString(1);
        }

        _map = map;
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private void DropStaleLeases()
    {
        for (int partition = 0; partition < _owned.Length; partition++)
        {
            if (_owned[partition] is { } lease && !_stalled && !IsFresh(lease)) Lose(partition);
        }
    }

    private void DropAll()
    {
        for (int partition = 0; partition < _owned.Length; partition++)
        {
            if (_owned[partition] is not null) Lose(partition);
        }
    }

    /// <summary>Stops serving a partition (exactly once per lease, whether the round or the watchdog sees it first).</summary>
    private void Lose(int partition)
    {
        var lease = Volatile.Read(ref _owned[partition]);
        if (lease is not null && Interlocked.CompareExchange(ref _owned[partition], null, lease) == lease)
        {
            LogSelfFenced(partition, lease.Epoch);
            PartitionLost?.Invoke(partition);
        }
    }

    private async Task EnsureClusterSettingsAsync(CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch();
        batch.BatchCommands.Add(Command("insert into cluster_settings (name, value) values ('partition_count', $1) on conflict (name) do nothing", PartitionCount.ToString()));
        batch.BatchCommands.Add(Command("select value from cluster_settings where name = 'partition_count'"));
        string stored;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            batch.Connection = connection;
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken); // the insert returns no result set
            await reader.ReadAsync(cancellationToken);
            stored = reader.GetString(0);
        }

        if (stored != PartitionCount.ToString())
        {
            throw new ClusterConfigurationException(
                $"Cluster:PartitionCount is {PartitionCount} but the cluster in this database uses {stored} partitions; every silo of a cluster must use the same count.");
        }

        await using var partitions = dataSource.CreateCommand("insert into partitions (partition) select g from generate_series(0, $1 - 1) g on conflict do nothing");
        partitions.Parameters.Add(new() { Value = PartitionCount });
        await partitions.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var stale = new NpgsqlCommand(
            "update silos set status = 'dead' where address = $1 and status in ('active', 'leaving') and heartbeat_at < now() - $2", connection, transaction))
        {
            AddParameters(stale, Address, options.DeadAfter);
            await stale.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var live = new NpgsqlCommand("select silo_id from silos where address = $1 and status in ('active', 'leaving')", connection, transaction))
        {
            AddParameters(live, Address);
            if (await live.ExecuteScalarAsync(cancellationToken) is string other)
            {
                throw new ClusterConfigurationException(
                    $"Cluster:AdvertisedAddress {Address} is already used by live silo {other}; give each silo its own address.");
            }
        }

        await using (var insert = new NpgsqlCommand("insert into silos (silo_id, address, status) values ($1, $2, 'active')", connection, transaction))
        {
            AddParameters(insert, SiloId, Address);
            try
            {
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new ClusterConfigurationException($"Cluster:AdvertisedAddress {Address} is already used by a live silo; give each silo its own address.");
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private async Task ExecuteAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        batch.Connection = connection;
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    private static void AddParameters(NpgsqlCommand command, params object[] parameters)
    {
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
    }

    private sealed record Lease(long Epoch, long RenewedAt);

    [LoggerMessage(1301, LogLevel.Information, "Silo {SiloId} joined the cluster at {Address} holding {Partitions} partitions")]
    private partial void LogJoined(string siloId, string address, int partitions);

    [LoggerMessage(1302, LogLevel.Information, "Silo {SiloId} left the cluster and handed over {Partitions} partitions")]
    private partial void LogLeft(string siloId, int partitions);

    [LoggerMessage(1303, LogLevel.Warning, "Declared silo {SiloId} at {Address} dead: its heartbeat stopped")]
    private partial void LogDeclaredDead(string siloId, string address);

    [LoggerMessage(1304, LogLevel.Error, "Silo {SiloId} was declared dead by the cluster; it stops serving every partition and only routes calls from now on (restart it to serve again)")]
    private partial void LogFoundDead(string siloId);

    [LoggerMessage(1305, LogLevel.Information, "Took {Count} partitions; now holding {Owned}")]
    private partial void LogAcquired(int count, int owned);

    [LoggerMessage(1306, LogLevel.Information, "Handed over {Count} partitions to rebalance; now holding {Owned}")]
    private partial void LogReleased(int count, int owned);

    [LoggerMessage(1308, LogLevel.Debug, "Stopped serving partition {Partition} (epoch {Epoch})")]
    private partial void LogSelfFenced(int partition, long epoch);

    [LoggerMessage(1307, LogLevel.Warning, "Membership round failed; leases not renewed in time are dropped")]
    private partial void LogLoopFailed(Exception exception);
}
