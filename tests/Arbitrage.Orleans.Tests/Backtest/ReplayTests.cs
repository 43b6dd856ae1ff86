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

    private IReadOnlyList<RunResult> Replay(string data, WorkloadMix mix, int seed = 7, ProductPolicyOptions? product = null)
    {
        var runs = RunBuilder.Build(HistoryReader.Read(data), fixture.Catalog, null, 90, new RepairLog());
        var registry = PolicyRegistry.CreateDefault(product);
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
            Assert.Equal(5, c.Outcomes.Count); // on-demand, cheapest-spot, product, uniform-progress, optimal
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

    [Theory]
    [InlineData("aws-02-15-2023")]
    [InlineData("aws-10-26-2022")]
    public void Product_misses_no_deadline_on_the_traces(string trace)
    {
        var results = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", trace), CantBeLate);

        var jobs = results.Single().Cases.Where(c => !c.Case.Problem!.IsService).ToList();
        Assert.Equal(8, jobs.Count);
        Assert.All(jobs, c => Assert.True(c.Outcomes[ProductPolicy.PolicyName].DeadlineMet, $"{c.Case.Workload.Name} missed its deadline under product"));
    }

    [Fact]
    public void Product_pays_less_than_cheapest_spot_on_the_nine_zone_trace_by_trying_the_other_zones_after_a_preemption()
    {
        var result = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", "aws-02-15-2023"), CantBeLate).Single();

        var report = Arbitrage.Orleans.Backtest.Reporting.ReportBuilder.ForRun(result, [.. result.Cases[0].Outcomes.Keys], picture: null);

        var product = report.Policies.Single(p => p.Name == ProductPolicy.PolicyName);
        var cheapest = report.Policies.Single(p => p.Name == CheapestSpotPolicy.PolicyName);
        Assert.True(product.TotalCostUsd < cheapest.TotalCostUsd, $"product {product.TotalCostUsd} USD, cheapest-spot {cheapest.TotalCostUsd} USD");
        Assert.True(product.DeadlinesMissed <= cheapest.DeadlinesMissed);
        Assert.Contains(report.Notes, n => n.StartsWith("product beats cheapest-spot here", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("aws-02-15-2023")]
    [InlineData("aws-10-26-2022")]
    public void No_policy_beats_the_optimum_on_the_bundled_traces(string trace)
    {
        var results = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", trace), CantBeLate);

        int compared = 0;
        foreach (var c in results.Single().Cases)
        {
            var problem = c.Case.Problem!;
            Assert.Null(c.OptimumUnavailable);
            var optimum = c.Outcomes[PolicyRegistry.OptimalName];
            Assert.True(optimum.DeadlineMet, $"the optimum missed {c.Case.Workload.Name}'s deadline");
            foreach (var (policy, outcome) in c.Outcomes)
            {
                // A job is compared when it met its deadline; a service when it ran at every step something was up
                // (the optimum's service is up whenever it can be: idling is cheaper, not better).
                bool comparable = problem.IsService ? Enumerable.Range(0, problem.Steps).All(t => outcome.Chosen[t] >= 0 || problem.Options.All(o => !o.IsUp(t))) : outcome.DeadlineMet;
                if (!comparable) continue;
                Assert.True(outcome.TotalCost >= optimum.TotalCost - 1e-6,
                    $"{policy} paid {outcome.TotalCost} for {c.Case.Workload.Name}, less than the optimum's {optimum.TotalCost}");
                compared++;
            }
        }

        Assert.True(compared >= 40, $"only {compared} outcomes were compared");
    }

    [Fact]
    public void The_report_gives_every_policy_a_ratio_to_the_optimum_of_at_least_one()
    {
        var result = Replay(Path.Combine(SharedData.Directory, "traces", "availability", "1-node", "aws-10-26-2022"), CantBeLate).Single();

        var report = Arbitrage.Orleans.Backtest.Reporting.ReportBuilder.ForRun(result, [.. result.Cases[0].Outcomes.Keys], picture: null);

        Assert.Equal(5, report.Policies.Count);
        Assert.Empty(report.OptimumUnavailable);
        Assert.All(report.Policies, p => Assert.True(p.RatioToOptimum >= 1, $"{p.Name}: ratio_to_optimum {p.RatioToOptimum}"));
        Assert.Equal(1, report.Policies.Single(p => p.Name == PolicyRegistry.OptimalName).RatioToOptimum);
    }

    [Fact]
    public void A_workload_the_optimum_cannot_be_computed_for_is_reported_not_dropped()
    {
        var registry = PolicyRegistry.CreateDefault();
        registry.Optimum = new DelegatePlanner(_ => throw new OptimumUnavailableException("too large for this test"));
        var runs = RunBuilder.Build(HistoryReader.Read(fixture.SmallHistory()), fixture.Catalog, null, 90, new RepairLog());
        var mix = new WorkloadMix("m", null, [new WorkloadShape("job", Cpu: 2, MemoryGb: 8, WorkHours: 6, DeadlineHours: 10)]);

        var result = new BacktestRunner(registry, registry.Names, 6, null, TimeProvider.System).Run(runs, mix, 1, CancellationToken.None).First(r => r.Run.Kind == "prices");
        var report = Arbitrage.Orleans.Backtest.Reporting.ReportBuilder.ForRun(result, [.. registry.Names, PolicyRegistry.OptimalName], picture: null);

        var missing = Assert.Single(report.OptimumUnavailable);
        Assert.Equal(("job", "too large for this test"), (missing.Workload, missing.Reason));
        Assert.Contains(report.Notes, n => n.Contains("optimal: not computed for 1 workload", StringComparison.Ordinal));
        Assert.Equal(0, report.Policies.Single(p => p.Name == PolicyRegistry.OptimalName).Unserved);
        Assert.Null(report.Policies.Single(p => p.Name == ProductPolicy.PolicyName).RatioToOptimum);
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

    [Fact]
    public void Product_returns_from_on_demand_to_spot_by_the_silos_rebalancing_rule_on_the_two_zone_trace()
    {
        string trace = Path.Combine(SharedData.Directory, "traces", "availability", "1-node", "aws-10-26-2022");
        var with = Summary(Replay(trace, CantBeLate).Single());
        var without = Summary(Replay(trace, CantBeLate, product: new ProductPolicyOptions { Rebalance = new Arbitrage.Orleans.Grains.Workloads.RebalanceOptions { Enabled = false } }).Single());

        Assert.Equal(0, without.Moves);
        Assert.True(with.Moves > 0, "the rule moves workloads off on-demand once a spot zone is back");
        Assert.True(with.OnDemandHours < without.OnDemandHours / 2, $"on-demand hours: {with.OnDemandHours} with the rule, {without.OnDemandHours} without");
        Assert.True(with.TotalCostUsd < without.TotalCostUsd, $"{with.TotalCostUsd} USD with the rule, {without.TotalCostUsd} USD without");
        Assert.Equal(0, with.DeadlinesMissed);

        static Arbitrage.Orleans.Backtest.Reporting.PolicySummary Summary(RunResult result) =>
            Arbitrage.Orleans.Backtest.Reporting.ReportBuilder.ForRun(result, [.. result.Cases[0].Outcomes.Keys], picture: null).Policies.Single(p => p.Name == ProductPolicy.PolicyName);
    }
}
