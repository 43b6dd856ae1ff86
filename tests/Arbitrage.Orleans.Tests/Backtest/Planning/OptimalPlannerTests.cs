using Arbitrage.Orleans.Backtest.Planning;
using static Arbitrage.Orleans.Tests.Backtest.Planning.PlanningProblems;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>The offline optimum equals a brute force over every plan, and its claimed cost is what its plan costs.</summary>
public sealed class OptimalPlannerTests
{
    private const double Tolerance = 1e-6;

    [Fact]
    public void Options_another_one_always_matches_are_left_out_so_hundreds_of_zones_still_solve_exactly()
    {
        // 300 on-demand offers at the same price (one per zone, as a price history of many regions gives) and a dearer
        // one: all but the first are dominated, so the optimum solves on two options and keeps its exact cost.
        var spot = Spot("spot", 0.4, true, false, false, true, true, true);
        var many = Enumerable.Range(0, 300).Select(i => OnDemand(i == 299 ? 4 : 3, 6) with { Name = $"on-demand-{i}" }).ToArray();
        var problem = Job(1, 0.5, 3, 6, [spot, .. many]);

        var plan = OptimalPlanner.Solve(problem);

        Assert.Equal(OptimalPlanStatus.Optimal, plan.Status);
        var small = OptimalPlanner.Solve(Job(1, 0.5, 3, 6, spot, many[0]));
        Assert.Equal(small.TotalCost, plan.TotalCost, 9);
        Assert.All(plan.Plan.Where(p => p > 0), p => Assert.Equal(1, p)); // the first of the equal on-demand offers
        Assert.Equal(plan.TotalCost, StepSimulator.Run(problem, plan.AsPolicy()).TotalCost, 9);
    }

    [Fact]
    public void Overhead_longer_than_a_step_is_carried_across_steps()
    {
        // 1.5 h of boot on 1 h steps: a spot run must last three steps to make 1.5 h of progress.
        var problem = Job(1, 1.5, 2, 5,
            Spot("spot", 0.5, true, true, true, true, true, false, true),
            OnDemand(3, 7));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(OptimalPlanStatus.Optimal, plan.Status);
        Assert.All(plan.Plan.Where(p => p >= 0), p => Assert.Equal(0, p));
    }

    [Fact]
    public void Overhead_that_is_not_a_multiple_of_the_step_counts_exactly()
    {
        var problem = Job(1, 0.4, 2.2, null,
            Spot("spot-a", 0.4, true, false, true, true, false, true, true),
            Spot("spot-b", 0.6, false, true, true, false, true, true, false),
            OnDemand(2.5, 7));
        AssertMatchesBruteForce(problem);
    }

    [Fact]
    public void A_job_finishing_mid_step_pays_only_the_hours_it_used()
    {
        var problem = Job(1, 0.25, 2.5, 3, OnDemand(2, 5));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(2 * 2.75, plan.TotalCost, 9);
        Assert.Equal(2.75, plan.FinishedAtHours!.Value, 9);
    }

    [Fact]
    public void Spot_going_down_interrupts_and_the_optimum_plans_around_it()
    {
        var problem = Job(0.5, 0.25, 1.5, 3.5,
            Spot("spot-a", 0.3, true, true, false, false, true, true, true),
            Spot("spot-b", 0.5, false, true, true, true, false, false, true),
            OnDemand(3, 7));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(OptimalPlanStatus.Optimal, plan.Status);
        Assert.DoesNotContain(2, plan.Plan);
    }

    [Fact]
    public void A_deadline_only_on_demand_can_meet_is_met_on_demand()
    {
        // Spot is up only in bits too short to get past the boot; 4 h of work within 4.5 h.
        var problem = Job(0.5, 0.5, 4, 4.5,
            Spot("spot", 0.2, true, false, true, false, true, false, true, false, true, false),
            OnDemand(3, 10));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(OptimalPlanStatus.Optimal, plan.Status);
        Assert.Equal(3 * 4.5, plan.TotalCost, 9);
        Assert.All(plan.Plan.Take(9), p => Assert.Equal(1, p));
    }

    [Fact]
    public void An_infeasible_deadline_gives_the_cheapest_plan_that_finishes_by_the_end_of_the_grid()
    {
        var problem = Job(1, 0.5, 3, 3, Spot("spot", 0.5, true, true, false, true, true, true), OnDemand(2, 6));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(OptimalPlanStatus.DeadlineInfeasible, plan.Status);
        Assert.True(plan.FinishedAtHours > 3);
    }

    [Fact]
    public void A_job_longer_than_the_grid_cannot_finish_and_its_plan_runs_nothing()
    {
        var problem = Job(1, 0.1, 5, null, OnDemand(2, 4));
        var plan = AssertMatchesBruteForce(problem);
        Assert.Equal(OptimalPlanStatus.CannotFinish, plan.Status);
        Assert.All(plan.Plan, p => Assert.Equal(-1, p));
        Assert.Equal(0, plan.TotalCost);
    }

    [Fact]
    public void The_optimum_equals_the_brute_force_on_many_random_jobs()
    {
        var random = new Random(14);
        for (int i = 0; i < 250; i++) AssertMatchesBruteForce(PlanningProblems.Random(random), label: $"random job {i}");
    }

    [Fact]
    public void A_service_runs_on_the_cheapest_up_option_with_the_least_downtime()
    {
        // Two equally cheap spots: staying on one avoids the restarts that switching between them would cost.
        var problem = Service(1, 0.5,
            Spot("spot-a", 0.5, true, true, true, false, true),
            Spot("spot-b", 0.5, true, true, true, true, false),
            OnDemand(2, 5));
        var plan = OptimalPlanner.Solve(problem);
        var replay = AssertReplayAgrees(problem, plan, "service");
        Assert.Equal(new[] { 1, 1, 1, 1, 0 }, plan.Plan);
        Assert.Equal(1.0, replay.DowntimeHours, 9);
        Assert.Equal(2.5, plan.TotalCost, 9);
    }

    [Fact]
    public void The_service_optimum_equals_the_brute_force_on_many_random_services()
    {
        var random = new Random(41);
        for (int i = 0; i < 200; i++)
        {
            var problem = PlanningProblems.Random(random, service: true);
            var plan = OptimalPlanner.Solve(problem);
            var replay = AssertReplayAgrees(problem, plan, $"random service {i}");
            var best = BruteForce.BestServicePlan(problem);
            Assert.True(Math.Abs(best.TotalCost - plan.TotalCost) <= Tolerance, $"random service {i}: brute force {best.TotalCost}, optimum {plan.TotalCost}");
            Assert.True(Math.Abs(best.DowntimeHours - replay.DowntimeHours) <= Tolerance, $"random service {i}: brute force down {best.DowntimeHours} h, optimum {replay.DowntimeHours} h");
        }
    }

    [Theory]
    [InlineData("aws-10-26-2022", 52, 0.05)]
    [InlineData("aws-10-26-2022", 70, 0.2)]
    [InlineData("aws-02-15-2023", 52, 0.2)]
    [InlineData("aws-02-15-2023", 70, 0.05)]
    public void The_optimum_on_real_traces_costs_what_its_plan_costs_and_meets_the_deadline(string date, double window, double overhead)
    {
        var problem = RealTraces.Problem(date, offset: 200, window, overhead);
        var plan = OptimalPlanner.Solve(problem);
        var replay = AssertReplayAgrees(problem, plan, $"{date} {window} h");
        Assert.Equal(OptimalPlanStatus.Optimal, plan.Status);
        Assert.True(replay.DeadlineMet);
        Assert.True(plan.TotalCost < 48 * 3.06, $"the optimum ({plan.TotalCost:F2}) should beat on-demand alone on a trace with spot capacity");
    }

    /// <summary>The planner's answer against every plan's; returns the plan after checking its replay.</summary>
    private static OptimalPlan AssertMatchesBruteForce(PlanningProblem problem, bool enumerate = true, string label = "problem")
    {
        var plan = OptimalPlanner.Solve(problem);
        var replay = AssertReplayAgrees(problem, plan, label);
        if (!enumerate) return plan;
        var (met, finished) = BruteForce.CheapestJobPlans(problem);
        if (met is not null)
        {
            Assert.True(plan.Status == OptimalPlanStatus.Optimal, $"{label}: the brute force meets the deadline for {met.TotalCost}; the optimum says {plan.Status}");
            Assert.True(Math.Abs(met.TotalCost - plan.TotalCost) <= Tolerance, $"{label}: brute force {met.TotalCost} [{string.Join(",", met.Chosen)}], optimum {plan.TotalCost} [{string.Join(",", plan.Plan)}]");
            Assert.True(replay.DeadlineMet, $"{label}: the optimum's plan misses the deadline");
        }
        else if (finished is not null)
        {
            Assert.True(plan.Status == OptimalPlanStatus.DeadlineInfeasible, $"{label}: no plan meets the deadline; the optimum says {plan.Status}");
            Assert.True(Math.Abs(finished.TotalCost - plan.TotalCost) <= Tolerance, $"{label}: brute force {finished.TotalCost}, optimum {plan.TotalCost}");
            Assert.NotNull(replay.FinishedAtHours);
        }
        else
        {
            Assert.True(plan.Status == OptimalPlanStatus.CannotFinish, $"{label}: no plan finishes; the optimum says {plan.Status}");
        }

        return plan;
    }

    /// <summary>The plan replayed through the StepSimulator costs what the planner claims and never runs on capacity that was down.</summary>
    internal static PlanOutcome AssertReplayAgrees(PlanningProblem problem, OptimalPlan plan, string label)
    {
        Assert.Equal(problem.Steps, plan.Plan.Length);
        var replay = StepSimulator.Run(problem, plan.AsPolicy());
        Assert.True(Math.Abs(replay.TotalCost - plan.TotalCost) <= Tolerance, $"{label}: the optimum claims {plan.TotalCost}, its replay costs {replay.TotalCost}");
        for (int t = 0; t < problem.Steps; t++)
        {
            if (plan.Plan[t] >= 0) Assert.True(problem.Options[plan.Plan[t]].IsUp(t), $"{label}: the plan runs on {problem.Options[plan.Plan[t]].Name} at step {t}, which is down");
        }

        if (plan.FinishedAtHours is { } finished) Assert.Equal(finished, replay.FinishedAtHours!.Value, 6);
        return replay;
    }
}
