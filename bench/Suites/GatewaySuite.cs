using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Silo.Hosting;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// The product's HTTP API under load: the silo executable (a separate process running Orleans on PostgreSQL with fsync
/// on, ADO.NET membership, the three simulated clouds, the dashboard on as configured) driven over loopback by this
/// process. (1) POST /v1/workloads in a closed loop: accepted and durable before each 202, with where its cost went
/// (CPU of the silo, of this process and of the machine; PostgreSQL write transactions and WAL bytes per request); (2) GET /v1/workloads/{id} in a closed loop over workloads created in (1); (2b) POST /api/v1/providers/select one
/// at a time, every request distinct, its p99 over HTTP; (3) 2,000
/// interruption notices within 10 s on running workloads, each timed from the notice to the replacement's launch
/// call (both read from the workload's audit trail); (4) POST /api/v1/requests for 5 machines each, 16 in flight, and
/// how long until the machines of a sample are placed. Workloads are spread over --projects wallets of the bootstrap
/// tenant. Options: --seconds (10), --post-concurrency (16), --get-concurrency (32), --get-workloads (1000),
/// --notices (2000), --notice-seconds (10), --projects (20), --request-tenants (20), --warmup-seconds (20: a
/// silo's JIT still spends about a fifth of the machine on re-compiling hot code 15 s after its start); --requests-only
/// runs phase (4) alone.
/// </summary>
internal sealed class GatewaySuite : ISuite
{
    private const double TargetGetPerSecond = 10_000, TargetGetP99Ms = 10, TargetPostPerSecond = 1_000, TargetPostP99Ms = 50, TargetMoveP99Ms = 1_000, TargetSelectP99Ms = 2, TargetRequestsPerSecond = 200;
    private const int MachinesPerRequest = 5;

    public string Name => "gateway";

    public string Description => "HTTP API against the silo process: GET and POST /v1/workloads rates and p99, provider selection p99, interruption notice to replacement launch, host-factory request creation (PostgreSQL fsync on)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        var seconds = TimeSpan.FromSeconds(context.Option("seconds", 10));
        int projects = (int)context.Option("projects", 20);

        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("Starting a throwaway PostgreSQL (fsync on) ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);
        var database = await BenchDatabases.CreateAsync(postgres.ConnectionString, "bench_gateway", ct);
        string adminToken = SiloProcess.NewAdminToken();

        // The default simulated clouds, with a 1 s boot so the moves can be measured soon after the load, and room for
        // every workload the run creates (at the default 10,000 instances per cloud, workloads created late would wait
        // for capacity and retry: load that depends on how fast the run went).
        var providersFile = Path.Combine(ChildProcess.LogDirectory, "bench-providers.json");
        await File.WriteAllTextAsync(providersFile, """
            { "providers": [
              { "name": "sim-aws", "type": "aws", "simulation": { "seed": 1, "speed": 60, "bootDelay": "00:00:01", "maxInstances": 200000 } },
              { "name": "sim-azure", "type": "azure", "simulation": { "seed": 2, "speed": 60, "bootDelay": "00:00:01", "maxInstances": 200000 } },
              { "name": "sim-gcp", "type": "gcp", "simulation": { "seed": 3, "speed": 60, "bootDelay": "00:00:01", "maxInstances": 200000 } } ] }
            """, ct);
        // Authentication and rate limiting stay on; the limits are raised so they count every request without refusing
        // the bench's one token and address, and the values are recorded with the figures.
        var environment = new Dictionary<string, string>
        {
            ["Bootstrap__InitialCredit"] = "1000000",
            ["RateLimits__PerToken__PermitLimit"] = BenchLimits.PerMinute.ToString(),
            ["RateLimits__PerAddress__PermitLimit"] = BenchLimits.PerMinute.ToString(),
            ["RateLimits__Classes__Providers__PermitLimit"] = BenchLimits.PerMinute.ToString(),
            ["RateLimits__Classes__Requests__PermitLimit"] = BenchLimits.PerMinute.ToString(),
            ["Market__TemplatesDirectory"] = await WriteTemplatesAsync(ct),
            ["Quotas__Default__MaxLiveWorkloads"] = BenchLimits.LiveWorkloads.ToString(),
            ["Quotas__Default__WorkloadCreationsPerMinute"] = BenchLimits.PerMinute.ToString(),
        };
        result.Add("auth", "bearer token (admin), verified per request");
        result.Add("rate_limits", "on: RateLimits__PerToken__PermitLimit, RateLimits__PerAddress__PermitLimit, RateLimits__Classes__Providers__PermitLimit and RateLimits__Classes__Requests__PermitLimit raised by environment variable");
        result.Add("rate_limit_per_token_per_min", BenchLimits.PerMinute);
        result.Add("rate_limit_per_address_per_min", BenchLimits.PerMinute);
        result.Add("quota_live_workloads", BenchLimits.LiveWorkloads);
        result.Add("quota_creations_per_min", BenchLimits.PerMinute);
        if (context.Flag("memory")) environment["Storage"] = "memory";
        context.Log($"Starting the silo executable (log: {Path.Combine(ChildProcess.LogDirectory, "silo.log")}) ...");
        await using var silo = SiloProcess.Start(context.RepositoryRoot, new SiloProcessOptions("silo", database, adminToken)
        {
            ProvidersFile = providersFile,
            Environment = environment,
            OnLine = line => { if (line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)) context.Log($"silo: {line}"); },
        });
        var starting = Stopwatch.StartNew();
        await silo.WaitUntilServingAsync(TimeSpan.FromMinutes(2), ct);
        context.Log($"The silo serves on port {silo.HttpPort} (Orleans silo port {silo.SiloPort}, gateway {silo.GatewayPort}) after {starting.Elapsed.TotalSeconds:0.0} s.");
        result.Add("silo_start_s", Math.Round(starting.Elapsed.TotalSeconds, 1));
        using var http = Client(silo, adminToken, Math.Max((int)context.Option("post-concurrency", 16), (int)context.Option("get-concurrency", 32)) + 8);

        context.Log($"Creating {projects} wallets of the bootstrap tenant ...");
        for (int p = 0; p < projects; p++)
        {
            await Send(http, HttpMethod.Post, "/api/v1/wallets", $$"""{"project_id": "bench-{{p}}", "initial_balance": 1000000}""", HttpStatusCode.Created);
        }

        if (context.Flag("requests-only"))
        {
            await MeasureRequestsAsync(context, result, http, seconds, silo, context.Flag("memory") ? null : database, ct);
            var missedRequests = new List<string>();
            Targets.Check(context, result, missedRequests, "request_create_per_s", TargetRequestsPerSecond, higherIsBetter: true, "requests/s");
            result.Add("targets_missed", missedRequests);
            return result;
        }

        var created = new System.Collections.Concurrent.ConcurrentBag<string>();
        int sequence = 0;
        Func<Task> post = async () =>
        {
            int n = Interlocked.Increment(ref sequence);
            int cpu = context.Flag("unplaceable") ? 100000 : 2;
            var body = await Send(http, HttpMethod.Post, "/v1/workloads",
                $$$"""{"name": "bench-{{{n}}}", "requirements": {"minCPU": {{{cpu}}}, "minMemoryGB": 4}, "config": {"imageId": "ami-bench"}, "metadata": {"project_id": "bench-{{{n % projects}}}"}}""",
                HttpStatusCode.Accepted);
            created.Add(body.GetProperty("id").GetString()!);
        };

        var warmup = TimeSpan.FromSeconds(context.Option("warmup-seconds", 20));
        context.Log($"Warming up POST for {warmup.TotalSeconds:0} s ...");
        await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(post), 8).ToList(), warmup, recordLatency: false);
        int postConcurrency = (int)context.Option("post-concurrency", 16);
        context.Log($"POST /v1/workloads: {postConcurrency} in flight for {seconds.TotalSeconds:0} s ...");
        var postCost = await PhaseCost.StartAsync(silo, context.Flag("memory") ? null : database, ct);
        var posts = await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(post), postConcurrency).ToList(), seconds, recordLatency: true);
        Report(context, result, "post", posts, TargetPostPerSecond, TargetPostP99Ms);
        await postCost.ReportAsync(context, result, "post", posts.Calls, ct);

        var ids = created.Take((int)context.Option("get-workloads", 1000)).ToArray();
        int next = 0;
        Func<Task> get = async () =>
        {
            var id = ids[(int)((uint)Interlocked.Increment(ref next) % ids.Length)];
            using var response = await http.GetAsync($"/v1/workloads/{id}", HttpCompletionOption.ResponseContentRead);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET /v1/workloads/{id} answered {(int)response.StatusCode}");
        };
        int getConcurrency = (int)context.Option("get-concurrency", 32);
        context.Log($"Warming up GET for {warmup.TotalSeconds:0} s, then {getConcurrency} in flight for {seconds.TotalSeconds:0} s over {ids.Length} workloads ...");
        await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(get), 8).ToList(), warmup, recordLatency: false);
        var getCost = await PhaseCost.StartAsync(silo, context.Flag("memory") ? null : database, ct);
        var gets = await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(get), getConcurrency).ToList(), seconds, recordLatency: true);
        Report(context, result, "get", gets, TargetGetPerSecond, TargetGetP99Ms);
        await getCost.ReportAsync(context, result, "get", gets.Calls, ct);

        await MeasureSelectionAsync(context, result, http, seconds);

        await TerminateAllButAsync(context, result, http, created.ToArray(), (int)context.Option("notices", 2000));
        await MeasureMovesAsync(context, result, http, created.ToArray(), ct);
        result.Add("workloads_created", created.Count);
        await MeasureRequestsAsync(context, result, http, seconds, silo, context.Flag("memory") ? null : database, ct);

        var missed = new List<string>();
        context.Log("Figures against the targets:");
        Targets.Check(context, result, missed, "post_requests_per_s", TargetPostPerSecond, higherIsBetter: true, "requests/s");
        Targets.Check(context, result, missed, "post_p99_ms", TargetPostP99Ms, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "get_requests_per_s", TargetGetPerSecond, higherIsBetter: true, "requests/s");
        Targets.Check(context, result, missed, "get_p99_ms", TargetGetP99Ms, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "notice_to_launch_p99_ms", TargetMoveP99Ms, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "select_p99_ms", TargetSelectP99Ms, higherIsBetter: false, "ms");
        Targets.Check(context, result, missed, "request_create_per_s", TargetRequestsPerSecond, higherIsBetter: true, "requests/s");
        Targets.Check(context, result, missed, "replacements_missing", 0, higherIsBetter: false, "workloads");
        result.Add("targets_missed", missed);
        context.Log(missed.Count == 0 ? "All targets met." : $"{missed.Count} target(s) MISSED: {string.Join(", ", missed)}");
        context.Log("Stopping the silo (SIGTERM, SIGKILL after 20 s) and PostgreSQL ...");
        return result;
    }

    /// <summary>
    /// <c>POST /api/v1/providers/select</c>, one at a time, each request distinct (its template id, CPU, memory and strategy
    /// vary, so no answer can be reused): the time of the whole HTTP round trip (<c>select_p99_ms</c>) and the
    /// selection's own time as it reports it (<c>select_server_p99_ms</c>).
    /// </summary>
    private static async Task MeasureSelectionAsync(SuiteContext context, BenchResult result, HttpClient http, TimeSpan seconds)
    {
        int[] cpus = [1, 2, 4, 8, 16];
        string[] strategies =
        [
            "\"selection_strategy\": \"default\"",
            "\"selection_strategy\": \"load_balanced\", \"provider_type\": \"aws\"",
            "\"selection_strategy\": \"explicit\", \"provider_instance\": \"sim-gcp\"",
            "\"selection_strategy\": \"default\", \"provider_type\": \"azure\"",
        ];
        var server = new System.Collections.Concurrent.ConcurrentBag<double>();
        int sequence = 0;
        Func<Task> select = async () =>
        {
            int n = Interlocked.Increment(ref sequence);
            string json = $$"""{"template": {"template_id": "bench-{{n}}", "min_cpu": {{cpus[n % cpus.Length]}}, "min_memory_gb": {{1 + n % 61}}, "max_instances": {{1 + n % 50}}}, {{strategies[n % strategies.Length]}}}""";
            var body = await Send(http, HttpMethod.Post, "/api/v1/providers/select", json, HttpStatusCode.OK);
            server.Add(body.GetProperty("selection_time_ms").GetDouble());
        };
        context.Log($"POST /api/v1/providers/select: warming up, then one at a time for {seconds.TotalSeconds:0} s, every request distinct ...");
        await Load.ClosedLoopAsync([new CallOperation(select)], TimeSpan.FromSeconds(5), recordLatency: false);
        server.Clear();
        var selections = await Load.ClosedLoopAsync([new CallOperation(select)], seconds, recordLatency: true);
        var own = server.Order().ToArray();
        double p99 = selections.Latency!.PercentileMs(0.99), serverP99 = own.Length == 0 ? 0 : own[Math.Min(own.Length - 1, (int)Math.Ceiling(own.Length * 0.99) - 1)];
        result.Add("select_requests", selections.Calls)
            .Add("select_p50_ms", Math.Round(selections.Latency.PercentileMs(0.5), 3))
            .Add("select_p99_ms", Math.Round(p99, 3))
            .Add("select_server_p99_ms", Math.Round(serverP99, 3))
            .Add("select_p99_target_ms", TargetSelectP99Ms);
        context.Log($"SELECT: {selections.Calls:N0} distinct selections, p50 {selections.Latency.PercentileMs(0.5):0.000} ms, p99 {p99:0.000} ms over HTTP (target ≤ {TargetSelectP99Ms} ms); the selection itself p99 {serverP99:0.000} ms.");
    }

    /// <summary>The bench's host-factory template (in a folder of its own): 2 vCPU, 4 GB, any provider.</summary>
    private static async Task<string> WriteTemplatesAsync(CancellationToken ct)
    {
        string folder = Path.Combine(ChildProcess.LogDirectory, "bench-templates");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "templates.json"), """
            {"templates": [{"template_id": "bench-web", "image_id": "ami-bench", "min_cpu": 2, "min_memory_gb": 4, "max_instances": 10}]}
            """, ct);
        return folder;
    }

    /// <summary>
    /// <c>POST /api/v1/requests</c> for <see cref="MachinesPerRequest"/> machines each, 16 in flight, every request with its
    /// own Idempotency-Key (<c>request_create_per_s</c>, p99): the request is stored before each 202 and its machines
    /// created after it. Then, for a sample of the measured requests, how long until all their machines were placed:
    /// the latest machine's placement time less the request's creation time, both stamped by the silo
    /// (<c>request_machines_placed_p99_ms</c>).
    /// </summary>
    private static async Task MeasureRequestsAsync(SuiteContext context, BenchResult result, HttpClient http, TimeSpan seconds, SiloProcess silo, string? database, CancellationToken ct)
    {
        // Requests come from --request-tenants tenants in turn (each its own token, quota and wallet), as a cluster's
        // would: one tenant's machines all reserve credit from one wallet, a single grain.
        int tenantCount = Math.Max(1, (int)context.Option("request-tenants", 20));
        var tokens = new string[tenantCount];
        for (int t = 0; t < tenantCount; t++)
        {
            var tenant = await Send(http, HttpMethod.Post, "/v1/tenants", $$"""{"name": "bench-requests-{{t}}", "initialCredit": 1000000}""", HttpStatusCode.Created);
            tokens[t] = tenant.GetProperty("token").GetString()!;
        }

        result.Add("request_tenants", tenantCount);
        var ids = new System.Collections.Concurrent.ConcurrentQueue<(string Id, string Token)>();
        bool recording = false;
        int turn = 0;
        Func<Task> create = async () =>
        {
            string token = tokens[(int)((uint)Interlocked.Increment(ref turn) % tenantCount)];
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/requests")
            {
                Content = new StringContent($$"""{"templateId": "bench-web", "maxNumber": {{MachinesPerRequest}}}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"POST /api/v1/requests answered {(int)response.StatusCode}: {text}");
            if (Volatile.Read(ref recording)) ids.Enqueue((JsonDocument.Parse(text).RootElement.GetProperty("request_id").GetString()!, token));
        };
        // Alone (--requests-only), the phase warms the silo up for --warmup-seconds (its JIT is still busy for the first 15 s).
        var warmup = TimeSpan.FromSeconds(context.Flag("requests-only") ? context.Option("warmup-seconds", 20) : 5);
        context.Log($"POST /api/v1/requests ({MachinesPerRequest} machines each, {tenantCount} tenants in turn): warming up {warmup.TotalSeconds:0} s, then 16 in flight for {seconds.TotalSeconds:0} s ...");
        long workloadsBefore = await WorkloadRowsAsync(database, ct);
        var warm = await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(create), 8).ToList(), warmup, recordLatency: false);
        // The warm-up's machines are created first, so the measured phase pays only for its own.
        await UntilWorkloadRowsAsync(database, workloadsBefore + warm.Calls * MachinesPerRequest, TimeSpan.FromMinutes(2), ct);
        long workloadsAtStart = await WorkloadRowsAsync(database, ct);
        var cost = await PhaseCost.StartAsync(silo, database, ct);
        var phase = Stopwatch.StartNew();
        Volatile.Write(ref recording, true);
        var requests = await Load.ClosedLoopAsync(Enumerable.Repeat(new CallOperation(create), 16).ToList(), seconds, recordLatency: true);
        Volatile.Write(ref recording, false);
        var posted = phase.Elapsed;
        long createdInWindow = await WorkloadRowsAsync(database, ct) - workloadsAtStart;
        // Then until every machine of the measured requests exists: the background creation's rate over the whole phase.
        bool allCreated = await UntilWorkloadRowsAsync(database, workloadsAtStart + requests.Calls * MachinesPerRequest, TimeSpan.FromMinutes(3), ct);
        var drained = phase.Elapsed;
        await cost.ReportAsync(context, result, "request", requests.Calls, ct);
        if (database is not null)
        {
            double machinesPerSecond = (await WorkloadRowsAsync(database, ct) - workloadsAtStart) / drained.TotalSeconds;
            result.Add("request_machines_created_in_window_per_s", Math.Round(createdInWindow / posted.TotalSeconds))
                .Add("request_machines_created_per_s", Math.Round(machinesPerSecond))
                .Add("request_machines_all_created_s", allCreated ? Math.Round(drained.TotalSeconds, 1) : null);
            context.Log($"Machines: {createdInWindow / posted.TotalSeconds:N0}/s created during the {posted.TotalSeconds:0} s of POSTs; all {requests.Calls * MachinesPerRequest:N0} of the measured requests "
                + (allCreated ? $"existed {drained.TotalSeconds:0.0} s after the phase began ({machinesPerSecond:N0}/s over the phase)." : "did NOT all exist within 3 minutes."));
        }

        double p99 = requests.Latency!.PercentileMs(0.99);
        result.Add("request_create_per_s", Math.Round(requests.CallsPerSecond))
            .Add("request_create_p50_ms", Math.Round(requests.Latency.PercentileMs(0.5), 2))
            .Add("request_create_p99_ms", Math.Round(p99, 2))
            .Add("request_machines_per_s", Math.Round(requests.CallsPerSecond * MachinesPerRequest))
            .Add("request_create_target_per_s", TargetRequestsPerSecond);
        context.Log($"REQUESTS: {requests.CallsPerSecond:N0} requests/s of {MachinesPerRequest} machines (target ≥ {TargetRequestsPerSecond}), p50 {requests.Latency.PercentileMs(0.5):0.00} ms, p99 {p99:0.00} ms.");

        // Every 10th measured request (at most 500), read until all its machines are placed, 16 at a time, for at most 3 minutes in all.
        var sample = ids.Where((_, i) => i % 10 == 0).Take(500).ToArray();
        context.Log($"Waiting until the machines of {sample.Length} sampled requests are placed ...");
        var placed = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        var readUntil = Stopwatch.StartNew();
        await Load.BoundedAsync(sample.Length, 16, async i =>
        {
            while (readUntil.Elapsed < TimeSpan.FromMinutes(3))
            {
                using var read = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/requests/{sample[i].Id}");
                read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sample[i].Token);
                using var response = await http.SendAsync(read, ct);
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    // The request is busy creating its machines (their tenant admits them one at a time): ask again.
                    await Task.Delay(200, ct);
                    continue;
                }

                if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"GET /api/v1/requests/{sample[i].Id} answered {(int)response.StatusCode}");
                var r = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
                var machines = r.GetProperty("machines").EnumerateArray().ToList();
                if (machines.All(m => m.GetProperty("machine_id").GetString() != m.GetProperty("workload_id").GetString()))
                {
                    placed.Add(machines.Max(m => m.GetProperty("created_at").GetDateTimeOffset()) - r.GetProperty("created_at").GetDateTimeOffset());
                    return;
                }

                await Task.Delay(200, ct);
            }
        });
        var latency = new LatencyRecorder();
        foreach (var gap in placed) latency.Record(Math.Max(0, gap.Ticks) * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        result.Add("request_machines_sampled", sample.Length).Add("request_machines_unplaced", sample.Length - placed.Count)
            .Add("request_machines_placed_p50_ms", Math.Round(latency.PercentileMs(0.5), 1))
            .Add("request_machines_placed_p99_ms", Math.Round(latency.PercentileMs(0.99), 1));
        context.Log($"Request → all {MachinesPerRequest} machines placed: p50 {latency.PercentileMs(0.5):0} ms, p99 {latency.PercentileMs(0.99):0} ms; {sample.Length - placed.Count} of {sample.Length} not placed in time.");
    }

    /// <summary>Workloads stored so far (their ledger rows); 0 without a database.</summary>
    private static async Task<long> WorkloadRowsAsync(string? database, CancellationToken ct)
    {
        if (database is null) return 0;
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from ledger_state where grain_type = 'workload' and state_name = 'workload'", connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Waits until at least <paramref name="rows"/> workloads are stored; false if they are not within <paramref name="limit"/>.</summary>
    private static async Task<bool> UntilWorkloadRowsAsync(string? database, long rows, TimeSpan limit, CancellationToken ct)
    {
        if (database is null) return true;
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < limit; await Task.Delay(100, ct))
        {
            if (await WorkloadRowsAsync(database, ct) >= rows) return true;
        }

        return false;
    }

    /// <summary>An HTTP client of the silo speaking with the admin token, with enough pooled connections for the loops.</summary>
    private static HttpClient Client(SiloProcess silo, string adminToken, int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = silo.BaseAddress, Timeout = TimeSpan.FromSeconds(60),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        return client;
    }

    /// <summary>
    /// Terminates all but <paramref name="keep"/> of the workloads (32 DELETEs in flight), so the simulated clouds have
    /// capacity for the replacements (each simulated cloud runs at most 10,000 instances).
    /// </summary>
    private static async Task TerminateAllButAsync(SuiteContext context, BenchResult result, HttpClient http, string[] workloads, int keep)
    {
        var doomed = workloads.Skip(keep).ToArray();
        context.Log($"Terminating {doomed.Length} workloads (32 in flight), keeping {Math.Min(keep, workloads.Length)} ...");
        var deletes = await Load.BoundedAsync(doomed.Length, 32, i => Send(http, HttpMethod.Delete, $"/v1/workloads/{doomed[i]}", null, HttpStatusCode.Accepted));
        result.Add("delete_requests_per_s", Math.Round(deletes.CallsPerSecond)).Add("delete_p99_ms", Math.Round(deletes.Latency!.PercentileMs(0.99), 2));
        context.Log($"DELETE: {deletes.CallsPerSecond:N0} requests/s, p99 {deletes.Latency.PercentileMs(0.99):0.00} ms; waiting until none is STOPPING ...");
        for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromMinutes(2); await Task.Delay(200))
        {
            var stopping = await Send(http, HttpMethod.Get, "/v1/workloads?status=STOPPING&limit=1", null, HttpStatusCode.OK);
            if (stopping.GetProperty("workloads").GetArrayLength() == 0) return;
        }

        throw new TimeoutException("Terminated workloads were still STOPPING after 2 minutes.");
    }

    /// <summary>Interrupts N running workloads evenly over the notice window and times each move from its audit trail.</summary>
    private static async Task MeasureMovesAsync(SuiteContext context, BenchResult result, HttpClient http, string[] workloads, CancellationToken ct)
    {
        int notices = (int)context.Option("notices", 2000);
        var window = TimeSpan.FromSeconds(context.Option("notice-seconds", 10));
        context.Log($"Waiting until {notices} workloads are RUNNING ...");
        var running = new List<string>();
        var keep = workloads.Take(notices).ToHashSet();
        var deadline = Stopwatch.StartNew();
        for (string? cursor = null; running.Count < notices && deadline.Elapsed < TimeSpan.FromMinutes(5);)
        {
            var page = await Send(http, HttpMethod.Get, $"/v1/workloads?status=RUNNING&limit=200{(cursor is null ? "" : $"&cursor={cursor}")}", null, HttpStatusCode.OK);
            running.AddRange(page.GetProperty("workloads").EnumerateArray().Select(w => w.GetProperty("id").GetString()!).Where(keep.Contains));
            cursor = page.TryGetProperty("nextCursor", out var next) ? next.GetString() : null;
            if (cursor is null && running.Count < notices)
            {
                await Task.Delay(1000, ct);
                running.Clear();
            }
        }

        if (running.Count < notices) throw new InvalidOperationException($"Only {running.Count} of {workloads.Length} workloads were RUNNING after 5 minutes.");
        var targets = running.Take(notices).ToArray();
        context.Log($"Sending {notices} interruption notices over {window.TotalSeconds:0} s ...");
        var sent = Stopwatch.StartNew();
        var interrupts = new List<Task>();
        for (int i = 0; i < targets.Length; i++)
        {
            var due = window * i / targets.Length;
            if (due > sent.Elapsed) await Task.Delay(due - sent.Elapsed, ct);
            interrupts.Add(Send(http, HttpMethod.Post, $"/v1/simulation/workloads/{targets[i]}/interrupt", "{}", HttpStatusCode.Accepted));
        }

        await Task.WhenAll(interrupts);
        result.Add("notices_sent", targets.Length).Add("notice_window_s", Math.Round(sent.Elapsed.TotalSeconds, 2));
        context.Log($"Notices sent in {sent.Elapsed.TotalSeconds:0.0} s; reading each workload's audit trail ...");

        // Each workload's trail is read until it shows the replacement's launch, 16 at a time, for at most 60 s in all.
        var gaps = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        var readUntil = Stopwatch.StartNew();
        await Load.BoundedAsync(targets.Length, 16, async i =>
        {
            while (readUntil.Elapsed < TimeSpan.FromSeconds(60))
            {
                var events = (await Send(http, HttpMethod.Get, $"/v1/workloads/{targets[i]}/events", null, HttpStatusCode.OK)).GetProperty("events").EnumerateArray().ToList();
                var notice = events.LastOrDefault(e => e.GetProperty("type").GetString() == "INTERRUPTION_NOTICE");
                var launch = events.LastOrDefault(e => e.GetProperty("type").GetString() == "REPLACEMENT_LAUNCHED");
                if (notice.ValueKind == JsonValueKind.Object && launch.ValueKind == JsonValueKind.Object)
                {
                    gaps.Add(launch.GetProperty("at").GetDateTimeOffset() - notice.GetProperty("at").GetDateTimeOffset());
                    return;
                }

                await Task.Delay(200, ct);
            }
        });

        var latency = new LatencyRecorder();
        foreach (var gap in gaps) latency.Record(Math.Max(0, gap.Ticks) * Stopwatch.Frequency / TimeSpan.TicksPerSecond);
        int missing = targets.Length - gaps.Count;
        double p99 = latency.PercentileMs(0.99);
        result.Add("replacements_launched", latency.Count).Add("replacements_missing", missing)
            .Add("notice_to_launch_p50_ms", Math.Round(latency.PercentileMs(0.5), 2))
            .Add("notice_to_launch_p99_ms", Math.Round(p99, 2))
            .Add("notice_to_launch_max_ms", Math.Round(latency.MaxTicks * 1000.0 / Stopwatch.Frequency, 2))
            .Add("notice_to_launch_p99_target_ms", TargetMoveP99Ms)
            .Add("notice_to_launch_p99_vs_target", Math.Round(p99 / TargetMoveP99Ms, 3));
        context.Log($"Notice → replacement launch: p50 {latency.PercentileMs(0.5):0.0} ms, p99 {p99:0.0} ms (target ≤ {TargetMoveP99Ms} ms), {missing} without a replacement.");
    }

    private static void Report(SuiteContext context, BenchResult result, string name, LoadResult load, double targetPerSecond, double targetP99Ms)
    {
        double p99 = load.Latency!.PercentileMs(0.99);
        result.Add($"{name}_requests_per_s", Math.Round(load.CallsPerSecond))
            .Add($"{name}_p50_ms", Math.Round(load.Latency.PercentileMs(0.5), 2))
            .Add($"{name}_p99_ms", Math.Round(p99, 2))
            .Add($"{name}_requests", load.Calls)
            .Add($"{name}_rate_vs_target", Math.Round(load.CallsPerSecond / targetPerSecond, 2))
            .Add($"{name}_p99_vs_target", Math.Round(p99 / targetP99Ms, 3));
        context.Log($"{name.ToUpperInvariant()}: {load.CallsPerSecond:N0} requests/s (target ≥ {targetPerSecond:N0}), p50 {load.Latency.PercentileMs(0.5):0.00} ms, p99 {p99:0.00} ms (target ≤ {targetP99Ms} ms).");
    }

    private static async Task<JsonElement> Send(HttpClient http, HttpMethod method, string path, string? json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// Where a phase's cost went: CPU of the silo process, of this process (the load generator) and of the whole machine
    /// (/proc/stat; the rest is mostly PostgreSQL), and, exactly, PostgreSQL's write transactions (transaction ids
    /// assigned) and WAL bytes over the phase.
    /// </summary>
    private sealed class PhaseCost
    {
        private readonly SiloProcess _silo;
        private readonly string? _database;
        private TimeSpan _siloCpu, _benchCpu;
        private long _machineBusy, _machineTotal, _xid, _lsn, _reminders;
        private long _started;

        private PhaseCost(SiloProcess silo, string? database)
        {
            _silo = silo;
            _database = database;
        }

        /// <param name="database">The silo's database; null when it runs on memory storage (no database figures then).</param>
        public static async Task<PhaseCost> StartAsync(SiloProcess silo, string? database, CancellationToken ct)
        {
            var cost = new PhaseCost(silo, database);
            (cost._xid, cost._lsn, cost._reminders) = await DatabaseCountersAsync(database, ct);
            cost._siloCpu = silo.Process.TotalProcessorTime;
            cost._benchCpu = Process.GetCurrentProcess().TotalProcessorTime;
            (cost._machineBusy, cost._machineTotal) = MachineJiffies();
            cost._started = Stopwatch.GetTimestamp();
            return cost;
        }

        public async Task ReportAsync(SuiteContext context, BenchResult result, string name, long requests, CancellationToken ct)
        {
            double wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            double silo = (_silo.Process.TotalProcessorTime - _siloCpu).TotalSeconds, bench = (Process.GetCurrentProcess().TotalProcessorTime - _benchCpu).TotalSeconds;
            var (busy, total) = MachineJiffies();
            var (xid, lsn, reminders) = await DatabaseCountersAsync(_database, ct);
            double cores = Environment.ProcessorCount;
            double machine = total > _machineTotal ? 100.0 * (busy - _machineBusy) / (total - _machineTotal) : double.NaN;
            double siloPercent = 100 * silo / wall / cores, benchPercent = 100 * bench / wall / cores;
            double? transactions = _database is null ? null : (xid - _xid - 1) / (double)Math.Max(1, requests);
            double? wal = _database is null ? null : (lsn - _lsn) / (double)Math.Max(1, requests);
            double? remindersAdded = _database is null ? null : (reminders - _reminders) / (double)Math.Max(1, requests);
            result.Add($"{name}_silo_cpu_percent", Math.Round(siloPercent, 1))
                .Add($"{name}_bench_cpu_percent", Math.Round(benchPercent, 1))
                .Add($"{name}_machine_cpu_percent", Math.Round(machine, 1))
                .Add($"{name}_silo_cpu_ms_per_request", Math.Round(1000 * silo / Math.Max(1, requests), 3))
                .Add($"{name}_db_write_transactions_per_request", transactions is { } t ? Math.Round(t, 2) : null)
                .Add($"{name}_db_wal_bytes_per_request", wal is { } w ? Math.Round(w) : null)
                .Add($"{name}_reminders_added_per_request", remindersAdded is { } r ? Math.Round(r, 2) : null);
            context.Log($"{name.ToUpperInvariant()} cost: silo {siloPercent:0} %, load generator {benchPercent:0} %, whole machine {machine:0} % of {cores:0} cores (the rest: PostgreSQL); "
                + $"silo CPU {1000 * silo / Math.Max(1, requests):0.###} ms per request"
                + (_database is null ? "" : $"; PostgreSQL {transactions:0.##} write transactions and {wal:N0} WAL bytes per request; {remindersAdded:0.##} Orleans reminder rows added per request (the ADO.NET reminder table commits each on its own)"));
        }

        /// <summary>The next transaction id (each write transaction takes one), the WAL position (both exact) and the Orleans reminder rows.</summary>
        private static async Task<(long Xid, long Lsn, long Reminders)> DatabaseCountersAsync(string? database, CancellationToken ct)
        {
            if (database is null) return (0, 0, 0);
            await using var connection = new Npgsql.NpgsqlConnection(database);
            await connection.OpenAsync(ct);
            await using var command = new Npgsql.NpgsqlCommand(
                "select pg_current_xact_id()::text::bigint, pg_current_wal_lsn() - '0/0'::pg_lsn, (select count(*) from orleansreminderstable)", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return (reader.GetInt64(0), (long)reader.GetDecimal(1), reader.GetInt64(2));
        }

        /// <summary>Busy and total CPU jiffies of the machine (Linux /proc/stat), or zeros elsewhere.</summary>
        private static (long Busy, long Total) MachineJiffies()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
                long idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
                long total = fields.Take(8).Sum();
                return (total - idle, total);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                return (0, 0);
            }
        }
    }

    private readonly struct CallOperation(Func<Task> call) : IOperation
    {
        public Task InvokeAsync() => call();
    }
}

/// <summary>The limits the gateway bench raises (defaults: 600 per token and 1,200 per address per minute; 100 live workloads and 60 creations per minute per tenant).</summary>
internal static class BenchLimits
{
    public const int PerMinute = 100_000_000;
    public const int LiveWorkloads = 10_000_000;
}
