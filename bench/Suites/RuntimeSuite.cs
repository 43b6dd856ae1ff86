using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Bench.Grains;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// Orleans in one process (one silo, localhost clustering, in this process): (1) no-op calls on active grains made
/// from the silo's own <see cref="IGrainFactory"/> (as the co-hosted HTTP gateway makes them), with the Orleans
/// dashboard on (as the product's silo runs) and off, against the same calls on a plain object, with 1 and 100 calls
/// in flight; (2) managed memory per idle activation with a small state (ledger store in memory); (3) activations per
/// second when every activation reads its state from PostgreSQL through the product's ledger store (fsync on).
/// Options: --seconds (each measurement, default 5), --warmup-seconds (2), --activations (100000),
/// --storage-grains (20000), --storage-in-flight (64).
/// </summary>
internal sealed class RuntimeSuite : ISuite
{
    private const double TargetCallsPerSecond = 250_000;
    private const double TargetStorageActivationsPerSecond = 5_000;
    private const int ManyInFlight = 100;
    private const int MemoryActivationConcurrency = 64;
    private const int WarmupActivations = 1_000;
    private const int StorageWarmupActivations = 500;

    public string Name => "runtime";

    public string Description => "local grain calls with and without the dashboard vs a plain object (1 and 100 in flight), memory per idle activation, activations/s from PostgreSQL (ledger store)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var measure = TimeSpan.FromSeconds(context.Option("seconds", 5));
        var warmup = TimeSpan.FromSeconds(context.Option("warmup-seconds", 2));
        int activations = (int)context.Option("activations", 100_000);
        int storageGrains = (int)context.Option("storage-grains", 20_000);
        int storageInFlight = (int)context.Option("storage-in-flight", 64);

        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release")
        {
            context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        }

        result.Add("orleans_version", typeof(Grain).Assembly.GetName().Version?.ToString() ?? "?");
        await MeasureCallsAsync(context, result, warmup, measure);
        await MeasureActivationMemoryAsync(context, result, activations);
        await MeasureStorageActivationsAsync(context, result, storageGrains, storageInFlight);

        var missed = new List<string>();
        var warnings = new List<string>();
        foreach (var suffix in new[] { "100_in_flight", "100_in_flight_no_dashboard" })
        {
            if (result[$"local_loops_starved_{suffix}"] is int starved && starved > 0)
            {
                warnings.Add($"local_{suffix}_unfair: {starved} of {ManyInFlight} calling loops completed under a tenth of the mean calls per loop "
                    + $"(min {result[$"local_min_calls_per_loop_{suffix}"]}, max {result[$"local_max_calls_per_loop_{suffix}"]} calls).");
            }
        }

        context.Log("Figures against the targets:");
        Targets.Check(context, result, missed, "local_calls_per_s", TargetCallsPerSecond, higherIsBetter: true, "calls/s");
        Targets.Check(context, result, missed, "local_calls_per_s_no_dashboard", TargetCallsPerSecond, higherIsBetter: true, "calls/s");
        Targets.Check(context, result, missed, "storage_activations_per_s", TargetStorageActivationsPerSecond, higherIsBetter: true, "activations/s");
        result.Add("targets_missed", missed);
        result.Add("warnings", warnings);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        foreach (var warning in warnings) context.Log("WARNING: " + warning);
        return result;
    }

    // ---- 1. Local calls --------------------------------------------------------------------------------------

    private static async Task MeasureCallsAsync(SuiteContext context, BenchResult result, TimeSpan warmup, TimeSpan measure)
    {
        result.Add("measure_s", measure.TotalSeconds).Add("warmup_s", warmup.TotalSeconds).Add("local_grains_100_in_flight", ManyInFlight)
            .Add("local_callers", "independent: each caller's next call is queued to the thread pool's global queue, as a request from the network is (see Load.ClosedLoopAsync)");

        // Grains first: the plain runs with 100 synchronous loops make the thread pool add threads.
        foreach (var dashboard in new[] { true, false })
        {
            string label = dashboard ? "dashboard on" : "dashboard off";
            string suffix = dashboard ? "" : "_no_dashboard";
            context.Log($"[calls] Starting a silo ({label}, ledger store in memory) and activating {ManyInFlight} grains ...");
            using var host = BuildSilo(dashboard, postgres: null);
            await host.StartAsync(context.CancellationToken);
            var factory = host.Services.GetRequiredService<IGrainFactory>();
            long activationsBefore = NoopGrain.Activations;
            var grains = Enumerable.Range(0, ManyInFlight).Select(i => factory.GetGrain<INoopGrain>($"hot-{i}")).ToArray();
            foreach (var grain in grains) await grain.Noop();

            var one = await MeasureCallConfigurationAsync(context, $"grain ({label}), 1 in flight", [new NoopCall(grains[0])], warmup, measure, independentCallers: true);
            var many = await MeasureCallConfigurationAsync(context, $"grain ({label}), {ManyInFlight} in flight ({ManyInFlight} grains)", grains.Select(g => new NoopCall(g)).ToArray(), warmup, measure, independentCallers: true);
            long activated = NoopGrain.Activations - activationsBefore;
            if (activated != ManyInFlight)
            {
                throw new InvalidOperationException($"Expected {ManyInFlight} activations during the call runs ({label}), counted {activated}.");
            }

            AddCalls(result, "local", "1_in_flight" + suffix, one);
            AddCalls(result, "local", "100_in_flight" + suffix, many);
            result.Add("local_calls_per_s" + suffix, Math.Round(many.Throughput.CallsPerSecond))
                .Add("local_p50_ms" + suffix, BenchEnvironment.Significant(many.Latency.Latency!.PercentileMs(0.5)))
                .Add("local_p99_ms" + suffix, BenchEnvironment.Significant(many.Latency.Latency!.PercentileMs(0.99)));
            context.Log($"[calls] Stopping the silo ({label}) ...");
            await host.StopAsync(CancellationToken.None);
        }

        double on = (double)result["local_calls_per_s"]!, off = (double)result["local_calls_per_s_no_dashboard"]!;
        result.Add("dashboard_cost_percent_100_in_flight", Math.Round(100 * (1 - on / off), 1));
        context.Log($"[calls] The dashboard costs {100 * (1 - on / off):0.0} % of the local call rate with {ManyInFlight} in flight.");

        var plains = Enumerable.Range(0, ManyInFlight).Select(_ => new PlainNoop()).ToArray();
        var plain1 = await MeasureCallConfigurationAsync(context, "plain object, 1 in flight", [new NoopCall(plains[0])], warmup, measure);
        var plain100 = await MeasureCallConfigurationAsync(context, $"plain object, {ManyInFlight} in flight ({ManyInFlight} objects)", plains.Select(p => new NoopCall(p)).ToArray(), warmup, measure);
        AddCalls(result, "plain", "1_in_flight", plain1);
        AddCalls(result, "plain", "100_in_flight", plain100);
        double ratio = (double)result["local_calls_per_s_1_in_flight"]! / plain1.Throughput.CallsPerSecond;
        result.Add("grain_to_plain_throughput_ratio_1_in_flight", BenchEnvironment.Significant(ratio));
        context.Log($"[calls] 1 in flight: a grain call (dashboard on) runs at {ratio:0.######} of the plain call rate (plain is {1 / ratio:0}x faster); the plain rate calibrates the machine's speed.");
    }

    private static async Task<(LoadResult Throughput, LoadResult Latency)> MeasureCallConfigurationAsync(
        SuiteContext context, string label, NoopCall[] calls, TimeSpan warmup, TimeSpan measure, bool independentCallers = false)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        context.Log($"[calls] {label}: warm-up {warmup.TotalSeconds:0.#} s ...");
        await Load.ClosedLoopAsync(calls, warmup, recordLatency: false, independentCallers);
        CollectGarbage();
        var throughput = await Load.ClosedLoopAsync(calls, measure, recordLatency: false, independentCallers);
        context.Log($"[calls] {label}: throughput run {throughput.Calls:N0} calls in {throughput.Elapsed.TotalSeconds:0.00} s = {throughput.CallsPerSecond:N0} calls/s, {throughput.AllocatedBytesPerCall:0.#} bytes allocated per call; calls per loop min {throughput.CallsPerLoop.Min():N0} / max {throughput.CallsPerLoop.Max():N0}");
        CollectGarbage();
        var latency = await Load.ClosedLoopAsync(calls, measure, recordLatency: true, independentCallers);
        var l = latency.Latency!;
        context.Log($"[calls] {label}: latency run {latency.CallsPerSecond:N0} calls/s (timed); p50 {l.PercentileMs(0.50):0.######} ms, p99 {l.PercentileMs(0.99):0.######} ms, p99.9 {l.PercentileMs(0.999):0.######} ms, max {l.MaxMs:0.###} ms, mean {l.MeanMs:0.######} ms; {l.CountAboveMs(1):N0} calls over 1 ms; calls per loop min {latency.CallsPerLoop.Min():N0} / max {latency.CallsPerLoop.Max():N0}, {StarvedLoops(latency)} of {calls.Length} loops starved");
        return (throughput, latency);
    }

    private static void AddCalls(BenchResult result, string prefix, string suffix, (LoadResult Throughput, LoadResult Latency) run)
    {
        var latency = run.Latency.Latency!;
        result.Add($"{prefix}_calls_per_s_{suffix}", Math.Round(run.Throughput.CallsPerSecond));
        result.Add($"{prefix}_p50_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.50)));
        result.Add($"{prefix}_p99_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.99)));
        result.Add($"{prefix}_p999_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.999)));
        result.Add($"{prefix}_max_ms_{suffix}", BenchEnvironment.Significant(latency.MaxMs));
        result.Add($"{prefix}_mean_ms_{suffix}", BenchEnvironment.Significant(latency.MeanMs));
        result.Add($"{prefix}_calls_over_1_ms_{suffix}", latency.CountAboveMs(1));
        result.Add($"{prefix}_min_calls_per_loop_{suffix}", run.Latency.CallsPerLoop.Min());
        result.Add($"{prefix}_max_calls_per_loop_{suffix}", run.Latency.CallsPerLoop.Max());
        result.Add($"{prefix}_loops_starved_{suffix}", StarvedLoops(run.Latency));
        result.Add($"{prefix}_allocated_bytes_per_call_{suffix}", Math.Round(run.Throughput.AllocatedBytesPerCall, 1));
    }

    /// <summary>Loops that completed fewer than a tenth of the mean number of calls per loop: callers left waiting.</summary>
    private static int StarvedLoops(LoadResult run)
    {
        double mean = run.CallsPerLoop.Average();
        return run.CallsPerLoop.Count(c => c < mean / 10);
    }

    private readonly struct NoopCall(INoopGrain target) : IOperation
    {
        public Task InvokeAsync() => target.Noop();
    }

    // ---- 2. Memory per idle activation -----------------------------------------------------------------------

    private static async Task MeasureActivationMemoryAsync(SuiteContext context, BenchResult result, int count)
    {
        context.Log($"[memory] Starting a silo (dashboard off, ledger store in memory); seeding {count + WarmupActivations:N0} small states ...");
        using var host = BuildSilo(dashboard: false, postgres: null);
        await host.StartAsync(context.CancellationToken);
        var factory = host.Services.GetRequiredService<IGrainFactory>();
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        for (int i = 0; i < count + WarmupActivations; i++)
        {
            var grainId = factory.GetGrain<INoopGrain>(MemoryKey(i)).GetGrainId();
            await storage.WriteStateAsync(NoopGrain.StateName, grainId, new GrainState<SmallState>(NewState(i)));
        }

        long activationsBefore = NoopGrain.Activations;
        context.Log($"[memory] Warm-up: activating {WarmupActivations:N0} other grains ...");
        await Load.BoundedAsync(WarmupActivations, MemoryActivationConcurrency, i => CheckValueAsync(factory, MemoryKey(count + i), count + i));

        long heapBefore = CollectGarbage();
        long workingSetBefore = Environment.WorkingSet;
        context.Log($"[memory] Heap before: {heapBefore / 1048576.0:0.0} MB; activating {count:N0} grains ({MemoryActivationConcurrency} in flight, GetValue on each) ...");
        var run = await Load.BoundedAsync(count, MemoryActivationConcurrency, i => CheckValueAsync(factory, MemoryKey(i), i));
        await Task.Delay(200);
        long heapAfter = CollectGarbage();
        long workingSetAfter = Environment.WorkingSet;
        long activated = NoopGrain.Activations - activationsBefore;
        context.Log($"[memory] {count:N0} activations in {run.Elapsed.TotalSeconds:0.00} s = {run.CallsPerSecond:N0}/s; {activated:N0} activations counted; heap after: {heapAfter / 1048576.0:0.0} MB; working set {workingSetAfter / 1048576.0:0} MB");
        if (activated != count + WarmupActivations)
        {
            throw new InvalidOperationException($"Expected {count + WarmupActivations} activations, counted {activated}.");
        }

        context.Log($"[memory] Stopping the silo (deactivates {activated:N0} activations) ...");
        var stopping = Stopwatch.StartNew();
        await host.StopAsync(CancellationToken.None);
        double stopSeconds = stopping.Elapsed.TotalSeconds;
        context.Log($"[memory] Silo stopped in {stopSeconds:0.00} s.");

        // The same states alone: the array is allocated before the first reading, so only the objects count.
        var states = new SmallState[count];
        long statesBefore = CollectGarbage();
        for (int i = 0; i < count; i++) states[i] = NewState(i);
        long statesAfter = CollectGarbage();
        GC.KeepAlive(states);

        double total = (heapAfter - heapBefore) / (double)count;
        double state = (statesAfter - statesBefore) / (double)count;
        context.Log($"[memory] per activation: {total:0.0} bytes in all, of which {state:0.0} bytes are the state object and its string alone; runtime overhead {total - state:0.0} bytes");
        result.Add("activations_measured", count)
            .Add("memory_activations_per_s", Math.Round(run.CallsPerSecond))
            .Add("memory_allocated_bytes_per_activation", Math.Round(run.AllocatedBytesPerCall))
            .Add("total_bytes_per_activation", Math.Round(total, 1))
            .Add("state_bytes_per_activation", Math.Round(state, 1))
            .Add("runtime_overhead_bytes_per_activation", Math.Round(total - state, 1))
            .Add("process_working_set_mb_before_activations", Math.Round(workingSetBefore / 1048576.0, 1))
            .Add("process_working_set_mb", Math.Round(workingSetAfter / 1048576.0, 1))
            .Add("silo_stop_s_with_activations", Math.Round(stopSeconds, 2));
    }

    private static string MemoryKey(int i) => "mem-" + i.ToString(CultureInfo.InvariantCulture);

    private static SmallState NewState(int i) => new() { Value = i, Name = "grain-" + i.ToString(CultureInfo.InvariantCulture) };

    // ---- 3. Activations from PostgreSQL ----------------------------------------------------------------------

    private static async Task MeasureStorageActivationsAsync(SuiteContext context, BenchResult result, int count, int inFlight)
    {
        var ct = context.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("[storage] Starting a throwaway PostgreSQL (fsync on) and applying the schema ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);
        await BenchDatabases.MigrateAsync(postgres.ConnectionString, ct);

        using var host = BuildSilo(dashboard: true, postgres.ConnectionString);
        context.Log("[storage] Starting a silo on PostgreSQL (ledger store, ADO.NET default storage and reminders; dashboard on, as the product runs) ...");
        await host.StartAsync(ct);
        var factory = host.Services.GetRequiredService<IGrainFactory>();

        // The row key as the ledger store writes it: the grain id's type and key as text.
        var sample = factory.GetGrain<INoopGrain>(PostgresKey(1)).GetGrainId();
        if (sample.Key.ToString() != PostgresKey(1)) throw new InvalidOperationException($"Unexpected grain key format '{sample.Key}'.");
        int rows = count + StorageWarmupActivations;
        var seeding = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using (var seed = new NpgsqlCommand(
                """
                insert into ledger_state (grain_type, grain_key, state_name, payload, version)
                select $1, 'pg-' || g, $3, jsonb_build_object('value', g, 'name', 'grain-' || g), 1
                from generate_series(1, $2) as g
                """, connection))
            {
                seed.Parameters.Add(new NpgsqlParameter { Value = sample.Type.ToString() });
                seed.Parameters.Add(new NpgsqlParameter { Value = rows });
                seed.Parameters.Add(new NpgsqlParameter { Value = NoopGrain.StateName });
                int inserted = await seed.ExecuteNonQueryAsync(ct);
                if (inserted != rows) throw new InvalidOperationException($"Seeding inserted {inserted} rows, expected {rows}.");
            }

            await using var analyze = new NpgsqlCommand("analyze ledger_state", connection);
            await analyze.ExecuteNonQueryAsync(ct);
        }

        context.Log($"[storage] Seeded {rows:N0} ledger_state rows (grain type '{sample.Type}') in {seeding.Elapsed.TotalSeconds:0.00} s (one insert ... select from generate_series; then analyze).");

        long activationsBefore = NoopGrain.Activations;
        context.Log($"[storage] Warm-up: activating {StorageWarmupActivations} other grains ({inFlight} in flight) ...");
        await Load.BoundedAsync(StorageWarmupActivations, inFlight, i => CheckValueAsync(factory, PostgresKey(count + 1 + i), count + 1 + i));

        context.Log($"[storage] Activating {count:N0} distinct grains from PostgreSQL ({inFlight} in flight, GetValue on each: the first call of each waits for its state read) ...");
        var run = await Load.BoundedAsync(count, inFlight, i => CheckValueAsync(factory, PostgresKey(i + 1), i + 1));
        long activated = NoopGrain.Activations - activationsBefore;
        if (activated != rows)
        {
            throw new InvalidOperationException($"Expected {rows} activations, counted {activated}.");
        }

        var latency = run.Latency!;
        context.Log($"[storage] {count:N0} activations in {run.Elapsed.TotalSeconds:0.00} s = {run.CallsPerSecond:N0}/s; first call p50 {latency.PercentileMs(0.5):0.###} ms, p99 {latency.PercentileMs(0.99):0.###} ms; every value matched its seeded row");
        result.Add("storage_rows_seeded", rows)
            .Add("storage_activations_in_flight", inFlight)
            .Add("storage_activations_per_s", Math.Round(run.CallsPerSecond))
            .Add("storage_allocated_bytes_per_activation", Math.Round(run.AllocatedBytesPerCall))
            .Add("storage_first_call_p50_ms", BenchEnvironment.Significant(latency.PercentileMs(0.5)))
            .Add("storage_first_call_p99_ms", BenchEnvironment.Significant(latency.PercentileMs(0.99)))
            .Add("storage_values_verified", count);

        context.Log("[storage] Stopping the silo and PostgreSQL ...");
        await host.StopAsync(CancellationToken.None);
    }

    private static string PostgresKey(int rowNumber) => "pg-" + rowNumber.ToString(CultureInfo.InvariantCulture);

    // ---- helpers ---------------------------------------------------------------------------------------------

    /// <summary>
    /// One silo in this process (Orleans' generic host, localhost clustering on free ports), with the product's storage
    /// (<see cref="OrleansHosting.AddArbitrageStorage"/>: in memory, or PostgreSQL) and optionally the dashboard; no idle
    /// collection during a run. No default configuration sources: nothing in the environment can change the run.
    /// </summary>
    private static IHost BuildSilo(bool dashboard, string? postgres)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(ChildProcess.FreePort(), ChildProcess.FreePort(), serviceId: "bench-runtime", clusterId: "bench-runtime");
            silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromHours(1));
            silo.AddArbitrageStorage(postgres);
            if (dashboard) silo.AddDashboard();
        });
        return builder.Build();
    }

    private static async Task CheckValueAsync(IGrainFactory factory, string key, int expected)
    {
        int value = await factory.GetGrain<INoopGrain>(key).GetValue();
        if (value != expected)
        {
            throw new InvalidOperationException($"Grain {key} returned {value}, expected {expected}: its state was not loaded from storage.");
        }
    }

    /// <summary>Full blocking compacting collections until finalizers are done; returns the live managed heap in bytes.</summary>
    private static long CollectGarbage()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
