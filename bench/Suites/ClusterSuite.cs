using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Bench.Grains;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Silo.Hosting;
using Npgsql;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// Orleans clusters of separate OS processes on one PostgreSQL (fsync on, ADO.NET membership with the product's
/// fast-failover timing). (1) Failover: two processes of the product's silo executable; 10,000 wallets created through
/// an Orleans client; one silo SIGKILLed; every wallet called until it answers, each of the killed silo's wallets
/// timed from the kill to its first successful call, and all states checked. (2) Cross-silo calls: two silo processes
/// of this bench executable (they host the bench's grains), 100 caller grains on one each calling a no-op grain on the
/// other in a closed loop (grain-to-grain over loopback TCP), and the same no-ops called by a client through the
/// target silo's gateway. (3) Chaos (--chaos; about 6 minutes): three product silos under steady wallet writes
/// (Reserve then Commit with idempotent reservation ids, retried until answered), one SIGKILLed every 30 s for 5
/// minutes and replaced; then every acknowledged write is looked for in the wallets' journals and balances.
/// Options: --failover-wallets (10000), --failover-in-flight (200), --failover-attempt-timeout-seconds (1: a wallet is
/// called again when an attempt has not answered by then; the attempt is followed to its end), --cross-silo-grains (100), --seconds (5),
/// --warmup-seconds (5), --single-seconds (3), --chaos-minutes (5), --chaos-kill-every-seconds (30),
/// --chaos-recovery-seconds (20), --chaos-wallets (1000), --chaos-in-flight (64); flags --chaos, --skip-failover,
/// --skip-cross-silo, --skip-chaos (chaos is off unless --chaos is given).
/// </summary>
internal sealed class ClusterSuite : ISuite
{
    private const double TargetFailoverP95Seconds = 5;
    private const double TargetCrossSiloCallsPerSecond = 30_000;
    private const double TargetCrossSiloP99Ms = 5;
    private const int ChaosSilos = 3;
    private const string ClusterId = "arbitrage";
    private const string Tenant = "bench";

    /// <summary>The product silo's grain call timeout (appsettings Orleans:ResponseTimeout); the client uses the same.</summary>
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    /// <summary>A call that has not completed this long after it began is abandoned by the bench (the response timeout should have ended it).</summary>
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(35);

    private static readonly TimeSpan SiloStartTimeout = TimeSpan.FromMinutes(2);

    private int _siloNumber;

    public string Name => "cluster";

    public string Description => "failover after a silo process is SIGKILLed (10,000 wallets), cross-silo grain-to-grain calls between two silo processes, chaos with --chaos (PostgreSQL, ADO.NET membership)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release")
        {
            context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        }

        var membership = new global::Orleans.Configuration.ClusterMembershipOptions();
        OrleansHosting.ApplyFastFailover(membership);
        result.Add("orleans_version", typeof(Grain).Assembly.GetName().Version?.ToString() ?? "?")
            .Add("membership_probe_timeout_s", membership.ProbeTimeout.TotalSeconds)
            .Add("membership_missed_probes_limit", membership.NumMissedProbesLimit)
            .Add("membership_votes_for_death", membership.NumVotesForDeathDeclaration)
            .Add("membership_table_refresh_s", membership.TableRefreshTimeout.TotalSeconds)
            .Add("child_logs", ChildProcess.LogDirectory);
        context.Log($"Membership timing (OrleansHosting.ApplyFastFailover): probe timeout {membership.ProbeTimeout.TotalSeconds:0.#} s, {membership.NumMissedProbesLimit} missed probes, {membership.NumVotesForDeathDeclaration} vote(s) for death, table refresh {membership.TableRefreshTimeout.TotalSeconds:0.#} s. Silo logs: {ChildProcess.LogDirectory}");

        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("Starting a throwaway PostgreSQL (fsync on) ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);

        var warnings = new List<string>();
        if (!context.Flag("skip-failover"))
        {
            await MeasureFailoverAsync(context, result, warnings, postgres.ConnectionString,
                (int)context.Option("failover-wallets", 10_000), (int)context.Option("failover-in-flight", 200),
                TimeSpan.FromSeconds(context.Option("failover-attempt-timeout-seconds", 1)));
        }

        if (!context.Flag("skip-cross-silo"))
        {
            await MeasureCrossSiloAsync(context, result, warnings, postgres.ConnectionString,
                (int)context.Option("cross-silo-grains", 100),
                TimeSpan.FromSeconds(context.Option("warmup-seconds", 5)),
                TimeSpan.FromSeconds(context.Option("seconds", 5)),
                TimeSpan.FromSeconds(context.Option("single-seconds", 3)));
        }

        if (context.Flag("chaos") && !context.Flag("skip-chaos"))
        {
            await RunChaosAsync(context, result, warnings, postgres.ConnectionString,
                TimeSpan.FromMinutes(context.Option("chaos-minutes", 5)),
                TimeSpan.FromSeconds(context.Option("chaos-kill-every-seconds", 30)),
                TimeSpan.FromSeconds(context.Option("chaos-recovery-seconds", 20)),
                (int)context.Option("chaos-wallets", 1_000),
                (int)context.Option("chaos-in-flight", 64));
        }
        else
        {
            context.Log("Chaos skipped (it takes about 6 minutes): run with --chaos.");
            result.Add("chaos_run", false);
        }

        var missed = new List<string>();
        context.Log("Figures against the targets:");
        Targets.Check(context, result, missed, "failover_p95_s", TargetFailoverP95Seconds, higherIsBetter: false, "s");
        Targets.Check(context, result, missed, "failover_state_mismatches", 0, higherIsBetter: false, "wallets");
        Targets.Check(context, result, missed, "cross_silo_calls_per_s", TargetCrossSiloCallsPerSecond, higherIsBetter: true, "calls/s");
        Targets.Check(context, result, missed, "cross_silo_p99_ms", TargetCrossSiloP99Ms, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "chaos_lost_acknowledged_writes", 0, higherIsBetter: false, "writes");
        Targets.Check(context, result, missed, "chaos_applied_twice", 0, higherIsBetter: false, "writes");
        Targets.Check(context, result, missed, "chaos_unexplained_writes", 0, higherIsBetter: false, "writes");
        Targets.Check(context, result, missed, "chaos_balance_mismatches", 0, higherIsBetter: false, "wallets");
        Targets.Check(context, result, missed, "chaos_api_state_mismatches", 0, higherIsBetter: false, "wallets");
        result.Add("targets_missed", missed);
        result.Add("warnings", warnings);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        foreach (var warning in warnings) context.Log("WARNING: " + warning);
        return result;
    }

    // ---- 1. Failover -----------------------------------------------------------------------------------------

    private async Task MeasureFailoverAsync(SuiteContext context, BenchResult result, List<string> warnings, string server, int count, int inFlight, TimeSpan attemptTimeout)
    {
        var ct = context.CancellationToken;
        var connectionString = await BenchDatabases.CreateMigratedAsync(server, "bench_failover", ct);
        string token = SiloProcess.NewAdminToken();
        var silos = new List<SiloProcess>();
        try
        {
            context.Log("[failover] Starting 2 silo processes (the product's executable) on a fresh database ...");
            silos.AddRange(await StartSilosAsync(context, connectionString, token, 2, ct));
            await using var client = await OrleansClient.ConnectAsync(connectionString, ClusterId, ClusterId, ResponseTimeout, ct);
            var management = client.Client.GetGrain<IManagementGrain>(0);
            await WaitForActiveSilosAsync(context, "failover", management, 2, ct);

            var keys = Enumerable.Range(0, count).Select(i => WalletKeys.Of(Tenant, "fo-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
            context.Log($"[failover] Creating {count:N0} wallets through an Orleans client ({inFlight} in flight; each a ledger write with its journal entry) ...");
            var create = await Load.BoundedAsync(count, inFlight, async i =>
            {
                var info = await client.Client.GetGrain<IWalletGrain>(keys[i]).Create(new CreateWallet(Tenant, null, 1000m));
                if (info.Balance != 1000m) throw new InvalidOperationException($"Wallet {keys[i]} was created with {info.Balance}.");
            });
            context.Log($"[failover] {count:N0} wallets created in {create.Elapsed.TotalSeconds:0.00} s ({create.CallsPerSecond:N0}/s, p50 {create.Latency!.PercentileMs(0.5):0.0} ms, p99 {create.Latency.PercentileMs(0.99):0.0} ms)");
            result.Add("wallet_creates_per_s", Math.Round(create.CallsPerSecond))
                .Add("wallet_create_p50_ms", BenchEnvironment.Significant(create.Latency.PercentileMs(0.5)))
                .Add("wallet_create_p99_ms", BenchEnvironment.Significant(create.Latency.PercentileMs(0.99)));

            // Which silo holds each wallet's activation now.
            var owners = await WalletOwnersAsync(management, ct);
            var byPort = silos.ToDictionary(s => s.SiloPort);
            var victim = silos[1];
            var survivor = silos[0];
            var victimWallets = new HashSet<int>(Enumerable.Range(0, count).Where(i => owners.TryGetValue(keys[i], out var port) && port == victim.SiloPort));
            int onSurvivor = Enumerable.Range(0, count).Count(i => owners.TryGetValue(keys[i], out var port) && port == survivor.SiloPort);
            context.Log($"[failover] Activations: {victim} holds {victimWallets.Count:N0} wallets, {survivor} {onSurvivor:N0} (of {count:N0}; {count - victimWallets.Count - onSurvivor} not found)");
            if (victimWallets.Count == 0) throw new InvalidOperationException($"{victim} holds no wallet; nothing to fail over.");

            context.Log($"[failover] SIGKILL {victim} (pid {victim.Process.Id}) ...");
            long killedAt = Stopwatch.GetTimestamp();
            victim.Kill();
            double SinceKill() => Stopwatch.GetElapsedTime(killedAt).TotalSeconds;

            // When the cluster declares the victim dead: its row in the membership table (PostgreSQL), polled every 50 ms.
            using var watching = new CancellationTokenSource();
            var declaredDead = Task.Run(async () =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(watching.Token);
                await using var status = new NpgsqlCommand("select max(status) from orleansmembershiptable where deploymentid = $1 and port = $2", connection);
                status.Parameters.Add(new NpgsqlParameter { Value = ClusterId });
                status.Parameters.Add(new NpgsqlParameter { Value = victim.SiloPort });
                while (!watching.IsCancellationRequested)
                {
                    if (await status.ExecuteScalarAsync(watching.Token) is int code && code == (int)SiloStatus.Dead) return SinceKill();
                    await Task.Delay(50, watching.Token);
                }

                return double.NaN;
            }, CancellationToken.None);

            context.Log($"[failover] Calling Get on each of the {count:N0} wallets until it answers ({inFlight} in flight; an attempt not answered within {attemptTimeout.TotalSeconds:0.##} s is left running and the wallet is called again; 20 ms after a failed attempt) ...");
            var firstSuccess = new double[count];
            var answered = new bool[count];
            int mismatches = 0;
            var failures = new ConcurrentDictionary<string, int>();
            var abandoned = new ConcurrentBag<Task<(string Outcome, double Seconds, double SentAt)>>();
            int next = -1;
            using (StartTicker(TimeSpan.FromSeconds(2), () =>
                   {
                       int done = Enumerable.Range(0, count).Count(i => Volatile.Read(ref answered[i]) && victimWallets.Contains(i));
                       context.Log($"[failover]   {SinceKill():0.0} s after the kill: {done:N0} of {victimWallets.Count:N0} of {victim}'s wallets answered; failed attempts {failures.Values.Sum():N0}, attempts left running {abandoned.Count:N0}");
                   }))
            {
                var workers = Enumerable.Range(0, inFlight).Select(_ => Task.Run(async () =>
                {
                    int index;
                    while ((index = Interlocked.Increment(ref next)) < count)
                    {
                        var wallet = client.Client.GetGrain<IWalletGrain>(keys[index]);
                        while (true)
                        {
                            ct.ThrowIfCancellationRequested();
                            double sentAt = SinceKill();
                            long sent = Stopwatch.GetTimestamp();
                            var call = wallet.Get();
                            if (await Task.WhenAny(call, Task.Delay(attemptTimeout, CancellationToken.None)) != call)
                            {
                                // Not answered in time: follow it to its end (answer, error or the response timeout) and call again.
                                abandoned.Add(call.ContinueWith(c => (c.IsCompletedSuccessfully ? "answered" : Describe(c.Exception!.GetBaseException()), Stopwatch.GetElapsedTime(sent).TotalSeconds, sentAt), TaskScheduler.Default));
                                continue;
                            }

                            try
                            {
                                var info = await call;
                                firstSuccess[index] = SinceKill();
                                Volatile.Write(ref answered[index], true);
                                if (info is not { Balance: 1000m, Reserved: 0m, Available: 1000m, TenantId: Tenant, Status: "active" }) Interlocked.Increment(ref mismatches);
                                break;
                            }
                            catch (Exception e) when (!ct.IsCancellationRequested)
                            {
                                failures.AddOrUpdate(Describe(e), 1, (_, n) => n + 1);
                                await Task.Delay(20, CancellationToken.None);
                            }
                        }
                    }
                }, CancellationToken.None)).ToArray();
                await Task.WhenAll(workers);
            }

            double allAnswered = SinceKill();
            // The attempts left running end by the response timeout at the latest.
            var left = await Task.WhenAll(abandoned).WaitAsync(CallDeadline, CancellationToken.None);
            var leftByOutcome = left.GroupBy(l => l.Outcome).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key}: {g.Count()} (after {g.Min(x => x.Seconds):0.0} to {g.Max(x => x.Seconds):0.0} s; sent {g.Min(x => x.SentAt):0.0} to {g.Max(x => x.SentAt):0.0} s after the kill)").ToList();
            double longestCall = left.Length == 0 ? 0 : left.Max(l => l.Seconds);
            double dead = await declaredDead.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : double.NaN, TaskScheduler.Default);
            await watching.CancelAsync();

            var victimTimes = victimWallets.Select(i => firstSuccess[i]).Order().ToArray();
            var survivorTimes = Enumerable.Range(0, count).Where(i => !victimWallets.Contains(i)).Select(i => firstSuccess[i]).Order().ToArray();
            double p50 = Percentile(victimTimes, 0.50), p95 = Percentile(victimTimes, 0.95);
            var after = await WalletOwnersAsync(management, ct);
            int nowOnSurvivor = keys.Count(k => after.TryGetValue(k, out var port) && port == survivor.SiloPort);
            context.Log($"[failover] {victim}'s {victimTimes.Length:N0} wallets answered again: first success after the kill min {victimTimes[0]:0.00} s, p50 {p50:0.00} s, p95 {p95:0.00} s, max {victimTimes[^1]:0.00} s; "
                + $"declared dead after {dead:0.00} s; all {count:N0} answered after {allAnswered:0.00} s; {mismatches} state mismatches; {nowOnSurvivor:N0} wallets now active on {survivor}; "
                + $"failed attempts: {(failures.IsEmpty ? "none" : string.Join(", ", failures.OrderByDescending(f => f.Value).Select(f => $"{f.Key} {f.Value:N0}")))}");
            context.Log($"[failover] Attempts left running after {attemptTimeout.TotalSeconds:0.##} s: {left.Length:N0}{(left.Length == 0 ? "" : ": " + string.Join("; ", leftByOutcome))}");
            // Orleans deactivates a survivor's activations whose grain directory entries lived on the dead silo (so that no
            // second activation can appear); those wallets are activated again, from storage, by their next call.
            int survivorsDeactivated = Enumerable.Range(0, count).Count(i => !victimWallets.Contains(i) && !after.ContainsKey(keys[i]));
            int victimsNotActive = victimWallets.Count(i => !after.ContainsKey(keys[i]));
            context.Log($"[failover] Afterwards {nowOnSurvivor:N0} wallets are active on {survivor}: of its own {count - victimWallets.Count:N0} wallets {survivorsDeactivated:N0} were deactivated during the failover (their directory entries were on {victim}); {victimsNotActive} of {victim}'s are not active.");

            result.Add("failover_wallets_created", count)
                .Add("failover_in_flight", inFlight)
                .Add("failover_wallets", victimTimes.Length)
                .Add("failover_min_s", Math.Round(victimTimes[0], 3))
                .Add("failover_p50_s", Math.Round(p50, 3))
                .Add("failover_p95_s", Math.Round(p95, 3))
                .Add("failover_max_s", Math.Round(victimTimes[^1], 3))
                .Add("failover_silo_declared_dead_s", double.IsNaN(dead) ? null : Math.Round(dead, 3))
                .Add("failover_all_wallets_answered_s", Math.Round(allAnswered, 3))
                .Add("failover_survivor_wallets_p95_s", survivorTimes.Length > 0 ? Math.Round(Percentile(survivorTimes, 0.95), 3) : null)
                .Add("failover_attempt_timeout_s", attemptTimeout.TotalSeconds)
                .Add("failover_attempts_left_running", left.Length)
                .Add("failover_attempts_left_running_by_outcome", leftByOutcome)
                .Add("failover_longest_call_s", Math.Round(longestCall, 3))
                .Add("failover_state_mismatches", mismatches)
                .Add("failover_wallets_active_on_survivor", nowOnSurvivor)
                .Add("failover_survivor_wallets_deactivated", survivorsDeactivated)
                .Add("failover_failed_attempts", failures.Values.Sum())
                .Add("failover_failed_attempts_by_type", failures.OrderBy(f => f.Key).Select(f => $"{f.Key}: {f.Value}").ToList());
            if (victimsNotActive > 0) warnings.Add($"failover: {victimsNotActive} of the killed silo's wallets answered but are not active on the survivor afterwards.");

            context.Log($"[failover] Stopping {survivor} ...");
        }
        finally
        {
            await StopAllAsync(silos);
        }
    }

    /// <summary>For each active wallet activation, the silo port of the silo holding it (from the management grain).</summary>
    private static async Task<Dictionary<string, int>> WalletOwnersAsync(IManagementGrain management, CancellationToken ct)
    {
        var statistics = await management.GetDetailedGrainStatistics(null, null).WaitAsync(TimeSpan.FromSeconds(30), ct);
        var owners = new Dictionary<string, int>();
        foreach (var s in statistics)
        {
            if (s.GrainId.Type.ToString() == "wallet") owners[s.GrainId.Key.ToString()!] = s.SiloAddress.Endpoint.Port;
        }

        return owners;
    }

    // ---- 2. Cross-silo calls ---------------------------------------------------------------------------------

    private static async Task MeasureCrossSiloAsync(SuiteContext context, BenchResult result, List<string> warnings, string server, int grains,
        TimeSpan warmup, TimeSpan measure, TimeSpan single)
    {
        var ct = context.CancellationToken;
        const string clusterId = "bench-cross-silo";
        var connectionString = await BenchDatabases.CreateMigratedAsync(server, "bench_cross_silo", ct);
        context.Log("[cross-silo] Starting 2 silo processes of this bench executable (they host the bench's grains) ...");
        var startA = BenchSilo.StartAsync("bench-a", connectionString, clusterId, SiloStartTimeout, ct);
        var startB = BenchSilo.StartAsync("bench-b", connectionString, clusterId, SiloStartTimeout, ct);
        try
        {
            await Task.WhenAll(startA, startB);
        }
        catch
        {
            // One may have started: stop it before failing.
            foreach (var start in new[] { startA, startB }.Where(t => t.IsCompletedSuccessfully)) await start.Result.DisposeAsync();
            throw;
        }

        await using var a = startA.Result;
        await using var b = startB.Result;
        context.Log($"[cross-silo] {a} is {a.SiloAddress} (pid {a.Process.Id}), {b} is {b.SiloAddress} (pid {b.Process.Id})");

        await using var clientA = await OrleansClient.ConnectStaticAsync(clusterId, [a.Gateway], TimeSpan.FromSeconds(60), ct);
        await using var clientB = await OrleansClient.ConnectStaticAsync(clusterId, [b.Gateway], TimeSpan.FromSeconds(60), ct);
        await WaitForActiveSilosAsync(context, "cross-silo", clientA.Client.GetGrain<IManagementGrain>(0), 2, ct);

        // Prefer-local placement: a grain lives on the silo whose gateway first handled a call to it.
        var targets = Enumerable.Range(0, grains).Select(i => clientB.Client.GetGrain<IPingGrain>(i)).ToArray();
        var callers = Enumerable.Range(0, grains).Select(i => clientA.Client.GetGrain<ICallerGrain>(i)).ToArray();
        foreach (var target in targets)
        {
            if (await target.Where() is var where && where != b.SiloAddress) throw new InvalidOperationException($"A ping grain was placed on {where}, not on {b} ({b.SiloAddress}).");
        }

        foreach (var caller in callers)
        {
            if (await caller.Where() is var where && where != a.SiloAddress) throw new InvalidOperationException($"A caller grain was placed on {where}, not on {a} ({a.SiloAddress}).");
        }

        context.Log($"[cross-silo] {grains} no-op grains active on {b}, {grains} caller grains on {a}, each calling its own target in a closed loop. Warm-up {warmup.TotalSeconds:0.#} s ...");
        await RunCallersAsync(callers, warmup);
        var main = await MeasureCallersAsync(context, $"grain-to-grain {a} -> {b}, {grains} in flight", callers, measure, a, b);
        var single1 = await MeasureCallersAsync(context, $"grain-to-grain {a} -> {b}, 1 in flight", callers[..1], single, a, b);

        // For comparison, grain-to-grain calls inside b: callers placed on b call the same targets (no network).
        var localCallers = Enumerable.Range(0, grains).Select(i => clientB.Client.GetGrain<ICallerGrain>(1_000_000 + i)).ToArray();
        foreach (var caller in localCallers)
        {
            if (await caller.Where() is var where && where != b.SiloAddress) throw new InvalidOperationException($"A local caller grain was placed on {where}, not on {b} ({b.SiloAddress}).");
        }

        var local = await MeasureCallersAsync(context, $"grain-to-grain inside {b} (no network), {grains} in flight", localCallers, single, a, b);

        // The same no-ops from an Orleans client in this process through b's gateway (one network hop, client to silo).
        var pings = targets.Select(t => new PingCall(t)).ToArray();
        await Load.ClosedLoopAsync(pings, TimeSpan.FromSeconds(2), recordLatency: false);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime + b.Process.TotalProcessorTime;
        var clientRun = await Load.ClosedLoopAsync(pings, measure, recordLatency: true);
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime + b.Process.TotalProcessorTime - cpuBefore).TotalMicroseconds / Math.Max(1, clientRun.Calls);
        var cl = clientRun.Latency!;
        context.Log($"[cross-silo] client -> {b}'s gateway -> grain, {grains} in flight: {clientRun.CallsPerSecond:N0} calls/s; p50 {cl.PercentileMs(0.5):0.###} ms, p99 {cl.PercentileMs(0.99):0.###} ms, max {cl.MaxMs:0.#} ms; CPU {clientCpu:0.0} us/call (bench and silo processes)");

        result.Add("cross_silo_kind", $"grain-to-grain: {grains} caller grains on one silo process each call Ping (no-op) on its own grain on another silo process, in a closed loop inside the caller's activation (loopback TCP)")
            .Add("cross_silo_grains", grains)
            .Add("cross_silo_measure_s", measure.TotalSeconds)
            .Add("cross_silo_calls_per_s", Math.Round(main.CallsPerSecond))
            .Add("cross_silo_p50_ms", BenchEnvironment.Significant(main.Latency.PercentileMs(0.50)))
            .Add("cross_silo_p99_ms", BenchEnvironment.Significant(main.Latency.PercentileMs(0.99)))
            .Add("cross_silo_p999_ms", BenchEnvironment.Significant(main.Latency.PercentileMs(0.999)))
            .Add("cross_silo_max_ms", BenchEnvironment.Significant(main.Latency.MaxMs))
            .Add("cross_silo_min_calls_per_loop", main.MinCallsPerLoop)
            .Add("cross_silo_max_calls_per_loop", main.MaxCallsPerLoop)
            .Add("cross_silo_cpu_us_per_call", Math.Round(main.CpuMicrosecondsPerCall, 1))
            .Add("cross_silo_calls_per_s_1_in_flight", Math.Round(single1.CallsPerSecond))
            .Add("cross_silo_p50_ms_1_in_flight", BenchEnvironment.Significant(single1.Latency.PercentileMs(0.50)))
            .Add("cross_silo_p99_ms_1_in_flight", BenchEnvironment.Significant(single1.Latency.PercentileMs(0.99)))
            .Add("cross_silo_cpu_us_per_call_1_in_flight", Math.Round(single1.CpuMicrosecondsPerCall, 1))
            .Add("local_grain_to_grain_calls_per_s", Math.Round(local.CallsPerSecond))
            .Add("local_grain_to_grain_p99_ms", BenchEnvironment.Significant(local.Latency.PercentileMs(0.99)))
            .Add("local_grain_to_grain_cpu_us_per_call", Math.Round(local.CpuMicrosecondsPerCall, 1))
            .Add("client_to_silo_calls_per_s", Math.Round(clientRun.CallsPerSecond))
            .Add("client_to_silo_p50_ms", BenchEnvironment.Significant(cl.PercentileMs(0.50)))
            .Add("client_to_silo_p99_ms", BenchEnvironment.Significant(cl.PercentileMs(0.99)))
            .Add("client_to_silo_cpu_us_per_call", Math.Round(clientCpu, 1));
        if (local.MinCallsPerLoop < local.Calls / (double)grains / 10)
        {
            warnings.Add($"local_grain_to_grain_unfair: inside one silo, the slowest of {grains} caller activations completed {local.MinCallsPerLoop} calls (max {local.MaxCallsPerLoop}; max latency {local.Latency.MaxMs:0} ms): Orleans let a few activations calling each other keep the cores.");
        }

        if (main.MinCallsPerLoop < main.Calls / (double)grains / 10)
        {
            warnings.Add($"cross_silo_unfair: the slowest of {grains} calling loops completed {main.MinCallsPerLoop} calls, under a tenth of the mean.");
        }

        context.Log($"[cross-silo] Stopping {a} and {b} ...");
    }

    private sealed record CallerRun(long Calls, double CallsPerSecond, LatencyRecorder Latency, long MinCallsPerLoop, long MaxCallsPerLoop, double CpuMicrosecondsPerCall);

    private static async Task<LoopReport[]> RunCallersAsync(ICallerGrain[] callers, TimeSpan duration)
    {
        // All loops run in the same wall-clock window (one clock: the same machine).
        var start = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        var end = start + duration;
        return await Task.WhenAll(callers.Select((c, i) => c.Run(i, start, end)));
    }

    private static async Task<CallerRun> MeasureCallersAsync(SuiteContext context, string label, ICallerGrain[] callers, TimeSpan duration, BenchSiloProcess a, BenchSiloProcess b)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        var cpuBefore = a.Process.TotalProcessorTime + b.Process.TotalProcessorTime;
        var wallBefore = Stopwatch.GetTimestamp();
        var reports = await RunCallersAsync(callers, duration);
        var cpu = a.Process.TotalProcessorTime + b.Process.TotalProcessorTime - cpuBefore;
        var wall = Stopwatch.GetElapsedTime(wallBefore);
        var latency = LatencyRecorder.Merged(reports.Select(r => LatencyRecorder.FromSnapshot(r.Latency)));
        long calls = reports.Sum(r => r.Calls);
        // CPU over the whole call (it includes the 1 s wait before the loops start, when both silos are idle).
        var run = new CallerRun(calls, calls / duration.TotalSeconds, latency, reports.Min(r => r.Calls), reports.Max(r => r.Calls), cpu.TotalMicroseconds / Math.Max(1, calls));
        context.Log($"[cross-silo] {label}: {calls:N0} calls in {duration.TotalSeconds:0.#} s = {run.CallsPerSecond:N0} calls/s; p50 {latency.PercentileMs(0.5):0.###} ms, p99 {latency.PercentileMs(0.99):0.###} ms, p99.9 {latency.PercentileMs(0.999):0.###} ms, max {latency.MaxMs:0.#} ms; "
            + $"CPU {run.CpuMicrosecondsPerCall:0.0} us/call (both silo processes, {cpu.TotalSeconds / wall.TotalSeconds * 100 / Environment.ProcessorCount:0} % of the machine); calls per loop min {run.MinCallsPerLoop:N0} / max {run.MaxCallsPerLoop:N0}");
        return run;
    }

    private readonly struct PingCall(IPingGrain grain) : IOperation
    {
        public Task InvokeAsync() => grain.Ping();
    }

    // ---- 3. Chaos --------------------------------------------------------------------------------------------

    private enum Outcome : byte
    {
        NotAttempted,
        Acknowledged,

        /// <summary>A retried commit was refused because the reservation is committed already (an earlier attempt was applied).</summary>
        AlreadyCommitted,

        /// <summary>A retried commit found no active reservation: an earlier attempt may have been applied (the journal decides).</summary>
        NotActive,

        /// <summary>No attempt was answered before the op's time ran out.</summary>
        GaveUp,
    }

    private sealed class ChaosOp(int wallet, string reservationId, decimal amount)
    {
        public int Wallet { get; } = wallet;
        public string ReservationId { get; } = reservationId;
        public decimal Amount { get; } = amount;
        public Outcome Reserve { get; set; }
        public Outcome Commit { get; set; }
        public bool ReserveRetried { get; set; }
        public bool CommitRetried { get; set; }
    }

    private async Task RunChaosAsync(SuiteContext context, BenchResult result, List<string> warnings, string server,
        TimeSpan duration, TimeSpan killEvery, TimeSpan recovery, int walletCount, int inFlight)
    {
        var ct = context.CancellationToken;
        var connectionString = await BenchDatabases.CreateMigratedAsync(server, "bench_chaos", ct);
        string token = SiloProcess.NewAdminToken();
        const decimal initialBalance = 1_000_000m;
        var everyone = new List<SiloProcess>();
        try
        {
            context.Log($"[chaos] Starting {ChaosSilos} silo processes on a fresh database ...");
            everyone.AddRange(await StartSilosAsync(context, connectionString, token, ChaosSilos, ct));
            var live = everyone.ToList();
            await using var client = await OrleansClient.ConnectAsync(connectionString, ClusterId, ClusterId, ResponseTimeout, ct);
            var management = client.Client.GetGrain<IManagementGrain>(0);
            await WaitForActiveSilosAsync(context, "chaos", management, ChaosSilos, ct);

            var keys = Enumerable.Range(0, walletCount).Select(i => WalletKeys.Of(Tenant, "chaos-" + i.ToString(CultureInfo.InvariantCulture))).ToArray();
            context.Log($"[chaos] Creating {walletCount:N0} wallets with {initialBalance:N0} USD each ...");
            await Load.BoundedAsync(walletCount, 64, i => client.Client.GetGrain<IWalletGrain>(keys[i]).Create(new CreateWallet(Tenant, null, initialBalance)));

            var ops = new List<ChaosOp>[inFlight];
            var failures = new ConcurrentDictionary<string, long>();
            long etagConflicts = 0, abandoned = 0, refusedFirstCommits = 0;
            var acksPerSecond = new long[(int)(duration + recovery).TotalSeconds + 600];
            var opLatencies = new LatencyRecorder[inFlight];
            using var stop = new CancellationTokenSource();
            var stopwatch = Stopwatch.StartNew();
            var opBudget = TimeSpan.FromSeconds(90);

            void Failed(Exception e)
            {
                string kind = Describe(e);
                failures.AddOrUpdate(kind, 1, (_, n) => n + 1);
                if (kind.Contains("InconsistentStateException", StringComparison.Ordinal)) Interlocked.Increment(ref etagConflicts);
                if (e is AbandonedCallException) Interlocked.Increment(ref abandoned);
            }

            void Acked()
            {
                int second = (int)stopwatch.Elapsed.TotalSeconds;
                if (second < acksPerSecond.Length) Interlocked.Increment(ref acksPerSecond[second]);
            }

            var workers = Enumerable.Range(0, inFlight).Select(w =>
            {
                var mine = ops[w] = new List<ChaosOp>(1 << 14);
                var recorder = opLatencies[w] = new LatencyRecorder();
                return Task.Run(async () =>
                {
                    var random = new Random(1_000 + w);
                    for (int sequence = 0; !stop.IsCancellationRequested; sequence++)
                    {
                        int wallet = random.Next(walletCount);
                        var op = new ChaosOp(wallet, WalletKeys.ReservationIdFor("chaos-" + wallet.ToString(CultureInfo.InvariantCulture), $"chaos/{w}/{sequence}"), 0.01m * random.Next(1, 1000));
                        mine.Add(op);
                        var grain = client.Client.GetGrain<IWalletGrain>(keys[wallet]);
                        long started = Stopwatch.GetTimestamp();
                        bool InBudget() => Stopwatch.GetElapsedTime(started) < opBudget && !ct.IsCancellationRequested;

                        // Reserve, retried with the same reservation id until answered: a retry finds the first if it was applied.
                        for (int attempt = 0; op.Reserve == Outcome.NotAttempted; attempt++)
                        {
                            if (!InBudget())
                            {
                                op.Reserve = Outcome.GaveUp;
                                break;
                            }

                            op.ReserveRetried = attempt > 0;
                            try
                            {
                                var reservation = await WithDeadline(grain.Reserve(new ReserveCredit(op.Amount, "chaos", null, null, TimeSpan.FromHours(2), op.ReservationId)));
                                if (reservation.Id != op.ReservationId || reservation.Amount != op.Amount) throw new ChaosProtocolException($"Reserve {op.ReservationId} answered {reservation}.");
                                op.Reserve = Outcome.Acknowledged;
                                Acked();
                            }
                            catch (Exception e) when (e is not ChaosProtocolException)
                            {
                                Failed(e);
                                await Task.Delay(50, CancellationToken.None);
                            }
                        }

                        if (op.Reserve != Outcome.Acknowledged) continue;

                        // Commit, retried until answered; a retry that finds the reservation settled tells the first was applied.
                        for (int attempt = 0; op.Commit == Outcome.NotAttempted; attempt++)
                        {
                            if (!InBudget())
                            {
                                op.Commit = Outcome.GaveUp;
                                break;
                            }

                            op.CommitRetried = attempt > 0;
                            try
                            {
                                var committed = await WithDeadline(grain.Commit(op.ReservationId, op.Amount, null));
                                if (committed.Status != ReservationStatus.Committed) throw new ChaosProtocolException($"Commit {op.ReservationId} answered {committed}.");
                                op.Commit = Outcome.Acknowledged;
                                Acked();
                            }
                            catch (Exception e) when (e is ReservationStateException or WalletNotFoundException)
                            {
                                // A retry that finds the reservation settled (ReservationStateException) or no longer active
                                // (WalletNotFoundException: a reactivated wallet remembers only reservations still active) tells
                                // that an earlier attempt may have been applied: the journal decides. On a first attempt it
                                // means the acknowledged reservation was not there.
                                if (attempt == 0) Interlocked.Increment(ref refusedFirstCommits);
                                op.Commit = e is ReservationStateException && attempt > 0 ? Outcome.AlreadyCommitted : Outcome.NotActive;
                            }
                            catch (Exception e) when (e is not ChaosProtocolException)
                            {
                                Failed(e);
                                await Task.Delay(50, CancellationToken.None);
                            }
                        }

                        if (op.Commit == Outcome.Acknowledged) recorder.Record(Stopwatch.GetTimestamp() - started);
                    }
                }, CancellationToken.None);
            }).ToArray();

            context.Log($"[chaos] Load: {inFlight} callers, each Reserve then Commit on one of {walletCount:N0} wallets (idempotent reservation ids, retried until answered), for {duration.TotalMinutes:0.##} min with a SIGKILL every {killEvery.TotalSeconds:0} s, then {recovery.TotalSeconds:0} s to recover.");
            var rng = new Random(42);
            int kills = 0, killsSkipped = 0, replacementFailures = 0;
            var killLog = new List<string>();
            var replacements = new List<Task>();
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
                    SiloProcess? victim = null;
                    lock (live)
                    {
                        // Never the last serving silo (a replacement may have failed to start): that would stop the cluster, not test it.
                        if (live.Count > 1)
                        {
                            victim = live[rng.Next(live.Count)];
                            live.Remove(victim);
                        }
                    }

                    if (victim is null)
                    {
                        killsSkipped++;
                        context.Log($"[chaos] Kill skipped at {stopwatch.Elapsed.TotalSeconds:0.0} s: only one silo serves.");
                        lock (killLog) killLog.Add($"{stopwatch.Elapsed.TotalSeconds:0.0} s: kill skipped, only one silo serving");
                        continue;
                    }

                    victim.Kill();
                    kills++;
                    var killedAt = stopwatch.Elapsed;
                    var replacement = SiloProcess.Start(context.RepositoryRoot, new SiloProcessOptions(NextSiloName(), connectionString, token));
                    lock (everyone) everyone.Add(replacement);
                    replacements.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await replacement.WaitUntilServingAsync(SiloStartTimeout, ct);
                            lock (live) live.Add(replacement);
                            var line = $"{killedAt.TotalSeconds:0.0} s: SIGKILL {victim}; {replacement} serving after {(stopwatch.Elapsed - killedAt).TotalSeconds:0.0} s";
                            lock (killLog) killLog.Add(line);
                            context.Log($"[chaos] {line}");
                        }
                        catch (Exception e) when (!ct.IsCancellationRequested)
                        {
                            Interlocked.Increment(ref replacementFailures);
                            lock (killLog) killLog.Add($"{killedAt.TotalSeconds:0.0} s: SIGKILL {victim}; {replacement} failed to start: {e.Message.Split('\n')[0]}");
                            context.Log($"[chaos] Replacement {replacement} failed to start: {e.Message}");
                        }
                    }, CancellationToken.None));
                    context.Log($"[chaos] Kill {kills} at {killedAt.TotalSeconds:0.0} s: SIGKILL {victim} (pid {victim.Process.Id}); starting {replacement} ...");
                }

                if (stopwatch.Elapsed >= nextReport)
                {
                    long acks = acksPerSecond.Sum();
                    var now = stopwatch.Elapsed;
                    string alive;
                    lock (live) alive = string.Join(" ", live);
                    context.Log($"[chaos]   {now.TotalSeconds:0} s: {acks:N0} acknowledged writes ({(acks - reportedAcks) / (now - reportedAt).TotalSeconds:N0}/s over the last {(now - reportedAt).TotalSeconds:0} s), {failures.Values.Sum():N0} failed attempts, {Interlocked.Read(ref etagConflicts)} etag conflicts; serving: {alive}");
                    reportedAcks = acks;
                    reportedAt = now;
                    nextReport += TimeSpan.FromSeconds(10);
                }

                await Task.Delay(100, ct);
            }

            context.Log("[chaos] Stopping the load (each caller finishes its current Reserve/Commit) ...");
            await stop.CancelAsync();
            double loadSeconds = stopwatch.Elapsed.TotalSeconds;
            await Task.WhenAll(workers);
            await Task.WhenAll(replacements);
            context.Log($"[chaos] The last operations ended {stopwatch.Elapsed.TotalSeconds - loadSeconds:0.0} s after the load stopped.");

            // Every wallet through the API (the grains' view), then the stored rows and journals (the store's view).
            var all = ops.SelectMany(o => o).ToList();
            var apiStates = new WalletInfo?[walletCount];
            int apiFailures = 0;
            await Load.BoundedAsync(walletCount, 32, async i =>
            {
                for (int attempt = 0; ; attempt++)
                {
                    try
                    {
                        apiStates[i] = await WithDeadline(client.Client.GetGrain<IWalletGrain>(keys[i]).Get());
                        return;
                    }
                    catch (Exception) when (attempt < 20)
                    {
                        await Task.Delay(250, CancellationToken.None);
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref apiFailures);
                        return;
                    }
                }
            });

            var check = await CheckChaosAsync(connectionString, keys, initialBalance, all, apiStates, ct);
            var latency = LatencyRecorder.Merged(opLatencies);
            int measuredSeconds = Math.Min((int)loadSeconds, acksPerSecond.Length);
            int zeroSeconds = acksPerSecond.Take(measuredSeconds).Count(x => x == 0);
            long totalAcks = acksPerSecond.Sum();
            context.Log($"[chaos] {kills} kills; {all.Count:N0} operations, {totalAcks:N0} acknowledged writes ({totalAcks / loadSeconds:N0}/s); {failures.Values.Sum():N0} failed attempts: {(failures.IsEmpty ? "none" : string.Join(", ", failures.OrderByDescending(f => f.Value).Take(8).Select(f => $"{f.Key} {f.Value:N0}")))}");
            context.Log($"[chaos] Reserve+Commit latency p50 {latency.PercentileMs(0.5):0.#} ms, p99 {latency.PercentileMs(0.99):0.#} ms, max {latency.MaxMs:0} ms; seconds without an acknowledged write: {zeroSeconds}; etag conflicts seen by the client: {etagConflicts}");
            context.Log($"[chaos] Against the journals: lost acknowledged writes {check.Lost}, applied twice {check.AppliedTwice}, unexplained writes {check.Unexplained}, balance/reserved/entry-count mismatches {check.BalanceMismatches} wallets, API state mismatches {check.ApiMismatches} ({apiFailures} wallets did not answer); "
                + $"ambiguous commits later found applied {check.AmbiguousApplied}, not applied {check.AmbiguousNotApplied}; reservations left active {check.LeftActive}");

            result.Add("chaos_run", true)
                .Add("chaos_minutes", duration.TotalMinutes)
                .Add("chaos_kill_every_s", killEvery.TotalSeconds)
                .Add("chaos_recovery_s", recovery.TotalSeconds)
                .Add("chaos_silos", ChaosSilos)
                .Add("chaos_wallets", walletCount)
                .Add("chaos_in_flight", inFlight)
                .Add("chaos_kills", kills)
                .Add("chaos_kills_skipped", killsSkipped)
                .Add("chaos_replacement_start_failures", replacementFailures)
                .Add("chaos_operations", all.Count)
                .Add("chaos_acknowledged_writes", totalAcks)
                .Add("chaos_acknowledged_writes_per_s", Math.Round(totalAcks / loadSeconds))
                .Add("chaos_failed_attempts", failures.Values.Sum())
                .Add("chaos_failed_attempts_by_type", failures.OrderBy(f => f.Key).Select(f => $"{f.Key}: {f.Value}").ToList())
                .Add("chaos_etag_conflicts", etagConflicts)
                .Add("chaos_abandoned_calls", abandoned)
                .Add("chaos_lost_acknowledged_writes", check.Lost)
                .Add("chaos_applied_twice", check.AppliedTwice)
                .Add("chaos_unexplained_writes", check.Unexplained)
                .Add("chaos_balance_mismatches", check.BalanceMismatches)
                .Add("chaos_api_state_mismatches", check.ApiMismatches + apiFailures)
                .Add("chaos_ambiguous_commits_applied", check.AmbiguousApplied)
                .Add("chaos_ambiguous_commits_not_applied", check.AmbiguousNotApplied)
                .Add("chaos_reservations_left_active", check.LeftActive)
                .Add("chaos_commits_refused_on_first_attempt", refusedFirstCommits)
                .Add("chaos_gave_up_operations", all.Count(o => o.Reserve == Outcome.GaveUp || o.Commit == Outcome.GaveUp))
                .Add("chaos_op_p50_ms", BenchEnvironment.Significant(latency.PercentileMs(0.5)))
                .Add("chaos_op_p99_ms", BenchEnvironment.Significant(latency.PercentileMs(0.99)))
                .Add("chaos_op_max_ms", BenchEnvironment.Significant(latency.MaxMs))
                .Add("chaos_seconds_without_acknowledged_write", zeroSeconds)
                .Add("chaos_kill_log", killLog);
            if (replacementFailures > 0) warnings.Add($"chaos: {replacementFailures} replacement silos failed to start (see chaos_kill_log and the silo logs in {ChildProcess.LogDirectory}).");
            if (abandoned > 0) warnings.Add($"chaos: {abandoned} calls neither completed nor failed within {CallDeadline.TotalSeconds:0} s although the response timeout is {ResponseTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            await StopAllAsync(everyone);
        }
    }

    private sealed record ChaosCheck(long Lost, long AppliedTwice, long Unexplained, int BalanceMismatches, int ApiMismatches, long AmbiguousApplied, long AmbiguousNotApplied, long LeftActive);

    /// <summary>
    /// The wallets' journals and stored totals against what the client was told: every acknowledged Reserve has its
    /// hold entry and every acknowledged Commit its charge (else lost); no reservation id is held, settled or charged
    /// twice; no entry belongs to an operation the client never attempted; each stored balance is the initial credit
    /// less the journal's charges, its reserved total the holds not settled, its entry count the journal's length; and
    /// what the grains answer (<c>Get</c>) equals the stored totals.
    /// </summary>
    private static async Task<ChaosCheck> CheckChaosAsync(string connectionString, string[] keys, decimal initialBalance, List<ChaosOp> ops, WalletInfo?[] apiStates, CancellationToken ct)
    {
        var holds = new Dictionary<string, (int Count, decimal Amount)>();
        var settles = new Dictionary<string, int>();
        var charges = new Dictionary<string, (int Count, decimal Amount)>();
        var perWallet = keys.ToDictionary(k => k, _ => (Entries: 0L, MaxSequence: 0L, Deposits: 0m, Charges: 0m));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var journal = new NpgsqlCommand(
            """
            select grain_key, sequence, payload->>'kind', payload->>'reservationId', (payload->>'amount')::numeric,
                   coalesce((payload->'reservation'->>'amount')::numeric, 0)
            from ledger_journal where grain_type = 'wallet' and state_name = $1 and grain_key like $2
            """, connection))
        {
            journal.Parameters.Add(new NpgsqlParameter { Value = WalletGrain.StateName });
            journal.Parameters.Add(new NpgsqlParameter { Value = Tenant + "/chaos-%" });
            await using var reader = await journal.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                string key = reader.GetString(0);
                long sequence = reader.GetInt64(1);
                string kind = reader.GetString(2);
                string? rid = reader.IsDBNull(3) ? null : reader.GetString(3);
                decimal amount = reader.GetDecimal(4), reserved = reader.GetDecimal(5);
                var w = perWallet[key];
                w.Entries++;
                w.MaxSequence = Math.Max(w.MaxSequence, sequence);
                switch (kind)
                {
                    case "deposit":
                        w.Deposits += amount;
                        break;
                    case "charge":
                        w.Charges += -amount;
                        charges[rid!] = (charges.GetValueOrDefault(rid!).Count + 1, -amount);
                        break;
                    case "hold":
                        holds[rid!] = (holds.GetValueOrDefault(rid!).Count + 1, reserved);
                        break;
                    case "settle":
                        settles[rid!] = settles.GetValueOrDefault(rid!) + 1;
                        break;
                }

                perWallet[key] = w;
            }
        }

        var stored = new Dictionary<string, (decimal Balance, decimal Reserved, long Entries)>();
        await using (var states = new NpgsqlCommand(
            """
            select grain_key, (payload->>'balance')::numeric, (payload->>'reserved')::numeric, (payload->>'entries')::bigint
            from ledger_state where grain_type = 'wallet' and state_name = $1 and grain_key like $2
            """, connection))
        {
            states.Parameters.Add(new NpgsqlParameter { Value = WalletGrain.StateName });
            states.Parameters.Add(new NpgsqlParameter { Value = Tenant + "/chaos-%" });
            await using var reader = await states.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) stored[reader.GetString(0)] = (reader.GetDecimal(1), reader.GetDecimal(2), reader.GetInt64(3));
        }

        long lost = 0, twice = 0, unexplained = 0, ambiguousApplied = 0, ambiguousNot = 0;
        var attempted = new HashSet<string>(ops.Select(o => o.ReservationId));
        var commitAttempted = new HashSet<string>(ops.Where(o => o.Commit != Outcome.NotAttempted).Select(o => o.ReservationId));
        foreach (var op in ops)
        {
            bool held = holds.ContainsKey(op.ReservationId), charged = charges.ContainsKey(op.ReservationId);
            if (op.Reserve == Outcome.Acknowledged && !held) lost++;
            if (op.Commit == Outcome.Acknowledged && !charged) lost++;
            if (op.Commit is Outcome.AlreadyCommitted or Outcome.NotActive or Outcome.GaveUp)
            {
                if (charged) ambiguousApplied++;
                else ambiguousNot++;
            }

            if (op.Commit == Outcome.AlreadyCommitted && !charged) lost++; // the grain said committed: the charge must be there
        }

        foreach (var (rid, hold) in holds)
        {
            if (hold.Count > 1) twice += hold.Count - 1;
            if (!attempted.Contains(rid)) unexplained++;
        }

        foreach (var (rid, settle) in settles)
        {
            if (settle > 1) twice += settle - 1;
        }

        foreach (var (rid, charge) in charges)
        {
            if (charge.Count > 1) twice += charge.Count - 1;
            if (!commitAttempted.Contains(rid)) unexplained++;
        }

        long leftActive = holds.Keys.Count(rid => !settles.ContainsKey(rid));
        var openByWallet = holds.Where(h => !settles.ContainsKey(h.Key)).GroupBy(h => WalletKeys.ProjectOfReservation(h.Key)).ToDictionary(g => g.Key ?? "", g => g.Sum(h => h.Value.Amount));
        int balanceMismatches = 0, apiMismatches = 0;
        for (int i = 0; i < keys.Length; i++)
        {
            var key = keys[i];
            var w = perWallet[key];
            string project = key[(key.IndexOf('/') + 1)..];
            if (!stored.TryGetValue(key, out var s)
                || s.Balance != initialBalance - w.Charges
                || w.Deposits != initialBalance
                || s.Reserved != openByWallet.GetValueOrDefault(project)
                || s.Entries != w.Entries
                || w.MaxSequence != w.Entries)
            {
                balanceMismatches++;
            }

            if (apiStates[i] is not { } api || !stored.TryGetValue(key, out var st) || api.Balance != st.Balance || api.Reserved != st.Reserved) apiMismatches++;
        }

        return new ChaosCheck(lost, twice, unexplained, balanceMismatches, apiMismatches, ambiguousApplied, ambiguousNot, leftActive);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private string NextSiloName() => "s" + Interlocked.Increment(ref _siloNumber).ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts <paramref name="count"/> product silos together and waits until each serves.</summary>
    private async Task<List<SiloProcess>> StartSilosAsync(SuiteContext context, string connectionString, string token, int count, CancellationToken ct)
    {
        var silos = Enumerable.Range(0, count).Select(_ => SiloProcess.Start(context.RepositoryRoot, new SiloProcessOptions(NextSiloName(), connectionString, token))).ToList();
        var started = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitUntilServingAsync(SiloStartTimeout, ct)));
        }
        catch
        {
            await StopAllAsync(silos);
            throw;
        }

        context.Log($"Silos {string.Join(", ", silos.Select(s => $"{s} (pid {s.Process.Id}, silo port {s.SiloPort})"))} serving after {started.Elapsed.TotalSeconds:0.0} s");
        return silos;
    }

    /// <summary>Waits until the cluster's membership lists <paramref name="count"/> active silos.</summary>
    private static async Task WaitForActiveSilosAsync(SuiteContext context, string phase, IManagementGrain management, int count, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var hosts = await management.GetHosts(onlyActive: true);
                if (hosts.Count == count)
                {
                    context.Log($"[{phase}] {count} active silos in the membership table after {waited.Elapsed.TotalSeconds:0.0} s");
                    return;
                }
            }
            catch (Exception) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
            }

            if (waited.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException($"The cluster did not list {count} active silos within 60 s.");
            await Task.Delay(200, ct);
        }
    }

    private static async Task StopAllAsync(IEnumerable<SiloProcess> silos)
    {
        List<SiloProcess> list;
        lock (silos) list = silos.ToList();
        await Task.WhenAll(list.Select(async s =>
        {
            await s.StopAsync(TimeSpan.FromSeconds(20));
            await s.DisposeAsync();
        }));
    }

    /// <summary>An exception's type, and its inner exception's when the outer one only wraps it.</summary>
    private static string Describe(Exception e)
    {
        var name = e.GetType().Name;
        if (e.InnerException is { } inner && e is AggregateException or OrleansException) name += "/" + inner.GetType().Name;
        if (name.Contains("InconsistentState", StringComparison.Ordinal) || e.Message.Contains("InconsistentStateException", StringComparison.Ordinal)) return "InconsistentStateException";
        return name;
    }

    /// <summary>The product answered a call with something the bench did not ask for: stops the suite.</summary>
    private sealed class ChaosProtocolException(string message) : Exception(message);

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
}
