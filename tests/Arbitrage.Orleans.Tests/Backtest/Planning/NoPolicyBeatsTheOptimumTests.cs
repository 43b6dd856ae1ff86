using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>The optimum is a bound: no policy that meets the deadline (or runs a service throughout) pays less.</summary>
public sealed class NoPolicyBeatsTheOptimumTests
{
    private const double Tolerance = 1e-6;

    private static IStepPolicy[] Policies() => [new UniformProgressPolicy(), new GreedySpotPolicy(), new OnDemandAlwaysPolicy()];

    [Fact]
    public void No_policy_beats_the_optimum_on_random_small_jobs()
    {
        var random = new Random(2024);
        int compared = 0;
        for (int i = 0; i < 500; i++)
        {
            var problem = PlanningProblems.Random(random);
            compared += AssertBound(problem, OptimalPlanner.Solve(problem), $"random job {i}");
        }

        Assert.True(compared > 300, $"only {compared} policy runs met their deadline; the random problems are too hard to compare");
    }

    [Fact]
    public void No_policy_beats_the_optimum_on_random_small_services()
    {
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            var problem = PlanningProblems.Random(random, service: true);
            var optimum = OptimalPlanner.Solve(problem);
            foreach (var policy in new IStepPolicy[] { new UniformProgressPolicy(), new GreedySpotPolicy() })
            {
                var outcome = StepSimulator.Run(problem, policy);
                Assert.True(outcome.TotalCost >= optimum.TotalCost - Tolerance, $"random service {i}: {policy.Name} pays {outcome.TotalCost}, the optimum {optimum.TotalCost}");
            }
        }
    }

    [Theory]
    [InlineData("aws-10-26-2022", 52, 0.05)]
    [InlineData("aws-10-26-2022", 52, 0.2)]
    [InlineData("aws-10-26-2022", 70, 0.05)]
    [InlineData("aws-10-26-2022", 70, 0.2)]
    [InlineData("aws-02-15-2023", 52, 0.2)]
    [InlineData("aws-02-15-2023", 70, 0.05)]
    public void No_policy_beats_the_optimum_on_real_traces(string date, double window, double overhead)
    {
        foreach (int offset in new[] { 0, 700, 2000 })
        {
            var problem = RealTraces.Problem(date, offset, window, overhead);
            var optimum = OptimalPlanner.Solve(problem);
            Assert.Equal(OptimalPlanStatus.Optimal, optimum.Status);
            int compared = AssertBound(problem, optimum, $"{date} from sample {offset}, {window} h, overhead {overhead} h");
            Assert.True(compared >= 2, "uniform progress and on-demand both meet the deadline (the greedy policy may not)");
        }
    }

    /// <summary>Checks every policy against the optimum; returns how many met the deadline.</summary>
    private static int AssertBound(PlanningProblem problem, OptimalPlan optimum, string label)
    {
        int met = 0;
        foreach (var policy in Policies())
        {
            var outcome = StepSimulator.Run(problem, policy);
            if (outcome.FinishedAtHours is null) continue;
            Assert.True(optimum.Status != OptimalPlanStatus.CannotFinish, $"{label}: {policy.Name} finishes, the optimum says no plan can");
            if (outcome.DeadlineMet)
            {
                met++;
                Assert.True(optimum.Status == OptimalPlanStatus.Optimal, $"{label}: {policy.Name} meets the deadline, the optimum says no plan can");
                Assert.True(outcome.TotalCost >= optimum.TotalCost - Tolerance, $"{label}: {policy.Name} pays {outcome.TotalCost}, the optimum {optimum.TotalCost}");
            }
            else if (optimum.Status == OptimalPlanStatus.DeadlineInfeasible)
            {
                Assert.True(outcome.TotalCost >= optimum.TotalCost - Tolerance, $"{label}: {policy.Name} finishes late for {outcome.TotalCost}, the cheapest late plan costs {optimum.TotalCost}");
            }
        }

        return met;
    }
}
