using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Arbitrage.Orleans.Bench.Grains;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Runtime.Cluster;
using Arbitrage.Orleans.Runtime.Internal;
using Arbitrage.Orleans.Runtime.Storage;
using Arbitrage.Orleans.Silo.Hosting;
using Npgsql;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// Several in-process silos on one PostgreSQL (fsync on), with the default cluster settings: (1) failover: 10,000
/// grains of a silo that is hard-killed, each called from the survivor until it answers, timed from the kill, and
/// their state checked; (2) cross-silo no-op calls over loopback HTTP/2 with 100 in flight, with a breakdown of where
/// the time goes; (3) chaos: 3 silos under a steady increment load, one killed every 30 s and replaced, then every
/// acknowledged write and the lease epochs of the writes checked against the rows in PostgreSQL.
/// Options: --failover-grains (10000), --failover-in-flight (200), --cross-silo-grains (100), --seconds (5),
/// --warmup-seconds (5), --breakdown-seconds (3), --chaos-minutes (5), --chaos-kill-every-seconds (30),
/// --chaos-recovery-seconds (20), --chaos-grains (1000), --chaos-in-flight (64); flags --skip-failover,
/// --skip-cross-silo, --skip-chaos.
/// </summary>
internal sealed class ClusterSuite : ISuite
{
    private const double TargetFailoverP95Seconds = 10;
    private const double TargetCrossSiloCallsPerSecond = 30_000;
    private const double TargetCrossSiloP99Ms = 5;
    private const int ChaosSilos = 3;
    private static readonly Type[] GrainClasses = [typeof(ClusterGrain)];
    private static readonly string GrainType = nameof(ClusterGrain);

    /// <summary>
    /// A call that has not completed this long after it began is abandoned by the bench: the runtime's response
    /// timeout (30 s, swept every second) should have ended it before.
    /// </summary>
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(35);

    private int _siloNumber;

    public string Name => "cluster";

    public string Description => "failover after a silo is killed, cross-silo calls over loopback HTTP/2, chaos with a kill every 30 s (PostgreSQL, default cluster settings)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release")
        {
            context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        }

        var defaults = new ClusterOptions();
        result.Add("partition_count", defaults.PartitionCount)
            .Add("lease_duration_s", defaults.LeaseDuration.TotalSeconds)
            .Add("renew_interval_s", defaults.RenewInterval.TotalSeconds)
            .Add("self_fence_margin_s", defaults.SelfFenceMargin.TotalSeconds)
            .Add("dead_after_s", defaults.DeadAfter.TotalSeconds);
        context.Log($"Cluster settings (defaults): {defaults.PartitionCount} partitions, lease {defaults.LeaseDuration.TotalSeconds:0.#} s renewed every {defaults.RenewInterval.TotalSeconds:0.#} s, self-fence margin {defaults.SelfFenceMargin.TotalSeconds:0.#} s, dead after {defaults.DeadAfter.TotalSeconds:0.#} s.");

        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("Starting a throwaway PostgreSQL (fsync on) ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);

        var warnings = new List<string>();
        if (!context.Flag("skip-failover"))
        {
            await MeasureFailoverAsync(context, result, warnings, postgres.ConnectionString,
                (int)context.Option("failover-grains", 10_000), (int)context.Option("failover-in-flight", 200));
        }

        if (!context.Flag("skip-cross-silo"))
        {
            await MeasureCrossSiloAsync(context, result, warnings, postgres.ConnectionString,
                (int)context.Option("cross-silo-grains", 100),
                TimeSpan.FromSeconds(context.Option("warmup-seconds", 5)),
                TimeSpan.FromSeconds(context.Option("seconds", 5)),
                TimeSpan.FromSeconds(context.Option("breakdown-seconds", 3)));
        }

        if (!context.Flag("skip-chaos"))
        {
            await RunChaosAsync(context, result, warnings, postgres.ConnectionString,
                TimeSpan.FromMinutes(context.Option("chaos-minutes", 5)),
                TimeSpan.FromSeconds(context.Option("chaos-kill-every-seconds", 30)),
                TimeSpan.FromSeconds(context.Option("chaos-recovery-seconds", 20)),
                (int)context.Option("chaos-grains", 1_000),
                (int)context.Option("chaos-in-flight", 64));
        }

        var missed = new List<string>();
        context.Log("Figures against the targets:");
        Check(context, result, missed, "failover_p95_s", TargetFailoverP95Seconds, higherIsBetter: false, "s");
        Check(context, result, missed, "failover_state_mismatches", 0, higherIsBetter: false, "grains");
        Check(context, result, missed, "cross_silo_calls_per_s", TargetCrossSiloCallsPerSecond, higherIsBetter: true, "calls/s");
        Check(context, result, missed, "cross_silo_p99_ms", TargetCrossSiloP99Ms, higherIsBetter: false, "ms");
        Check(context, result, missed, "chaos_lost_acknowledged_writes", 0, higherIsBetter: false, "writes");
        Check(context, result, missed, "chaos_fencing_violations", 0, higherIsBetter: false, "writes");
        Check(context, result, missed, "chaos_unexplained_extra_writes", 0, higherIsBetter: false, "writes");
        result.Add("targets_missed", missed);
        result.Add("warnings", warnings);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        foreach (var warning in warnings) context.Log("WARNING: " + warning);
        return result;
    }

    // ---- 1. Failover -----------------------------------------------------------------------------------------

    private async Task MeasureFailoverAsync(SuiteContext context, BenchResult result, List<string> warnings, string server, int count, int inFlight)
    {
        var ct = context.CancellationToken;
        var connectionString = await BenchDatabases.CreateAsync(server, "bench_failover", ct);
        context.Log("[failover] Starting 2 silos on a fresh database ...");
        var silos = new List<InProcessSilo>();
        try
        {
            var survivor = await StartSiloAsync(connectionString, ct);
            silos.Add(survivor);
            var victim = await StartSiloAsync(connectionString, ct);
            silos.Add(victim);
            await WaitForSharesAsync(context, "failover", silos);

            var keys = KeysServedBy(victim, "fo-", count);
            context.Log($"[failover] Writing once to each of {count:N0} grains served by {victim} (called from {survivor}, {inFlight} in flight) ...");
            var setup = await Load.BoundedAsync(count, inFlight, async i =>
            {
                var written = await survivor.GrainFactory.GetGrain<IClusterGrain>(keys[i]).Increment();
                if (written.Value != 1) throw new InvalidOperationException($"Grain {keys[i]} wrote {written.Value}, expected 1 on a fresh database.");
            });
            int victimActivations = victim.Statistics.TotalActivations, survivorActivations = survivor.Statistics.TotalActivations;
            context.Log($"[failover] {count:N0} writes acknowledged in {setup.Elapsed.TotalSeconds:0.00} s ({setup.CallsPerSecond:N0}/s, p99 {setup.Latency!.PercentileMs(0.99):0.#} ms); activations: {victim} {victimActivations:N0}, {survivor} {survivorActivations:N0}");
            if (victimActivations != count || survivorActivations != 0)
            {
                throw new InvalidOperationException($"Expected {count} activations on the victim and none on the survivor, found {victimActivations} and {survivorActivations}.");
            }

            var (leaseMin, leaseMax) = await LeaseRemainingAsync(connectionString, victim.Membership.SiloId, ct);
            context.Log($"[failover] {victim}'s leases expire in {leaseMin:0.00} to {leaseMax:0.00} s (database clock). Killing {victim} (no goodbye, no lease release) ...");
            long killedAt = Stopwatch.GetTimestamp();
            await victim.KillAsync();
            double killSeconds = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;

            // When the survivor holds every partition, seen from outside (polled every 50 ms).
            using var watching = new CancellationTokenSource();
            var allTaken = Task.Run(async () =>
            {
                while (survivor.OwnedCount < ClusterPartitions && !watching.IsCancellationRequested) await Task.Delay(50, CancellationToken.None);
                return Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
            }, CancellationToken.None);

            context.Log($"[failover] Killed in {killSeconds * 1000:0} ms; calling each of the {count:N0} grains from {survivor} until it answers ({inFlight} in flight) ...");
            var firstSuccess = new double[count];
            var attempts = new int[count];
            int mismatches = 0;
            var failures = new ConcurrentDictionary<string, int>();
            int next = -1;
            using var progress = StartTicker(TimeSpan.FromSeconds(2), () =>
            {
                int done = firstSuccess.Count(s => s > 0);
                context.Log($"[failover]   {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s after the kill: {done:N0} of {count:N0} grains answered; {survivor} holds {survivor.OwnedCount} partitions; failed attempts {failures.Values.Sum()}");
            });
            var workers = Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < count)
                {
                    var grain = survivor.GrainFactory.GetGrain<IClusterGrain>(keys[index]);
                    while (true)
                    {
                        attempts[index]++;
                        try
                        {
                            int value = await WithDeadline(grain.Get());
                            firstSuccess[index] = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
                            if (value != 1) Interlocked.Increment(ref mismatches);
                            break;
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            failures.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                            await Task.Delay(20, CancellationToken.None);
                        }
                    }
                }
            }, CancellationToken.None)).ToArray();
            await Task.WhenAll(workers);
            progress.Dispose();
            double lastSuccess = Stopwatch.GetElapsedTime(killedAt).TotalSeconds;
            await watching.CancelAsync();
            double allTakenSeconds = await allTaken.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

            Array.Sort(firstSuccess);
            double p50 = Percentile(firstSuccess, 0.50), p95 = Percentile(firstSuccess, 0.95), max = firstSuccess[^1], min = firstSuccess[0];
            int survivorNow = survivor.Statistics.TotalActivations;
            context.Log($"[failover] Every grain answered: first success after the kill min {min:0.00} s, p50 {p50:0.00} s, p95 {p95:0.00} s, max {max:0.00} s; "
                + $"{survivor} held all {ClusterPartitions} partitions {allTakenSeconds:0.00} s after the kill; {mismatches} state mismatches; "
                + $"failed attempts: {(failures.IsEmpty ? "none" : string.Join(", ", failures.Select(f => $"{f.Key} {f.Value}")))}; {survivor} now has {survivorNow:N0} activations");

            result.Add("failover_grains", count)
                .Add("failover_in_flight", inFlight)
                .Add("failover_lease_remaining_at_kill_min_s", Math.Round(leaseMin, 2))
                .Add("failover_lease_remaining_at_kill_max_s", Math.Round(leaseMax, 2))
                .Add("failover_min_s", Math.Round(min, 3))
                .Add("failover_p50_s", Math.Round(p50, 3))
                .Add("failover_p95_s", Math.Round(p95, 3))
                .Add("failover_max_s", Math.Round(max, 3))
                .Add("failover_all_partitions_taken_s", Math.Round(allTakenSeconds, 3))
                .Add("failover_all_grains_answered_s", Math.Round(lastSuccess, 3))
                .Add("failover_state_mismatches", mismatches)
                .Add("failover_failed_attempts", failures.Values.Sum())
                .Add("failover_failed_attempts_by_type", failures.OrderBy(f => f.Key).Select(f => $"{f.Key}: {f.Value}").ToList());
            if (survivorNow != count) warnings.Add($"failover: the survivor has {survivorNow} activations after the failover, expected {count}.");

            context.Log($"[failover] Stopping {survivor} ...");
        }
        finally
        {
            await StopAllAsync(silos);
        }
    }

    private static async Task<(double Min, double Max)> LeaseRemainingAsync(string connectionString, string siloId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "select extract(epoch from min(lease_expires_at) - now())::float8, extract(epoch from max(lease_expires_at) - now())::float8 from partitions where owner_silo = $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = siloId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetDouble(0), reader.GetDouble(1));
    }

    // ---- 2. Cross-silo calls ---------------------------------------------------------------------------------

    private async Task MeasureCrossSiloAsync(SuiteContext context, BenchResult result, List<string> warnings, string server, int grainCount,
        TimeSpan warmup, TimeSpan measure, TimeSpan breakdown)
    {
        var ct = context.CancellationToken;
        var connectionString = await BenchDatabases.CreateAsync(server, "bench_cross_silo", ct);
        context.Log("[cross-silo] Starting 2 silos on a fresh database ...");
        var silos = new List<InProcessSilo>();
        try
        {
            var a = await StartSiloAsync(connectionString, ct);
            silos.Add(a);
            var b = await StartSiloAsync(connectionString, ct);
            silos.Add(b);
            await WaitForSharesAsync(context, "cross-silo", silos);

            var keys = KeysServedBy(b, "x-", grainCount);
            var remote = keys.Select(k => new PingCall(a.GrainFactory.GetGrain<IClusterGrain>(k))).ToArray();
            foreach (var call in remote) await call.InvokeAsync();
            if (b.Statistics.TotalActivations != grainCount || a.Statistics.TotalActivations != 0)
            {
                throw new InvalidOperationException($"Expected {grainCount} activations on {b} and none on {a}, found {b.Statistics.TotalActivations} and {a.Statistics.TotalActivations}.");
            }

            context.Log($"[cross-silo] {grainCount} grains active on {b}; {a} calls Ping ([ReadOnly], no-op) on them, {grainCount} closed loops. Warm-up {warmup.TotalSeconds:0.#} s ...");
            await Load.ClosedLoopAsync(remote, warmup, recordLatency: false);
            CollectGarbage();
            var main = await RunMeasuredAsync(context, "cross-silo", $"{a} -> {b}, {grainCount} in flight", remote, measure);
            var l = main.Run.Latency!;
            result.Add("cross_silo_grains", grainCount)
                .Add("cross_silo_measure_s", measure.TotalSeconds)
                .Add("cross_silo_calls_per_s", Math.Round(main.Run.CallsPerSecond))
                .Add("cross_silo_p50_ms", BenchEnvironment.Significant(l.PercentileMs(0.50)))
                .Add("cross_silo_p99_ms", BenchEnvironment.Significant(l.PercentileMs(0.99)))
                .Add("cross_silo_p999_ms", BenchEnvironment.Significant(l.PercentileMs(0.999)))
                .Add("cross_silo_max_ms", BenchEnvironment.Significant(l.MaxMs))
                .Add("cross_silo_min_calls_per_loop", main.Run.CallsPerLoop.Min())
                .Add("cross_silo_max_calls_per_loop", main.Run.CallsPerLoop.Max())
                .Add("cross_silo_cpu_us_per_call", Math.Round(main.CpuMicrosecondsPerCall, 1))
                .Add("cross_silo_allocated_bytes_per_call", Math.Round(main.Run.AllocatedBytesPerCall))
                .Add("cross_silo_gc_pause_percent", Math.Round(main.GcPausePercent, 1))
                .Add("cross_silo_gc_mean_pause_ms", Math.Round(main.GcMeanPauseMs, 2))
                .Add("cross_silo_gen2_collections", main.Gen2);

            // Where the time goes: the same 100 calls with fewer layers each time.
            context.Log($"[cross-silo] Breakdown ({breakdown.TotalSeconds:0.#} s each): 1 in flight; then {grainCount} in flight through fewer layers ...");
            var single = await RunMeasuredAsync(context, "cross-silo", $"{a} -> {b}, 1 in flight", [remote[0]], breakdown);
            result.Add("cross_silo_p50_ms_1_in_flight", BenchEnvironment.Significant(single.Run.Latency!.PercentileMs(0.50)))
                .Add("cross_silo_p99_ms_1_in_flight", BenchEnvironment.Significant(single.Run.Latency!.PercentileMs(0.99)))
                .Add("cross_silo_calls_per_s_1_in_flight", Math.Round(single.Run.CallsPerSecond))
                .Add("cross_silo_cpu_us_per_call_1_in_flight", Math.Round(single.CpuMicrosecondsPerCall, 1));

            var signature = GrainMethodInvoker.SignatureOf(typeof(IClusterGrain).GetMethod(nameof(IClusterGrain.Ping))!);
            var client = a.Runtime.RemoteClient;
            string address = b.Membership.Address;
            var direct = keys.Select(k => new RemoteClientCall(client, address, new RemoteCallMessage(GrainType, k, signature, []))).ToArray();
            var viaClient = await RunMeasuredAsync(context, "cross-silo", "RemoteSiloClient.CallAsync straight to the owner (no caller-side dispatch)", direct, breakdown);

            var local = keys.Select(k => new PingCall(b.GrainFactory.GetGrain<IClusterGrain>(k))).ToArray();
            var onOwner = await RunMeasuredAsync(context, "cross-silo", $"local calls on {b} (no network)", local, breakdown);

            double total = main.CpuMicrosecondsPerCall, clientCpu = viaClient.CpuMicrosecondsPerCall;
            context.Log($"[cross-silo] CPU per call: full cross-silo call {total:0.0} us = transport and owner-side runtime {clientCpu:0.0} us"
                + $" + caller-side dispatch {total - clientCpu:0.0} us; a local call costs {onOwner.CpuMicrosecondsPerCall:0.00} us."
                + $" With {Environment.ProcessorCount} cores the CPU alone caps the rate at about {Environment.ProcessorCount * 1e6 / total:N0} calls/s.");
            result.Add("breakdown_remote_client_calls_per_s", Math.Round(viaClient.Run.CallsPerSecond))
                .Add("breakdown_remote_client_p99_ms", BenchEnvironment.Significant(viaClient.Run.Latency!.PercentileMs(0.99)))
                .Add("breakdown_remote_client_cpu_us_per_call", Math.Round(clientCpu, 1))
                .Add("breakdown_remote_client_gc_pause_percent", Math.Round(viaClient.GcPausePercent, 1))
                .Add("breakdown_remote_client_gc_mean_pause_ms", Math.Round(viaClient.GcMeanPauseMs, 2))
                .Add("breakdown_local_calls_per_s", Math.Round(onOwner.Run.CallsPerSecond))
                .Add("breakdown_local_cpu_us_per_call", Math.Round(onOwner.CpuMicrosecondsPerCall, 2))
                .Add("breakdown_caller_side_dispatch_cpu_us_per_call", Math.Round(total - clientCpu, 1));

            if (StarvedLoops(main.Run) is var starved and > 0)
            {
                warnings.Add($"cross_silo_unfair: {starved} of {grainCount} calling loops completed under a tenth of the mean calls per loop.");
            }

            context.Log($"[cross-silo] Stopping {a} and {b} ...");
        }
        finally
        {
            await StopAllAsync(silos);
        }
    }

    /// <summary>What one measured closed-loop run did, with the process's CPU time and garbage-collection pauses over it.</summary>
    private sealed record Measured(LoadResult Run, double CpuMicrosecondsPerCall, double GcPausePercent, double GcMeanPauseMs, int Gen0, int Gen1, int Gen2);

    private static async Task<Measured> RunMeasuredAsync<TOperation>(
        SuiteContext context, string phase, string label, IReadOnlyList<TOperation> calls, TimeSpan duration) where TOperation : IOperation
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var pauseBefore = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
        var run = await Load.ClosedLoopAsync(calls, duration, recordLatency: true);
        process.Refresh();
        var pause = GC.GetTotalPauseDuration() - pauseBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        gen1 = GC.CollectionCount(1) - gen1;
        gen2 = GC.CollectionCount(2) - gen2;
        double cpu = (process.TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, run.Calls);
        var measured = new Measured(run, cpu, 100 * pause / run.Elapsed, pause.TotalMilliseconds / Math.Max(1, gen0), gen0, gen1, gen2);
        var l = run.Latency!;
        context.Log($"[{phase}] {label}: {run.Calls:N0} calls in {run.Elapsed.TotalSeconds:0.00} s = {run.CallsPerSecond:N0} calls/s; p50 {l.PercentileMs(0.5):0.###} ms, p99 {l.PercentileMs(0.99):0.###} ms, p99.9 {l.PercentileMs(0.999):0.###} ms, max {l.MaxMs:0.#} ms; "
            + $"CPU {cpu:0.0} us/call (process, all threads), {run.AllocatedBytesPerCall:N0} bytes allocated/call; GC: {gen0}/{gen1}/{gen2} collections (gen0/1/2), paused {measured.GcPausePercent:0.0} % of the time, {measured.GcMeanPauseMs:0.0} ms per collection; "
            + $"calls per loop min {run.CallsPerLoop.Min():N0} / max {run.CallsPerLoop.Max():N0}");
        return measured;
    }

    private readonly struct PingCall(IClusterGrain grain) : IOperation
    {
        public Task InvokeAsync() => grain.Ping();
    }

    private readonly struct RemoteClientCall(RemoteSiloClient client, string address, RemoteCallMessage message) : IOperation
    {
        public async Task InvokeAsync()
        {
            var answer = await client.CallAsync(address, message, CancellationToken.None);
            if (answer.NotServed || answer.ErrorType is not null) throw new InvalidOperationException($"The owner answered {answer}.");
        }
    }

    // ---- 3. Chaos --------------------------------------------------------------------------------------------

    private async Task RunChaosAsync(SuiteContext context, BenchResult result, List<string> warnings, string server,
        TimeSpan duration, TimeSpan killEvery, TimeSpan recovery, int grainCount, int inFlight)
    {
        var ct = context.CancellationToken;
        var connectionString = await BenchDatabases.CreateAsync(server, "bench_chaos", ct);
        context.Log($"[chaos] Starting {ChaosSilos} silos on a fresh database ...");
        var everyone = new List<InProcessSilo>();
        var live = new LiveSilos();
        try
        {
            for (int i = 0; i < ChaosSilos; i++) everyone.Add(await StartSiloAsync(connectionString, ct));
            live.Silos = [.. everyone];
            await WaitForSharesAsync(context, "chaos", everyone);

            var keys = Enumerable.Range(0, grainCount).Select(i => "c-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var acknowledged = new int[grainCount];
            var failed = new int[grainCount];
            var failures = new ConcurrentDictionary<string, long>();
            var acksPerSecond = new long[(int)(duration + recovery).TotalSeconds + 120];
            var writes = new List<(int Grain, int Value, long Epoch)>[inFlight];
            var latencies = new LatencyRecorder[inFlight];
            using var stop = new CancellationTokenSource();
            var stopwatch = Stopwatch.StartNew();

            var workers = Enumerable.Range(0, inFlight).Select(w =>
            {
                var mine = writes[w] = new List<(int, int, long)>(1 << 14);
                var recorder = latencies[w] = new LatencyRecorder();
                return Task.Run(async () =>
                {
                    var random = new Random(1_000 + w);
                    while (!stop.IsCancellationRequested)
                    {
                        var silos = live.Silos;
                        var silo = silos[random.Next(silos.Length)];
                        int grain = random.Next(grainCount);
                        long t0 = Stopwatch.GetTimestamp();
                        try
                        {
                            var written = await WithDeadline(silo.GrainFactory.GetGrain<IClusterGrain>(keys[grain]).Increment());
                            recorder.Record(Stopwatch.GetTimestamp() - t0);
                            Interlocked.Increment(ref acknowledged[grain]);
                            mine.Add((grain, written.Value, written.Epoch));
                            int second = (int)stopwatch.Elapsed.TotalSeconds;
                            if (second < acksPerSecond.Length) Interlocked.Increment(ref acksPerSecond[second]);
                        }
                        catch (Exception e)
                        {
                            Interlocked.Increment(ref failed[grain]);
                            // A call made through a silo that was killed meanwhile would have died with that process.
                            failures.AddOrUpdate(e.GetType().Name + (silo.IsRunning ? "" : " (caller's silo killed)"), 1, (_, n) => n + 1);
                        }
                    }
                }, CancellationToken.None);
            }).ToArray();

            context.Log($"[chaos] Load: {inFlight} callers incrementing {grainCount:N0} grains through whichever silos are alive, for {duration.TotalMinutes:0.##} min with a kill every {killEvery.TotalSeconds:0} s, then {recovery.TotalSeconds:0} s to recover.");
            var rng = new Random(42);
            int kills = 0, replacementFailures = 0;
            var killLog = new List<string>();
            var nextKill = killEvery;
            var nextReport = TimeSpan.FromSeconds(10);
            long reportedAcks = 0;
            var reportedAt = TimeSpan.Zero;
            while (stopwatch.Elapsed < duration + recovery)
            {
                ct.ThrowIfCancellationRequested();
                if (stopwatch.Elapsed >= nextKill && nextKill <= duration)
                {
                    nextKill += killEvery;
                    var victim = live.Silos[rng.Next(live.Silos.Length)];
                    live.Silos = live.Silos.Where(s => s != victim).ToArray();
                    await victim.KillAsync();
                    kills++;
                    var killedAt = stopwatch.Elapsed;
                    InProcessSilo? replacement = null;
                    try
                    {
                        replacement = await StartSiloAsync(connectionString, ct);
                        everyone.Add(replacement);
                        live.Silos = [.. live.Silos, replacement];
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        replacementFailures++;
                        context.Log($"[chaos] Starting a replacement failed: {e.GetType().Name}: {e.Message}");
                    }

                    var line = $"{killedAt.TotalSeconds:0.0} s: killed {victim}, {(replacement is null ? "no replacement" : $"started {replacement} in {(stopwatch.Elapsed - killedAt).TotalSeconds:0.0} s")}";
                    killLog.Add(line);
                    context.Log($"[chaos] Kill {kills} at {line}; alive {Describe(live.Silos)}");
                }

                if (stopwatch.Elapsed >= nextReport)
                {
                    long acks = acknowledged.Sum(x => (long)x);
                    var now = stopwatch.Elapsed;
                    context.Log($"[chaos]   {now.TotalSeconds:0} s: {acks:N0} acknowledged ({(acks - reportedAcks) / (now - reportedAt).TotalSeconds:N0}/s over the last {(now - reportedAt).TotalSeconds:0} s), {failed.Sum():N0} failed; alive {Describe(live.Silos)}");
                    reportedAcks = acks;
                    reportedAt = now;
                    nextReport += TimeSpan.FromSeconds(10);
                }

                await Task.Delay(100, ct);
            }

            context.Log("[chaos] Stopping the load (callers finish their current call) ...");
            await stop.CancelAsync();
            double loadSeconds = stopwatch.Elapsed.TotalSeconds;
            await Task.WhenAll(workers);
            context.Log($"[chaos] The last calls ended {stopwatch.Elapsed.TotalSeconds - loadSeconds:0.0} s after the load stopped.");
            context.Log($"[chaos] Stopping the {live.Silos.Length} live silos gracefully, then reading every row ...");
            await StopAllAsync(everyone);

            var stored = await ReadChaosRowsAsync(connectionString, ct);
            var check = CheckChaos(grainCount, acknowledged, failed, writes, stored);
            var latency = LatencyRecorder.Merged(latencies);
            long totalAcks = acknowledged.Sum(x => (long)x), totalFailed = failed.Sum(x => (long)x);
            int measuredSeconds = Math.Min((int)loadSeconds, acksPerSecond.Length);
            int zeroSeconds = acksPerSecond.Take(measuredSeconds).Count(x => x == 0);
            long worstSecond = acksPerSecond.Take(measuredSeconds).Min();
            context.Log($"[chaos] {kills} kills, {totalAcks:N0} acknowledged increments ({totalAcks / loadSeconds:N0}/s), {totalFailed:N0} failed calls: {(failures.IsEmpty ? "none" : string.Join(", ", failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value:N0}")))}");
            context.Log($"[chaos] Acknowledged increment latency p50 {latency.PercentileMs(0.5):0.#} ms, p99 {latency.PercentileMs(0.99):0.#} ms, max {latency.MaxMs:0} ms; seconds without any acknowledged write: {zeroSeconds}; worst second {worstSecond:N0} acks");
            context.Log($"[chaos] Against the rows: {check.Rows:N0} rows; lost acknowledged writes {check.Lost} (grains {check.GrainsWithLoss}); stored above acknowledged {check.Extra:N0} (all explained by failed calls but {check.Unexplained}); "
                + $"stored value below the highest acknowledged value on {check.StoredBelowMaxAck} grains; acknowledged values reported twice {check.DuplicateAcks}; "
                + $"fencing violations {check.FencingViolations} (acknowledged sequence {check.AckEpochRegressions}, stored epoch history {check.StoredEpochRegressions}, counted by the grains {check.InGrainRegressions}); epochs seen per grain up to {check.MaxEpochChanges}");

            result.Add("chaos_minutes", duration.TotalMinutes)
                .Add("chaos_kill_every_s", killEvery.TotalSeconds)
                .Add("chaos_recovery_s", recovery.TotalSeconds)
                .Add("chaos_silos", ChaosSilos)
                .Add("chaos_grains", grainCount)
                .Add("chaos_in_flight", inFlight)
                .Add("chaos_kills", kills)
                .Add("chaos_replacement_start_failures", replacementFailures)
                .Add("chaos_acknowledged_writes", totalAcks)
                .Add("chaos_failed_calls", totalFailed)
                .Add("chaos_failed_calls_by_type", failures.OrderBy(f => f.Key).Select(f => $"{f.Key}: {f.Value}").ToList())
                .Add("chaos_lost_acknowledged_writes", check.Lost)
                .Add("chaos_extra_stored_writes", check.Extra)
                .Add("chaos_unexplained_extra_writes", check.Unexplained)
                .Add("chaos_grains_stored_below_max_acknowledged_value", check.StoredBelowMaxAck)
                .Add("chaos_duplicate_acknowledged_values", check.DuplicateAcks)
                .Add("chaos_fencing_violations", check.FencingViolations)
                .Add("chaos_fencing_violations_in_acknowledged_sequence", check.AckEpochRegressions)
                .Add("chaos_fencing_violations_in_stored_history", check.StoredEpochRegressions)
                .Add("chaos_epoch_regressions_counted_by_grains", check.InGrainRegressions)
                .Add("chaos_max_epochs_per_grain", check.MaxEpochChanges)
                .Add("chaos_acknowledged_per_s", Math.Round(totalAcks / loadSeconds))
                .Add("chaos_p50_ms", BenchEnvironment.Significant(latency.PercentileMs(0.5)))
                .Add("chaos_p99_ms", BenchEnvironment.Significant(latency.PercentileMs(0.99)))
                .Add("chaos_max_ms", BenchEnvironment.Significant(latency.MaxMs))
                .Add("chaos_seconds_without_acknowledged_write", zeroSeconds)
                .Add("chaos_worst_second_acknowledged_writes", worstSecond)
                .Add("chaos_kill_log", killLog);
            foreach (var (kind, n) in failures.Where(f => f.Key.StartsWith(nameof(AbandonedCallException), StringComparison.Ordinal)))
            {
                warnings.Add($"chaos: {n} calls ({kind}) neither completed nor failed within {CallDeadline.TotalSeconds:0} s although the runtime's response timeout is 30 s; see docs/PERFORMANCE.md (Cluster).");
            }
        }
        finally
        {
            await StopAllAsync(everyone);
        }
    }

    /// <summary>The silos callers may use now; replaced whole, never changed in place.</summary>
    private sealed class LiveSilos
    {
        private volatile InProcessSilo[] _silos = [];

        public InProcessSilo[] Silos
        {
            get => _silos;
            set => _silos = value;
        }
    }

    private static string Describe(IEnumerable<InProcessSilo> silos) => string.Join(" ", silos.Select(s => $"{s}({s.OwnedCount})"));

    private sealed record StoredCounter(int Value, long LastEpoch, int EpochRegressions, List<long[]> EpochChanges);

    private static async Task<Dictionary<string, StoredCounter>> ReadChaosRowsAsync(string connectionString, CancellationToken ct)
    {
        var rows = new Dictionary<string, StoredCounter>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("select grain_key, payload::text from grain_state where grain_type = $1 and state_name = 'counter'", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = GrainType });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var state = JsonSerializer.Deserialize<ClusterState>(reader.GetString(1), GrainStateSerializer.Options)!;
            rows[reader.GetString(0)] = new StoredCounter(state.Value, state.LastEpoch, state.EpochRegressions, state.EpochChanges);
        }

        return rows;
    }

    private sealed record ChaosCheck(
        int Rows, long Lost, int GrainsWithLoss, long Extra, long Unexplained, int StoredBelowMaxAck, long DuplicateAcks,
        long FencingViolations, long AckEpochRegressions, long StoredEpochRegressions, long InGrainRegressions, int MaxEpochChanges);

    /// <summary>
    /// Per grain: acknowledged increments against the stored counter; the acknowledged (value, epoch) pairs in value
    /// order, where an epoch lower than an earlier write's is a stale owner writing after a newer one; and the same
    /// in the epoch history the row itself carries.
    /// </summary>
    private static ChaosCheck CheckChaos(int grainCount, int[] acknowledged, int[] failed, List<(int Grain, int Value, long Epoch)>[] writes, Dictionary<string, StoredCounter> stored)
    {
        var byGrain = new List<(int Value, long Epoch)>[grainCount];
        for (int g = 0; g < grainCount; g++) byGrain[g] = [];
        foreach (var list in writes)
        {
            foreach (var (grain, value, epoch) in list) byGrain[grain].Add((value, epoch));
        }

        long lost = 0, extra = 0, unexplained = 0, duplicates = 0, ackRegressions = 0, storedRegressions = 0, inGrain = 0;
        int grainsWithLoss = 0, belowMax = 0, maxEpochs = 0;
        var flagged = new HashSet<(int, long)>();
        for (int g = 0; g < grainCount; g++)
        {
            var row = stored.GetValueOrDefault("c-" + g.ToString(CultureInfo.InvariantCulture));
            int value = row?.Value ?? 0;
            int acks = acknowledged[g];
            if (value < acks)
            {
                lost += acks - value;
                grainsWithLoss++;
            }
            else
            {
                extra += value - acks;
                unexplained += Math.Max(0, value - acks - failed[g]);
            }

            var sequence = byGrain[g];
            sequence.Sort((x, y) => x.Value != y.Value ? x.Value.CompareTo(y.Value) : x.Epoch.CompareTo(y.Epoch));
            if (sequence.Count > 0 && sequence[^1].Value > value) belowMax++;
            long highest = long.MinValue;
            for (int i = 0; i < sequence.Count; i++)
            {
                if (i > 0 && sequence[i].Value == sequence[i - 1].Value) duplicates++;
                if (sequence[i].Epoch < highest && flagged.Add((g, sequence[i].Value))) ackRegressions++;
                highest = Math.Max(highest, sequence[i].Epoch);
            }

            if (row is not null)
            {
                inGrain += row.EpochRegressions;
                maxEpochs = Math.Max(maxEpochs, row.EpochChanges.Count);
                long storedHighest = long.MinValue;
                foreach (var change in row.EpochChanges)
                {
                    if (change[1] < storedHighest && flagged.Add((g, change[0]))) storedRegressions++;
                    storedHighest = Math.Max(storedHighest, change[1]);
                }
            }
        }

        return new ChaosCheck(stored.Count, lost, grainsWithLoss, extra, unexplained, belowMax, duplicates,
            ackRegressions + storedRegressions, ackRegressions, storedRegressions, inGrain, maxEpochs);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static int ClusterPartitions => new ClusterOptions().PartitionCount;

    private async Task<InProcessSilo> StartSiloAsync(string connectionString, CancellationToken ct) =>
        await InProcessSilo.StartAsync("s" + Interlocked.Increment(ref _siloNumber).ToString(CultureInfo.InvariantCulture), connectionString, GrainClasses, ct);

    /// <summary>Waits until the live silos hold every partition between them, each about its fair share.</summary>
    private static async Task WaitForSharesAsync(SuiteContext context, string phase, IReadOnlyList<InProcessSilo> silos)
    {
        var waited = Stopwatch.StartNew();
        int partitions = ClusterPartitions;
        while (!(silos.Sum(s => s.OwnedCount) == partitions && silos.All(s => s.OwnedCount >= partitions / silos.Count - 1)))
        {
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"The partitions were not shared out within 60 s: {Describe(silos)}.");
            }

            await Task.Delay(50, context.CancellationToken);
        }

        context.Log($"[{phase}] Partitions shared after {waited.Elapsed.TotalSeconds:0.0} s: {Describe(silos)}");
    }

    private static string[] KeysServedBy(InProcessSilo silo, string prefix, int count)
    {
        var keys = new List<string>(count);
        for (int i = 0; keys.Count < count; i++)
        {
            var key = prefix + i.ToString(CultureInfo.InvariantCulture);
            if (silo.Serves(new GrainId(GrainType, key))) keys.Add(key);
            if (i > count * 100) throw new InvalidOperationException($"{silo} serves too few keys: found {keys.Count} of {count}.");
        }

        return [.. keys];
    }

    private static async Task StopAllAsync(IEnumerable<InProcessSilo> silos)
    {
        foreach (var silo in silos.Where(s => s.IsRunning).ToList())
        {
            await silo.StopAsync();
        }
    }

    /// <summary>A call the bench gave up on: it neither completed nor failed within <see cref="CallDeadline"/>.</summary>
    private sealed class AbandonedCallException(string message) : Exception(message);

    private static async Task<T> WithDeadline<T>(Task<T> call)
    {
        try
        {
            return await call.WaitAsync(CallDeadline);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            throw new AbandonedCallException($"The call did not complete within {CallDeadline.TotalSeconds:0} s.");
        }
    }

    private static IDisposable StartTicker(TimeSpan period, Action tick) => new Timer(_ => tick(), null, period, period);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double percentile) =>
        sorted[Math.Clamp((int)Math.Ceiling(sorted.Length * percentile) - 1, 0, sorted.Length - 1)];

    private static int StarvedLoops(LoadResult run)
    {
        double mean = run.CallsPerLoop.Average();
        return run.CallsPerLoop.Count(c => c < mean / 10);
    }

    private static void CollectGarbage()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    private static void Check(SuiteContext context, BenchResult result, List<string> missed, string key, double target, bool higherIsBetter, string unit)
    {
        if (result[key] is not { } raw) return; // that part was skipped
        double value = Convert.ToDouble(raw, CultureInfo.InvariantCulture);
        bool met = higherIsBetter ? value >= target : value <= target;
        if (!met) missed.Add(key);
        context.Log($"  {key,-40} {value.ToString("#,0.####", CultureInfo.InvariantCulture),14} {unit,-8} target {(higherIsBetter ? ">=" : "<=")} {target.ToString("#,0.####", CultureInfo.InvariantCulture),-8} {(met ? "met" : "MISSED")}");
    }
}
