using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Backtest.Policies;
using Arbitrage.Orleans.Backtest.Replay;
using Arbitrage.Orleans.Backtest.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Backtest;

/// <summary>Replays through every policy: capacity the trace says was down is never used; unserved workloads are kept.</summary>
public sealed class ReplayTests(BacktestFixture fixture) : IClassFixture<BacktestFixture>
{
    private static readonly WorkloadMix CantBeLate = new("cbl", new LifecycleSettings(BootMinutes: 0),
    [
        new WorkloadShape("tight", Count: 4, Gpu: "V100", Cpu: 8, MemoryGb: 61, WorkHours: 48, DeadlineHours: 52, RestartOverheadMinutes: 12, RandomStart: true),
        new WorkloadShape("loose", Count: 4, Gpu: "V100", Cpu: 8, MemoryGb: 61, WorkHours: 48, DeadlineHours: 70, RestartOverheadMinutes: 3, RandomStart: true),
        new WorkloadShape("service", Count: 2, Gpu: "V100", Hours: 96, RandomStart: true),
    ]);

    private IReadOnlyList<RunResult> Replay(string data, WorkloadMix mix, int seed = 7)
    {
        var runs = RunBuilder.Build(HistoryReader.Read(data), fixture.Catalog, null, 90, new RepairLog());
        var registry = PolicyRegistry.CreateDefault();
        return new BacktestRunner(registry, registry.Names, 6, null, TimeProvider.System).Run(runs, mix, seed, CancellationToken.None);
    }

    [Fact]
    public void No_policy_ever_runs_on_capacity_the_trace_says_was_down()
    {
        var results = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", "aws-02-15-2023"), CantBeLate);

        var run = Assert.Single(results);
        int checkedSteps = 0;
        foreach (var c in run.Cases)
        {
            var problem = c.Case.Problem!;
            Assert.Equal(3, c.Outcomes.Count);
            foreach (var (policy, outcome) in c.Outcomes)
            {
                for (int t = 0; t < problem.Steps; t++)
                {
                    int o = outcome.Chosen[t];
                    if (o < 0 || c.Case.Markets[o].Trace is not { } trace) continue;
                    var from = problem.Start.AddHours(t * problem.StepHours);
                    Assert.True(trace.UpThroughout(from, from.AddHours(problem.StepHours)),
                        $"{policy} ran {c.Case.Workload.Name} on {problem.Options[o].Name} at step {t} ({from:u}), when its trace says down");
                    checkedSteps++;
                }
            }
        }

        Assert.True(checkedSteps > 1000);
        // The traces do interrupt the spot policies: the check above is not vacuous.
        Assert.True(run.Cases.Sum(c => c.Outcomes[CheapestSpotPolicy.PolicyName].Interruptions) > 0);
    }

    [Fact]
    public void Product_misses_no_deadline_on_the_traces()
    {
        var results = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", "aws-02-15-2023"), CantBeLate);

        var jobs = results.Single().Cases.Where(c => !c.Case.Problem!.IsService).ToList();
        Assert.Equal(8, jobs.Count);
        Assert.All(jobs, c => Assert.True(c.Outcomes[ProductPolicy.PolicyName].DeadlineMet, $"{c.Case.Workload.Name} missed its deadline under product"));
    }

    [Fact]
    public void Replays_are_the_same_for_the_same_seed_and_start_differently_for_another()
    {
        var data = fixture.SmallHistory();
        var mix = new WorkloadMix("m", null, [new WorkloadShape("job", Count: 5, Cpu: 2, MemoryGb: 8, WorkHours: 6, DeadlineHours: 10, RestartOverheadMinutes: 5, RandomStart: true)]);

        var first = Replay(data, mix, seed: 3);
        var second = Replay(data, mix, seed: 3);
        var other = Replay(data, mix, seed: 4);

        Assert.Equal(Fingerprint(first), Fingerprint(second));
        Assert.NotEqual(first.SelectMany(r => r.Cases).Select(c => c.Case.Workload.StartHours), other.SelectMany(r => r.Cases).Select(c => c.Case.Workload.StartHours));
    }

    [Fact]
    public void A_workload_no_offer_can_serve_is_reported_as_unserved()
    {
        var mix = new WorkloadMix("m", null,
        [
            new WorkloadShape("huge", Cpu: 4096, MemoryGb: 1, WorkHours: 1),
            new WorkloadShape("elsewhere", Regions: ["eu-west-1"], WorkHours: 1),
            new WorkloadShape("fits", Cpu: 2, MemoryGb: 8, WorkHours: 1),
        ]);

        var results = Replay(fixture.SmallHistory(), mix);

        var prices = results.Single(r => r.Run.Kind == "prices");
        Assert.Equal(3, prices.Cases.Count);
        Assert.Contains("no market", prices.Cases.Single(c => c.Case.Workload.Name == "huge").Case.Unserved);
        Assert.NotNull(prices.Cases.Single(c => c.Case.Workload.Name == "elsewhere").Case.Unserved);
        Assert.Null(prices.Cases.Single(c => c.Case.Workload.Name == "fits").Case.Unserved);
        var summary = Arbitrage.Orleans.Backtest.Reporting.ReportBuilder.Summarize(ProductPolicy.PolicyName, prices.Cases);
        Assert.Equal(2, summary.Unserved);
        Assert.Equal(1, summary.Workloads);
    }

    private static string Fingerprint(IReadOnlyList<RunResult> results) => string.Join("\n", results.SelectMany(r => r.Cases).Select(c =>
        $"{c.Case.Workload.Name}@{c.Case.Workload.StartHours}: " + string.Join("; ", c.Outcomes.Select(o => $"{o.Key}={o.Value.TotalCost:R},{o.Value.Interruptions},{string.Join(",", o.Value.Chosen)}"))));
}
