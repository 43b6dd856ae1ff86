using System.Collections.Concurrent;
using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.TestGrains;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Cluster;

/// <summary>Several silos on one PostgreSQL: fair shares, routing, failover after a kill, fencing of a stalled silo.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterTests(PostgresServerFixture postgres) : IAsyncLifetime
{
    private const int Partitions = 32;
    private readonly Probe _probe = new();
    private string _connectionString = "";
    private TestCluster? _cluster;

    public async Task InitializeAsync() => _connectionString = await postgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }

    /// <summary>Short leases so that failover takes seconds; the defaults are measured by the cluster benchmark.</summary>
    private TestClusterBuilder Builder() => new TestClusterBuilder()
        .UsePostgres(_connectionString)
        .ConfigureServices(s => s.AddSingleton(_probe))
        .ConfigureReminders(o => o.MinimumPeriod = TimeSpan.FromSeconds(1))
        .ConfigureCluster(o =>
        {
            o.PartitionCount = Partitions;
            o.LeaseDuration = TimeSpan.FromSeconds(3);
            o.RenewInterval = TimeSpan.FromMilliseconds(500);
            o.SelfFenceMargin = TimeSpan.FromSeconds(1);
            o.DeadAfter = TimeSpan.FromSeconds(3);
        });

    private async Task<TestCluster> StartAsync(int silos)
    {
        _cluster = await Builder().StartAsync(silos);
        await Eventually.TrueAsync(() => _cluster.Running.Sum(s => s.Membership.OwnedCount) == Partitions
                                         && _cluster.Running.All(s => s.Membership.OwnedCount >= Partitions / silos - 1), "the partitions are shared out");
        return _cluster;
    }

    private static string KeyServedBy(TestSilo silo, string prefix, int skip = 0, string grainType = nameof(CounterGrain)) =>
        Enumerable.Range(0, 10_000).Select(i => $"{prefix}-{i}").Where(k => silo.Serves(new GrainId(grainType, k))).Skip(skip).First();

    [Fact]
    public async Task Silos_share_the_partitions_fairly_and_a_grain_has_one_activation_whichever_silo_is_called()
    {
        var cluster = await StartAsync(3);

        foreach (var silo in cluster.Silos)
        {
            Assert.InRange(silo.Membership.OwnedCount, Partitions / 3 - 1, Partitions / 3 + 1);
        }

        var results = new List<int>();
        for (int i = 0; i < 9; i++)
        {
            results.Add(await cluster.Silos[i % 3].GrainFactory.GetGrain<ICounterGrain>("shared").Increment());
        }

        Assert.Equal(Enumerable.Range(1, 9), results);
        Assert.Equal(1, _probe.Count("activate:shared"));
        Assert.Equal(1, cluster.Silos.Sum(s => s.Statistics.ActivationsByGrainType[nameof(CounterGrain)]));
    }

    [Fact]
    public async Task An_exception_thrown_on_another_silo_keeps_its_type_and_message()
    {
        var cluster = await StartAsync(2);
        var remoteKey = KeyServedBy(cluster.Silos[1], "remote");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(remoteKey).Fail("declined on silo 2"));

        Assert.Equal("declined on silo 2", error.Message);
        Assert.Equal(0, cluster.Silos[0].Statistics.TotalActivations);
    }

    [Fact]
    public async Task A_call_waiting_on_another_silo_fails_at_once_when_the_calling_silo_is_killed()
    {
        var cluster = await StartAsync(2);
        var key = KeyServedBy(cluster.Silos[1], "held", grainType: nameof(TurnGrain));
        var call = cluster.Silos[0].GrainFactory.GetGrain<ITurnGrain>(key).Hold("forwarded");
        await _probe.WaitForAsync("enter:forwarded");

        await cluster.Silos[0].KillAsync();

        // Not the 30 s response timeout: the caller learns at once that nobody will answer.
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("ITurnGrain.Hold", error.Message);
        _probe.Open("forwarded");
    }

    [Fact]
    public async Task Every_grain_of_a_killed_silo_is_callable_again_elsewhere_with_its_last_acknowledged_state()
    {
        var cluster = await StartAsync(2);
        var (survivor, victim) = (cluster.Silos[0], cluster.Silos[1]);
        var keys = Enumerable.Range(0, 20).Select(i => KeyServedBy(victim, "victim", i)).ToList();
        foreach (var (key, index) in keys.Select((k, i) => (k, i)))
        {
            for (int n = 0; n <= index % 3; n++) await survivor.GrainFactory.GetGrain<ICounterGrain>(key).Increment();
        }

        await victim.KillAsync();

        foreach (var (key, index) in keys.Select((k, i) => (k, i)))
        {
            Assert.Equal(index % 3 + 1, await survivor.GrainFactory.GetGrain<ICounterGrain>(key).Get());
        }

        Assert.Equal(Partitions, survivor.Membership.OwnedCount);
    }

    [Fact]
    public async Task A_stalled_silo_that_wakes_after_its_lease_moved_cannot_overwrite_the_new_owners_state()
    {
        var cluster = await StartAsync(2);
        var (owner, stalled) = (cluster.Silos[0], cluster.Silos[1]);
        var key = KeyServedBy(stalled, "fenced");
        Assert.Equal(1, await stalled.GrainFactory.GetGrain<ICounterGrain>(key).Increment());

        stalled.Stall();
        await Eventually.TrueAsync(() => owner.Serves(new GrainId(nameof(CounterGrain), key)), "the partition moved to the live silo");
        Assert.Equal(2, await owner.GrainFactory.GetGrain<ICounterGrain>(key).Increment());

        // The stalled silo still believes it owns the partition and still has its activation (value 1) in memory.
        await Assert.ThrowsAsync<PartitionLeaseLostException>(() => stalled.GrainFactory.GetGrain<ICounterGrain>(key).Increment());
        Assert.Equal("2", await StoredValueAsync(key));

        await Eventually.TrueAsync(() => SiloStatusAsync(stalled.Membership.SiloId).Result == "dead", "the live silo declared the stalled one dead");
        stalled.Resume();
        await Eventually.TrueAsync(() => stalled.Membership.OwnedCount == 0, "the silo that found itself dead stops serving");
        Assert.Equal(0, stalled.Statistics.TotalActivations);
        Assert.Equal(3, await stalled.GrainFactory.GetGrain<ICounterGrain>(key).Increment());
        Assert.Equal("3", await StoredValueAsync(key));
    }

    [Fact]
    public async Task A_silo_that_cannot_renew_stops_serving_before_its_lease_expires()
    {
        var cluster = await StartAsync(2);
        var silo = cluster.Silos[1];
        var key = KeyServedBy(silo, "self-fence");
        var grain = new GrainId(nameof(CounterGrain), key);
        await silo.GrainFactory.GetGrain<ICounterGrain>(key).Increment();

        silo.PauseRenewals();
        await Eventually.TrueAsync(() => !silo.Serves(grain), "the silo stopped serving the partition");
        var leaseStillValid = await LeaseValidAsync(silo.Membership.SiloId, grain, silo);

        Assert.True(leaseStillValid, "it stopped serving while its lease was still valid in the database");
        await Eventually.TrueAsync(() => silo.Statistics.TotalActivations == 0, "its activations were deactivated");
        Assert.Equal(2, await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key).Increment());
    }

    [Fact]
    public async Task Reminders_owned_by_a_killed_silo_still_fire()
    {
        var cluster = await StartAsync(2);
        var (survivor, victim) = (cluster.Silos[0], cluster.Silos[1]);
        var key = Enumerable.Range(0, 10_000).Select(i => $"rem-{i}").First(k => victim.Serves(new GrainId(nameof(ReminderGrain), k)));
        await victim.GrainFactory.GetGrain<IReminderGrain>(key).Register("tick", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        await _probe.WaitUntilAsync(e => e.Any(x => x.StartsWith($"reminder:{key}:tick")), "the reminder fired on its first silo");

        await victim.KillAsync();
        int before = _probe.CountPrefix($"reminder:{key}:tick");

        await _probe.WaitUntilAsync(e => e.Count(x => x.StartsWith($"reminder:{key}:tick")) >= before + 2, "the reminder fires on the surviving silo");
        Assert.True(survivor.Serves(new GrainId(nameof(ReminderGrain), key)));
    }

    [Fact]
    public async Task A_graceful_stop_hands_its_partitions_over_at_once()
    {
        var cluster = await StartAsync(2);
        var (staying, leaving) = (cluster.Silos[0], cluster.Silos[1]);
        var key = KeyServedBy(leaving, "handover");
        await staying.GrainFactory.GetGrain<ICounterGrain>(key).Increment();

        var stopped = DateTime.UtcNow;
        await leaving.StopAsync();

        Assert.Equal(2, await staying.GrainFactory.GetGrain<ICounterGrain>(key).Increment());
        await Eventually.TrueAsync(() => staying.Membership.OwnedCount == Partitions, "the staying silo holds every partition");
        Assert.True(DateTime.UtcNow - stopped < TimeSpan.FromSeconds(3), "no waiting for the leases to expire");
    }

    [Fact]
    public async Task Concurrent_calls_during_a_kill_lose_no_acknowledged_write()
    {
        var cluster = await StartAsync(3);
        var callers = new[] { cluster.Silos[0], cluster.Silos[2] };
        var victim = cluster.Silos[1];
        var keys = Enumerable.Range(0, 30).Select(i => $"load-{i}").ToArray();
        var acknowledged = new ConcurrentDictionary<string, int>();
        var failed = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();

        var workers = Enumerable.Range(0, 12).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var key = keys[random.Next(keys.Length)];
                try
                {
                    await callers[w % 2].GrainFactory.GetGrain<ICounterGrain>(key).Increment();
                    acknowledged.AddOrUpdate(key, 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is TimeoutException or PartitionLeaseLostException or InconsistentStateException or SiloUnavailableException or RemoteGrainException)
                {
                    failed.AddOrUpdate(key, 1, (_, n) => n + 1);
                }
            }
        })).ToArray();

        await Eventually.TrueAsync(() => acknowledged.Values.Sum() > 300, "the load is running");
        await victim.KillAsync();
        int atKill = acknowledged.Values.Sum();
        await Eventually.TrueAsync(() => acknowledged.Values.Sum() > atKill + 300, "the load goes on after the failover", TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        foreach (var key in keys)
        {
            int stored = int.Parse(await StoredValueAsync(key) ?? "0");
            int acked = acknowledged.GetValueOrDefault(key);
            Assert.InRange(stored, acked, acked + failed.GetValueOrDefault(key));
        }
    }

    [Fact]
    public async Task A_silo_with_an_address_a_live_silo_uses_or_another_partition_count_refuses_to_start()
    {
        var cluster = await StartAsync(1);
        var address = cluster.Silos[0].Membership.Address;

        var duplicate = await Assert.ThrowsAsync<ClusterConfigurationException>(() =>
            Builder().ConfigureCluster(o => o.AdvertisedAddress = address).StartAsync());
        var mismatch = await Assert.ThrowsAsync<ClusterConfigurationException>(() =>
            Builder().ConfigureCluster(o => o.PartitionCount = 64).StartAsync());

        Assert.Contains(address, duplicate.Message);
        Assert.Contains("Cluster:AdvertisedAddress", duplicate.Message);
        Assert.Contains("Cluster:PartitionCount is 64", mismatch.Message);
        Assert.Contains("uses 32", mismatch.Message);
    }

    [Fact]
    public async Task A_cluster_client_routes_calls_to_the_silos_and_hosts_no_grain()
    {
        var cluster = await StartAsync(2);
        await using var client = await Builder().ConfigureRuntime(r => r.AsClusterClient()).StartAsync();

        Assert.Equal(1, await client.GrainFactory.GetGrain<ICounterGrain>("via-client").Increment());
        Assert.Equal(2, await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>("via-client").Increment());
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GrainFactory.GetGrain<ICounterGrain>("via-client").Fail("through the client"));

        Assert.Equal(0, client.Primary.Statistics.TotalActivations);
        Assert.Equal(Partitions, cluster.Silos.Sum(s => s.Membership.OwnedCount));
    }

    [Fact]
    public async Task Statistics_are_queryable_cluster_wide()
    {
        var cluster = await StartAsync(2);
        await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(KeyServedBy(cluster.Silos[0], "stats")).Increment();
        await cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(KeyServedBy(cluster.Silos[1], "stats")).Increment();

        var statistics = await cluster.Silos[0].Host.Services.GetRequiredService<IClusterStatisticsProvider>().GetClusterStatisticsAsync(default);

        var live = statistics.Silos.Where(s => s.Status == "active").ToList();
        Assert.Equal(2, live.Count);
        Assert.All(live, s => Assert.NotNull(s.Runtime));
        Assert.Equal(Partitions, live.Sum(s => s.Partitions));
        Assert.Equal(2, statistics.ActivationsByGrainType[nameof(CounterGrain)]);
        Assert.Equal([1, 1], live.Select(s => s.Runtime!.ActivationsByGrainType[nameof(CounterGrain)]));
        Assert.True(statistics.TotalCalls >= 2);
    }

    private async Task<bool> LeaseValidAsync(string siloId, GrainId grain, TestSilo silo)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select lease_expires_at > now() from partitions where partition = $1 and owner_silo = $2", connection)
        {
            Parameters = { new() { Value = silo.Runtime.Placement.PartitionOf(grain) }, new() { Value = siloId } },
        };
        return await command.ExecuteScalarAsync() is true;
    }

    private async Task<string?> SiloStatusAsync(string siloId)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select status from silos where silo_id = $1", connection) { Parameters = { new() { Value = siloId } } };
        return await command.ExecuteScalarAsync() as string;
    }

    private async Task<string?> StoredValueAsync(string key)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select payload->>'value' from grain_state where grain_key = $1", connection) { Parameters = { new() { Value = key } } };
        return await command.ExecuteScalarAsync() as string;
    }
}
