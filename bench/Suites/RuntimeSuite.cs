using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Bench.Grains;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Runtime;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// The grain runtime in one process: (1) no-op calls on active grains against the same calls on a plain object,
/// with 1 and 100 calls in flight; (2) managed memory per idle activation with a small state; (3) activations per
/// second when every activation reads its state from PostgreSQL.
/// Options: --seconds (each measurement, default 5), --warmup-seconds (2), --activations (100000),
/// --storage-grains (20000), --storage-in-flight (64).
/// </summary>
internal sealed class RuntimeSuite : ISuite
{
    private const double TargetCallsPerSecond = 200_000;
    private const double TargetP99Ms = 1.0;
    private const double TargetOverheadBytes = 1024;
    private const double TargetStorageActivationsPerSecond = 5_000;
    private const int ManyInFlight = 100;
    private const int MemoryActivationConcurrency = 64;
    private const int WarmupActivations = 1_000;
    private const int StorageWarmupActivations = 500;
    private static readonly string GrainType = nameof(NoopGrain);

    public string Name => "runtime";

    public string Description => "local grain calls vs a plain object (1 and 100 in flight), memory per idle activation, activations/s from PostgreSQL";

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

        await MeasureCallsAsync(context, result, warmup, measure);
        await MeasureActivationMemoryAsync(context, result, activations);
        await MeasureStorageActivationsAsync(context, result, storageGrains, storageInFlight);

        var missed = new List<string>();
        var warnings = new List<string>();
        if (result["local_loops_starved_100_in_flight"] is int starved && starved > 0)
        {
            warnings.Add($"local_100_in_flight_unfair: {starved} of {ManyInFlight} calling loops completed under a tenth of the mean calls per loop "
                + $"(min {result["local_min_calls_per_loop_100_in_flight"]}, max {result["local_max_calls_per_loop_100_in_flight"]} calls); "
                + $"max call latency {result["local_max_ms_100_in_flight"]} ms. Per-call percentiles come mostly from the few loops being served; see docs/PERFORMANCE.md.");
        }

        context.Log("Figures against the targets:");
        Check(context, missed, "local_calls_per_s_100_in_flight", (double)result["local_calls_per_s_100_in_flight"]!, TargetCallsPerSecond, higherIsBetter: true, "calls/s");
        Check(context, missed, "local_p99_ms_100_in_flight", (double)result["local_p99_ms_100_in_flight"]!, TargetP99Ms, higherIsBetter: false, "ms",
            warnings.Count > 0 ? "per call; but callers were starved, see WARNING" : null);
        Check(context, missed, "runtime_overhead_bytes_per_activation", (double)result["runtime_overhead_bytes_per_activation"]!, TargetOverheadBytes, higherIsBetter: false, "bytes");
        Check(context, missed, "storage_activations_per_s", (double)result["storage_activations_per_s"]!, TargetStorageActivationsPerSecond, higherIsBetter: true, "activations/s");
        result.Add("targets_missed", missed);
        result.Add("warnings", warnings);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        foreach (var warning in warnings) context.Log("WARNING: " + warning);
        return result;
    }

    // ---- 1. Local calls --------------------------------------------------------------------------------------

    private static async Task MeasureCallsAsync(SuiteContext context, BenchResult result, TimeSpan warmup, TimeSpan measure)
    {
        context.Log($"[calls] Starting a host with memory storage and activating {ManyInFlight} grains ...");
        using var host = BuildHost(runtime => runtime.AddGrain<NoopGrain>().AddMemoryGrainStorage());
        await host.StartAsync(context.CancellationToken);
        var factory = host.Services.GetRequiredService<IGrainFactory>();
        var grains = Enumerable.Range(0, ManyInFlight).Select(i => factory.GetGrain<INoopGrain>($"hot-{i}")).ToArray();
        foreach (var grain in grains) await grain.Noop();
        var plains = Enumerable.Range(0, ManyInFlight).Select(_ => new PlainNoop()).ToArray();

        // Grains first: the plain runs with 100 synchronous loops make the thread pool add threads.
        var grain1 = await MeasureCallConfigurationAsync(context, "grain, 1 in flight", [new NoopCall(grains[0])], warmup, measure);
        var grain100 = await MeasureCallConfigurationAsync(context, $"grain, {ManyInFlight} in flight ({ManyInFlight} grains)", grains.Select(g => new NoopCall(g)).ToArray(), warmup, measure);
        var plain1 = await MeasureCallConfigurationAsync(context, "plain object, 1 in flight", [new NoopCall(plains[0])], warmup, measure);
        var plain100 = await MeasureCallConfigurationAsync(context, $"plain object, {ManyInFlight} in flight ({ManyInFlight} objects)", plains.Select(p => new NoopCall(p)).ToArray(), warmup, measure);

        var statistics = host.Services.GetRequiredService<IRuntimeStatisticsProvider>().GetStatistics();
        var noop = statistics.Methods.FirstOrDefault(m => m.Method.EndsWith(".Noop", StringComparison.Ordinal));
        context.Log($"[calls] runtime's own statistics: {statistics.TotalActivations} activations, {noop?.Calls ?? 0:N0} Noop calls, runtime-recorded p50 {noop?.P50LatencyMs} ms / p99 {noop?.P99LatencyMs} ms (power-of-two buckets)");
        if (statistics.TotalActivations != ManyInFlight)
        {
            throw new InvalidOperationException($"Expected {ManyInFlight} activations during the call runs, found {statistics.TotalActivations}.");
        }

        result.Add("measure_s", measure.TotalSeconds).Add("warmup_s", warmup.TotalSeconds).Add("local_grains_100_in_flight", ManyInFlight);
        AddCalls(result, "local", "1_in_flight", grain1);
        AddCalls(result, "local", "100_in_flight", grain100);
        AddCalls(result, "plain", "1_in_flight", plain1);
        AddCalls(result, "plain", "100_in_flight", plain100);
        foreach (var (suffix, grain, plain) in new[] { ("1_in_flight", grain1, plain1), ("100_in_flight", grain100, plain100) })
        {
            double throughputRatio = grain.Throughput.CallsPerSecond / plain.Throughput.CallsPerSecond;
            double p99Ratio = grain.Latency.Latency!.PercentileMs(0.99) / plain.Latency.Latency!.PercentileMs(0.99);
            result.Add($"grain_to_plain_throughput_ratio_{suffix}", BenchEnvironment.Significant(throughputRatio));
            result.Add($"grain_to_plain_p99_ratio_{suffix}", BenchEnvironment.Significant(p99Ratio));
            context.Log($"[calls] {suffix.Replace('_', ' ')}: grain/plain throughput = {throughputRatio:0.0000} (plain is {1 / throughputRatio:0.0}x faster); grain p99 / plain p99 = {p99Ratio:0.0}");
        }

        context.Log("[calls] Stopping the host ...");
        await host.StopAsync(CancellationToken.None);
    }

    private static async Task<(LoadResult Throughput, LoadResult Latency)> MeasureCallConfigurationAsync(
        SuiteContext context, string label, NoopCall[] calls, TimeSpan warmup, TimeSpan measure)
    {
        context.CancellationToken.ThrowIfCancellationRequested();
        context.Log($"[calls] {label}: warm-up {warmup.TotalSeconds:0.#} s ...");
        await Load.ClosedLoopAsync(calls, warmup, recordLatency: false);
        CollectGarbage();
        var throughput = await Load.ClosedLoopAsync(calls, measure, recordLatency: false);
        context.Log($"[calls] {label}: throughput run {throughput.Calls:N0} calls in {throughput.Elapsed.TotalSeconds:0.00} s = {throughput.CallsPerSecond:N0} calls/s, {throughput.AllocatedBytesPerCall:0.#} bytes allocated per call; calls per loop min {throughput.CallsPerLoop.Min():N0} / max {throughput.CallsPerLoop.Max():N0}");
        CollectGarbage();
        var latency = await Load.ClosedLoopAsync(calls, measure, recordLatency: true);
        var l = latency.Latency!;
        context.Log($"[calls] {label}: latency run {latency.CallsPerSecond:N0} calls/s (timed); p50 {l.PercentileMs(0.50):0.######} ms, p99 {l.PercentileMs(0.99):0.######} ms, p99.9 {l.PercentileMs(0.999):0.######} ms, p99.99 {l.PercentileMs(0.9999):0.######} ms, max {l.MaxMs:0.###} ms, mean {l.MeanMs:0.######} ms; {l.CountAboveMs(1):N0} calls over 1 ms, {l.CountAboveMs(100):N0} over 100 ms; calls per loop min {latency.CallsPerLoop.Min():N0} / max {latency.CallsPerLoop.Max():N0}, {StarvedLoops(latency)} of {calls.Length} loops starved");
        return (throughput, latency);
    }

    private static void AddCalls(BenchResult result, string prefix, string suffix, (LoadResult Throughput, LoadResult Latency) run)
    {
        var latency = run.Latency.Latency!;
        result.Add($"{prefix}_calls_per_s_{suffix}", Math.Round(run.Throughput.CallsPerSecond));
        result.Add($"{prefix}_p50_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.50)));
        result.Add($"{prefix}_p99_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.99)));
        result.Add($"{prefix}_p999_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.999)));
        result.Add($"{prefix}_p9999_ms_{suffix}", BenchEnvironment.Significant(latency.PercentileMs(0.9999)));
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
        context.Log($"[memory] Starting a host with memory storage; seeding {count + WarmupActivations:N0} small states ...");
        using var host = BuildHost(runtime => runtime.AddGrain<NoopGrain>().AddMemoryGrainStorage());
        await host.StartAsync(context.CancellationToken);
        var factory = host.Services.GetRequiredService<IGrainFactory>();
        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>(GrainStorageNames.Default);
        for (int i = 0; i < count + WarmupActivations; i++)
        {
            await storage.WriteStateAsync("state", new GrainId(GrainType, MemoryKey(i)), new SeedState(NewState(i)), context.CancellationToken);
        }

        context.Log($"[memory] Warm-up: activating {WarmupActivations:N0} other grains ...");
        await Load.BoundedAsync(WarmupActivations, MemoryActivationConcurrency, i => CheckValueAsync(factory, MemoryKey(count + i), count + i));

        long heapBefore = CollectGarbage();
        long workingSetBefore = Environment.WorkingSet;
        context.Log($"[memory] Heap before: {heapBefore / 1048576.0:0.0} MB; activating {count:N0} grains ({MemoryActivationConcurrency} in flight, GetValue on each) ...");
        var run = await Load.BoundedAsync(count, MemoryActivationConcurrency, i => CheckValueAsync(factory, MemoryKey(i), i));
        await WaitForNoCallsInFlightAsync(host);
        long heapAfter = CollectGarbage();
        long workingSetAfter = Environment.WorkingSet;
        var statistics = host.Services.GetRequiredService<IRuntimeStatisticsProvider>().GetStatistics();
        context.Log($"[memory] {count:N0} activations in {run.Elapsed.TotalSeconds:0.00} s = {run.CallsPerSecond:N0}/s; runtime reports {statistics.TotalActivations:N0} activations; heap after: {heapAfter / 1048576.0:0.0} MB; working set {workingSetAfter / 1048576.0:0} MB");
        if (statistics.TotalActivations != count + WarmupActivations)
        {
            throw new InvalidOperationException($"Expected {count + WarmupActivations} activations, the runtime reports {statistics.TotalActivations}.");
        }

        context.Log($"[memory] Stopping the host (deactivates {statistics.TotalActivations:N0} activations) ...");
        var stopping = Stopwatch.StartNew();
        await host.StopAsync(CancellationToken.None);
        context.Log($"[memory] Host stopped in {stopping.Elapsed.TotalSeconds:0.00} s.");

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
            .Add("process_working_set_mb", Math.Round(workingSetAfter / 1048576.0, 1));
    }

    private static string MemoryKey(int i) => "mem-" + i.ToString(CultureInfo.InvariantCulture);

    private static SmallState NewState(int i) => new() { Value = i, Name = "grain-" + i.ToString(CultureInfo.InvariantCulture) };

    private sealed class SeedState(SmallState state) : IGrainState<SmallState>
    {
        public SmallState State { get; set; } = state;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    // ---- 3. Activations from PostgreSQL ----------------------------------------------------------------------

    private static async Task MeasureStorageActivationsAsync(SuiteContext context, BenchResult result, int count, int inFlight)
    {
        var ct = context.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("[storage] Starting a throwaway PostgreSQL (fsync on) ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);

        using var host = BuildHost(runtime => runtime.AddGrain<NoopGrain>().UsePostgres(postgres.ConnectionString));
        context.Log("[storage] Starting a host on PostgreSQL (applies the migrations) ...");
        await host.StartAsync(ct);
        var factory = host.Services.GetRequiredService<IGrainFactory>();

        int rows = count + StorageWarmupActivations;
        var seeding = Stopwatch.StartNew();
        await using (var connection = new NpgsqlConnection(postgres.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using (var seed = new NpgsqlCommand(
                """
                insert into grain_state (grain_type, grain_key, state_name, payload, version)
                select $1, 'pg-' || g, 'state', jsonb_build_object('value', g, 'name', 'grain-' || g), 1
                from generate_series(1, $2) as g
                """, connection))
            {
                seed.Parameters.Add(new NpgsqlParameter { Value = GrainType });
                seed.Parameters.Add(new NpgsqlParameter { Value = rows });
                int inserted = await seed.ExecuteNonQueryAsync(ct);
                if (inserted != rows) throw new InvalidOperationException($"Seeding inserted {inserted} rows, expected {rows}.");
            }

            await using var analyze = new NpgsqlCommand("analyze grain_state", connection);
            await analyze.ExecuteNonQueryAsync(ct);
        }

        context.Log($"[storage] Seeded {rows:N0} grain_state rows in {seeding.Elapsed.TotalSeconds:0.00} s (one insert ... select from generate_series; then analyze).");

        context.Log($"[storage] Warm-up: activating {StorageWarmupActivations} other grains ({inFlight} in flight) ...");
        await Load.BoundedAsync(StorageWarmupActivations, inFlight, i => CheckValueAsync(factory, PostgresKey(count + 1 + i), count + 1 + i));

        context.Log($"[storage] Activating {count:N0} grains from PostgreSQL ({inFlight} in flight, GetValue on each) ...");
        var run = await Load.BoundedAsync(count, inFlight, i => CheckValueAsync(factory, PostgresKey(i + 1), i + 1));
        var statistics = host.Services.GetRequiredService<IRuntimeStatisticsProvider>().GetStatistics();
        if (statistics.TotalActivations != rows)
        {
            throw new InvalidOperationException($"Expected {rows} activations, the runtime reports {statistics.TotalActivations}.");
        }

        var latency = run.Latency!;
        context.Log($"[storage] {count:N0} activations in {run.Elapsed.TotalSeconds:0.00} s = {run.CallsPerSecond:N0}/s; first call p50 {latency.PercentileMs(0.5):0.###} ms, p99 {latency.PercentileMs(0.99):0.###} ms; every value matched its seeded row number");
        result.Add("storage_rows_seeded", rows)
            .Add("storage_activations_in_flight", inFlight)
            .Add("storage_activations_per_s", Math.Round(run.CallsPerSecond))
            .Add("storage_allocated_bytes_per_activation", Math.Round(run.AllocatedBytesPerCall))
            .Add("storage_first_call_p50_ms", BenchEnvironment.Significant(latency.PercentileMs(0.5)))
            .Add("storage_first_call_p99_ms", BenchEnvironment.Significant(latency.PercentileMs(0.99)))
            .Add("storage_values_verified", count);

        context.Log("[storage] Stopping the host and PostgreSQL ...");
        await host.StopAsync(CancellationToken.None);
    }

    private static string PostgresKey(int rowNumber) => "pg-" + rowNumber.ToString(CultureInfo.InvariantCulture);

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static IHost BuildHost(Action<GrainRuntimeBuilder> configure)
    {
        // No default configuration sources: settings in the environment or an appsettings.json cannot change the run.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddGrainRuntime(runtime =>
        {
            configure(runtime);
            runtime.Configure(o => o.CollectionAge = TimeSpan.FromHours(1)); // no idle collection during the run
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

    private static async Task WaitForNoCallsInFlightAsync(IHost host)
    {
        var provider = host.Services.GetRequiredService<IRuntimeStatisticsProvider>();
        for (int i = 0; i < 100 && provider.GetStatistics().CallsInFlight > 0; i++) await Task.Delay(10);
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

    private static void Check(SuiteContext context, List<string> missed, string key, double value, double target, bool higherIsBetter, string unit, string? note = null)
    {
        bool met = higherIsBetter ? value >= target : value <= target;
        if (!met) missed.Add(key);
        context.Log($"  {key,-40} {value.ToString("#,0.####", CultureInfo.InvariantCulture),14} {unit,-14} target {(higherIsBetter ? ">=" : "<=")} {target.ToString("#,0.####", CultureInfo.InvariantCulture),-8} {(met ? "met" : "MISSED")}{(note is null ? "" : $" ({note})")}");
    }
}
