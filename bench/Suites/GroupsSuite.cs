using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Bench.Infrastructure;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Silo.Hosting;

namespace Arbitrage.Orleans.Bench.Suites;

/// <summary>
/// Groups on the simulated default: the product's silo executable (a separate process, PostgreSQL with fsync on, the
/// repository's Silo/providers.json — three simulated clouds replaying the bundled market data, their default 5 s boot —
/// and the default <c>Groups</c> and <c>Workloads</c> settings) driven through an Orleans client. (1) A spot group
/// (risk 100, fallbackToOd, balanced, 2 vCPU / 4 GB requirements) is created at --start-target (5) and waited on until
/// its members run; then its target is raised by --step (100) with <c>IGroupGrain.Update</c> and the bench waits until
/// every member runs: the convergence time (the last new member's RUNNING, read from its workload's <c>StartedAt</c>)
/// and each new member's time from the change to RUNNING. The group is lowered back to the start and raised again,
/// --rounds (2) times. (2) Cost: the sum of the spot members' prices per hour against an all-on-demand group of the same
/// size and requirements, actually run (risk 0), whose convergence from its creation is also reported. The tenant's
/// quotas are raised so that they do not pace the group (recorded with the figures).
/// Options: --start-target (5), --step (100), --rounds (2), --limit-seconds (300: a round that has not converged by then fails).
/// </summary>
internal sealed class GroupsSuite : ISuite
{
    private const string ClusterId = "arbitrage";
    private const string Tenant = "bench-groups";
    private const int Quota = 10_000;
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    public string Name => "groups";

    public string Description => "a group's convergence after a target change of +100 to all RUNNING, and its cost per hour against an all-on-demand group of the same size (silo process, simulated default clouds, PostgreSQL)";

    public async Task<BenchResult> RunAsync(SuiteContext context)
    {
        var ct = context.CancellationToken;
        var result = BenchEnvironment.AddTo(new BenchResult(), Name);
        if (BenchEnvironment.BuildConfiguration != "Release") context.Log("WARNING: this is a Debug build; figures are not comparable. Run with -c Release.");
        int start = (int)context.Option("start-target", 5);
        int step = (int)context.Option("step", 100);
        int rounds = (int)context.Option("rounds", 2);
        var limit = TimeSpan.FromSeconds(context.Option("limit-seconds", 300));
        int size = start + step;

        var directory = Path.Combine(Path.GetTempPath(), "arbitrage-bench-" + Guid.NewGuid().ToString("N"));
        context.Log("Starting a throwaway PostgreSQL (fsync on) ...");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { Persistent = false, Fsync = true }, context.Progress, ct);
        var database = await BenchDatabases.CreateMigratedAsync(postgres.ConnectionString, "bench_groups", ct);

        // The simulated default (Silo/providers.json) and the default Groups/Workloads settings; only the tenant's quotas
        // are raised (default 100 live workloads, 60 creations a minute), or they, not the group, would pace the scale up.
        var environment = new Dictionary<string, string>
        {
            ["Quotas__Default__MaxLiveWorkloads"] = Quota.ToString(CultureInfo.InvariantCulture),
            ["Quotas__Default__WorkloadCreationsPerMinute"] = Quota.ToString(CultureInfo.InvariantCulture),
        };
        result.Add("providers", "Silo/providers.json (simulated default: sim-aws, sim-azure, sim-gcp; speed 60, boot delay 5 s)")
            .Add("settings", "defaults (Groups:ConvergeInterval 5 s, Workloads:ProvisioningPollInterval 1 s); Quotas:Default:MaxLiveWorkloads and WorkloadCreationsPerMinute raised")
            .Add("quota_live_workloads", Quota)
            .Add("quota_creations_per_min", Quota)
            .Add("start_target", start)
            .Add("step", step)
            .Add("rounds", rounds);

        // Errors the silo logs while the bench measures are echoed and counted; those of its shutdown (grains of live
        // members deactivating with no silo left to take them) are not.
        bool measuring = true;
        int siloErrors = 0;
        context.Log($"Starting the silo executable (log: {Path.Combine(ChildProcess.LogDirectory, "groups-silo.log")}) ...");
        await using var silo = SiloProcess.Start(context.RepositoryRoot, new SiloProcessOptions("groups-silo", database, SiloProcess.NewAdminToken())
        {
            Environment = environment,
            OnLine = line =>
            {
                if (!measuring || !(line.Contains("fail:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal))) return;
                Interlocked.Increment(ref siloErrors);
                context.Log($"silo: {line}");
            },
        });
        var starting = Stopwatch.StartNew();
        await silo.WaitUntilServingAsync(TimeSpan.FromMinutes(2), ct);
        context.Log($"The silo serves after {starting.Elapsed.TotalSeconds:0.0} s; connecting an Orleans client ...");
        await using var client = await OrleansClient.ConnectAsync(database, ClusterId, ClusterId, ResponseTimeout, ct);
        var grains = client.Client;
        await grains.GetGrain<IWalletGrain>(WalletKeys.Of(Tenant, Tenant)).Create(new CreateWallet(Tenant, null, 10_000_000m));

        // 1. Convergence after +step.
        var spot = grains.GetGrain<IGroupGrain>("sig-bench-spot");
        var spec = Spec("bench-spot", start, size, new GroupStrategy(Risk: 100, FallbackToOd: true));
        context.Log($"[spot] Creating a spot group (risk 100, fallbackToOd, 2 vCPU / 4 GB) at target {start}, maximum {size} ...");
        var created = Stopwatch.StartNew();
        await spot.Create(Tenant, spec);
        await WaitAsync(context, "spot", spot, start, Stopwatch.GetTimestamp(), limit, ct);
        context.Log($"[spot] {start} members run after {created.Elapsed.TotalSeconds:0.0} s");

        var converge = new List<double>();
        var perMember = new List<double>();
        GroupDetails last = null!;
        for (int round = 1; round <= rounds; round++)
        {
            var before = (await spot.Get(Tenant))!.Members.Select(m => m.WorkloadId).ToHashSet();
            context.Log($"[spot] Round {round}: target {start} → {size} ...");
            var changedAt = DateTimeOffset.UtcNow;
            long changed = Stopwatch.GetTimestamp();
            await spot.Update(Tenant, spec with { Capacity = new GroupCapacity(size, 0, size) });
            last = await WaitAsync(context, "spot", spot, size, changed, limit, ct);
            double observed = Stopwatch.GetElapsedTime(changed).TotalSeconds;

            // Each new member's RUNNING, from its workload (StartedAt, the silo's clock on this machine).
            var added = last.Members.Where(m => !before.Contains(m.WorkloadId)).ToList();
            var running = new List<double>();
            foreach (var member in added)
            {
                var details = await grains.GetGrain<IWorkloadGrain>(member.WorkloadId).Get(Tenant);
                if (details?.StartedAt is { } startedAt) running.Add(Math.Max(0, (startedAt - changedAt).TotalSeconds));
            }

            running.Sort();
            var events = await spot.Events(Tenant) ?? [];
            var addedAt = events.Where(e => e.Type == "MEMBER_ADDED" && e.At >= changedAt).Select(e => (e.At - changedAt).TotalSeconds).DefaultIfEmpty(double.NaN).Max();
            double all = running.Count > 0 ? running[^1] : observed;
            converge.Add(all);
            perMember.AddRange(running);
            result.Add($"converge_{step}_s_round_{round}", Math.Round(all, 2))
                .Add($"member_running_p50_s_round_{round}", Math.Round(Percentile(running, 0.5), 2))
                .Add($"member_running_p99_s_round_{round}", Math.Round(Percentile(running, 0.99), 2))
                .Add($"converge_observed_s_round_{round}", Math.Round(observed, 2))
                .Add($"members_added_s_round_{round}", Math.Round(addedAt, 2));
            context.Log($"[spot] Round {round}: {added.Count} new members, all added by the group {addedAt:0.00} s and all RUNNING {all:0.00} s after the change (seen by polling at {observed:0.00} s); per member p50 {Percentile(running, 0.5):0.00} s, p99 {Percentile(running, 0.99):0.00} s");
            context.Log($"[spot]   markets: {Describe(last)}");

            if (round < rounds)
            {
                context.Log($"[spot] Lowering the target back to {start} ...");
                await spot.Update(Tenant, spec with { Capacity = new GroupCapacity(start, 0, size) });
                await WaitAsync(context, "spot", spot, start, Stopwatch.GetTimestamp(), limit, ct);
            }
        }

        perMember.Sort();
        result.Add($"converge_{step}_s", Math.Round(converge.Max(), 2))
            .Add("member_running_p50_s", Math.Round(Percentile(perMember, 0.5), 2))
            .Add("member_running_p99_s", Math.Round(Percentile(perMember, 0.99), 2));

        // 2. Cost against an all-on-demand group of the same size, actually run.
        decimal spotCost = last.Members.Sum(m => m.PricePerHour ?? 0m);
        int spotMembers = last.Members.Count(m => m.Market == MarketNames.Spot);
        var onDemand = grains.GetGrain<IGroupGrain>("sig-bench-od");
        context.Log($"[on-demand] Creating an all-on-demand group (risk 0, same requirements) of {size} ...");
        long odCreated = Stopwatch.GetTimestamp();
        await onDemand.Create(Tenant, Spec("bench-od", size, size, new GroupStrategy(Risk: 0)));
        var od = await WaitAsync(context, "on-demand", onDemand, size, odCreated, limit, ct);
        double odConverge = Stopwatch.GetElapsedTime(odCreated).TotalSeconds;
        decimal odCost = od.Members.Sum(m => m.PricePerHour ?? 0m);
        context.Log($"[on-demand] {size} members run {odConverge:0.0} s after the create; markets: {Describe(od)}");

        double saving = odCost > 0 ? (double)(1 - spotCost / odCost) : double.NaN;
        result.Add("cost_method", "sum of the members' placement prices per hour (at launch): the spot group after the last scale up, and an all-on-demand group (risk 0) of the same size and requirements, run after it; saving = 1 - spot / on-demand")
            .Add("group_members", last.Members.Count)
            .Add("group_spot_members", spotMembers)
            .Add("group_cost_per_hour", BenchEnvironment.Significant((double)spotCost, 6))
            .Add("on_demand_cost_per_hour", BenchEnvironment.Significant((double)odCost, 6))
            .Add("saving_vs_on_demand", Math.Round(saving, 4))
            .Add("group_cost_vs_on_demand_ratio", odCost > 0 ? Math.Round((double)(spotCost / odCost), 4) : null)
            .Add($"on_demand_create_{size}_converge_s", Math.Round(odConverge, 2));
        context.Log($"Cost per hour: spot group {spotCost:0.0000} ({spotMembers} of {last.Members.Count} on spot), all-on-demand group {odCost:0.0000}; saving {saving:P1}");

        result.Add("silo_errors_logged", Volatile.Read(ref siloErrors));
        measuring = false;
        await silo.StopAsync(TimeSpan.FromSeconds(20));
        return result;
    }

    private static GroupSpec Spec(string name, int target, int maximum, GroupStrategy strategy) =>
        new(name, new GroupCapacity(target, 0, maximum), strategy,
            new GroupCompute(new WorkloadConfig("ami-0123456789abcdef0"), Requirements: new GroupRequirements(2, 4)));

    /// <summary>Polls the group until exactly <paramref name="target"/> members are listed and every one runs, not draining.</summary>
    private static async Task<GroupDetails> WaitAsync(SuiteContext context, string phase, IGroupGrain group, int target, long since, TimeSpan limit, CancellationToken ct)
    {
        long logged = Stopwatch.GetTimestamp();
        while (true)
        {
            var details = await group.Get(Tenant) ?? throw new InvalidOperationException($"The group {group.GetPrimaryKeyString()} is gone.");
            int running = details.Members.Count(m => m.Status == WorkloadStatus.Running && !m.Draining);
            if (details.Members.Count == target && running == target) return details;
            var elapsed = Stopwatch.GetElapsedTime(since);
            if (elapsed > limit)
            {
                throw new TimeoutException($"[{phase}] {running} of {target} members run after {limit.TotalSeconds:0} s ({details.Members.Count} listed): "
                    + string.Join("; ", details.Members.GroupBy(m => $"{m.Status}{(m.Draining ? " draining" : "")} {m.StatusReason}").Select(g => $"{g.Count()} {g.Key}")));
            }

            if (Stopwatch.GetElapsedTime(logged) > TimeSpan.FromSeconds(5))
            {
                logged = Stopwatch.GetTimestamp();
                context.Log($"[{phase}]   {elapsed.TotalSeconds:0.0} s: {running} of {target} running, {details.Members.Count} listed ({string.Join(", ", details.Members.GroupBy(m => m.Status?.ToString() ?? "?").Select(g => $"{g.Count()} {g.Key}"))})");
            }

            await Task.Delay(Poll, ct);
        }
    }

    /// <summary>Members per market and instance type, e.g. "spot t3.medium ×50".</summary>
    private static string Describe(GroupDetails group) =>
        string.Join(", ", group.Members.GroupBy(m => $"{m.Market} {m.Provider}/{m.InstanceType}").OrderByDescending(g => g.Count()).Take(6).Select(g => $"{g.Key} ×{g.Count()}"));

    /// <summary>Nearest-rank percentile of sorted values (NaN when there are none).</summary>
    private static double Percentile(List<double> sorted, double percentile) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(sorted.Count * percentile) - 1, 0, sorted.Count - 1)];
}
