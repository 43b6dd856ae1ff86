using System.Globalization;
using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Backtest.Policies;
using Arbitrage.Orleans.Backtest.Reporting;
using Arbitrage.Orleans.Backtest.Workloads;

namespace Arbitrage.Orleans.Backtest.Replay;

/// <summary>
/// The outcome of every policy for one workload of one replay (no outcomes: unserved), and why the offline optimum has
/// none when it was asked for and could not give one.
/// </summary>
public sealed record CaseResult(ReplayCase Case, IReadOnlyDictionary<string, PlanOutcome> Outcomes, string? OptimumUnavailable = null);

/// <summary>One replay's cases, in workload order.</summary>
public sealed record RunResult(ReplayRun Run, IReadOnlyList<CaseResult> Cases);

/// <summary>
/// Replays every workload of a mix through every policy on every replay, in parallel over workloads (each workload's
/// replay is independent and its start is drawn before, from the seed, so results do not depend on scheduling).
/// Reports progress on <c>progress</c> about once a second.
/// </summary>
public sealed class BacktestRunner(PolicyRegistry registry, IReadOnlyList<string> policies, int maxTypes, TextWriter? progress, TimeProvider time)
{
    /// <summary>The policies replayed for a selection: on-demand always (the baseline), the optimum when one is plugged in.</summary>
    public IReadOnlyList<string> Replayed { get; } = [.. new[] { OnDemandPolicy.PolicyName }.Concat(policies).Concat(registry.Optimum is null ? [] : [PolicyRegistry.OptimalName]).Distinct()];

    public IReadOnlyList<RunResult> Run(IReadOnlyList<ReplayRun> runs, WorkloadMix mix, int seed, CancellationToken cancellationToken)
    {
        var lifecycle = mix.EffectiveLifecycle;
        var work = runs.Select(run => (Run: run, Instances: Instances(run, mix, seed))).ToList();
        int total = work.Sum(w => w.Instances.Count), done = 0;
        long started = time.GetTimestamp(), lastReport = started;
        var results = new List<RunResult>();
        foreach (var (run, instances) in work)
        {
            var builder = new ProblemBuilder(run, lifecycle, maxTypes);
            var cases = new CaseResult[instances.Count];
            Parallel.For(0, instances.Count, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
            {
                cases[i] = Replay(builder.Build(instances[i]));
                Interlocked.Increment(ref done);
                long now = time.GetTimestamp();
                long last = Interlocked.Read(ref lastReport);
                if (progress is not null && time.GetElapsedTime(last, now) >= TimeSpan.FromSeconds(1) && Interlocked.CompareExchange(ref lastReport, now, last) == last)
                {
                    progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backtest: {run.Name}: {Volatile.Read(ref done)}/{total} workloads, {time.GetElapsedTime(started).TotalSeconds:0.0} s"));
                }
            });
            results.Add(new RunResult(run, cases));
        }

        progress?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"backtest: {total}/{total} workloads in {runs.Count} replays, {time.GetElapsedTime(started).TotalSeconds:0.0} s"));
        return results;
    }

    /// <summary>Replays one case through every policy (a fresh policy object per workload).</summary>
    public CaseResult Replay(ReplayCase replayCase)
    {
        var outcomes = new Dictionary<string, PlanOutcome>(StringComparer.Ordinal);
        if (replayCase.Problem is not { } problem) return new CaseResult(replayCase, outcomes);
        var context = new PolicyContext(problem, replayCase.Workload.Shape, replayCase.Markets);
        string? optimumUnavailable = null;
        foreach (var name in Replayed)
        {
            if (name == PolicyRegistry.OptimalName)
            {
                try
                {
                    if (registry.Optimum!.Plan(problem) is { } plan) outcomes[name] = StepSimulator.Run(problem, new FixedPlanPolicy(name, plan));
                    else optimumUnavailable = "the offline planner gave no plan";
                }
                catch (OptimumUnavailableException e)
                {
                    optimumUnavailable = e.Message;
                }

                continue;
            }

            outcomes[name] = StepSimulator.Run(problem, registry.Create(name, context));
        }

        return new CaseResult(replayCase, outcomes, optimumUnavailable);
    }

    /// <summary>
    /// The copies of every shape in a replay, with their starts (random ones drawn from the seed and the replay's name,
    /// so a replay's workloads do not depend on what else the history folder holds).
    /// </summary>
    public static IReadOnlyList<WorkloadInstance> Instances(ReplayRun run, WorkloadMix mix, int seed)
    {
        uint hash = 2166136261;
        foreach (var c in run.Name) hash = unchecked((hash ^ c) * 16777619);
        var random = new Random(unchecked(seed * 31 + (int)hash));
        var instances = new List<WorkloadInstance>();
        for (int s = 0; s < mix.Workloads.Count; s++)
        {
            var shape = mix.Workloads[s];
            var name = shape.Name ?? $"workload-{s + 1}";
            double length = shape.IsService ? shape.Hours ?? 0 : shape.DeadlineHours ?? shape.WorkHours!.Value;
            for (int c = 0; c < shape.Count; c++)
            {
                double start = shape.StartHours;
                if (shape.RandomStart)
                {
                    double room = Math.Max(0, run.Hours - shape.StartHours - length);
                    start += Math.Floor(random.NextDouble() * room / run.StepHours) * run.StepHours;
                }

                instances.Add(new WorkloadInstance(shape.Count > 1 ? $"{name}#{c + 1}" : name, shape, start));
            }
        }

        return instances;
    }
}
