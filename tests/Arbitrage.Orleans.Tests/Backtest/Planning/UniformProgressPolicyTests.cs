using Arbitrage.Orleans.Backtest.Planning;
using static Arbitrage.Orleans.Tests.Backtest.Planning.PlanningProblems;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>The Can't Be Late policy: spot while ahead of the uniform line, on-demand when behind, and a safety net for the deadline.</summary>
public sealed class UniformProgressPolicyTests
{
    [Theory]
    [InlineData("aws-10-26-2022", 52, 0.05)]
    [InlineData("aws-10-26-2022", 52, 0.2)]
    [InlineData("aws-10-26-2022", 70, 0.05)]
    [InlineData("aws-10-26-2022", 70, 0.2)]
    [InlineData("aws-02-15-2023", 52, 0.05)]
    [InlineData("aws-02-15-2023", 52, 0.2)]
    [InlineData("aws-02-15-2023", 70, 0.05)]
    [InlineData("aws-02-15-2023", 70, 0.2)]
    public void Meets_the_deadline_on_real_V100_traces_where_on_demand_alone_could(string date, double window, double overhead)
    {
        var samples = date == "aws-10-26-2022" ? 3895 : 20158;
        double stepHours = date == "aws-10-26-2022" ? 600 / 3600.0 : 195 / 3600.0;
        int last = samples - (int)Math.Round(window / stepHours);
        for (int offset = 0; offset <= last; offset += last / 12)
        {
            var problem = RealTraces.Problem(date, offset, window, overhead);
            var onDemand = StepSimulator.Run(problem, new OnDemandAlwaysPolicy());
            Assert.True(onDemand.DeadlineMet);
            var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
            Assert.True(outcome.DeadlineMet, $"{date} from sample {offset}, {window} h, overhead {overhead} h: finished at {outcome.FinishedAtHours?.ToString() ?? "never"}");
            Assert.True(outcome.TotalCost <= onDemand.TotalCost, $"{date} from sample {offset}: uniform progress pays {outcome.TotalCost:F2}, on-demand {onDemand.TotalCost:F2}");
        }
    }

    [Fact]
    public void Meets_the_deadline_on_random_jobs_whenever_on_demand_from_the_start_does()
    {
        var random = new Random(52);
        int checkedJobs = 0;
        for (int i = 0; i < 2000; i++)
        {
            var problem = PlanningProblems.Random(random);
            if (!StepSimulator.Run(problem, new OnDemandAlwaysPolicy()).DeadlineMet) continue;
            checkedJobs++;
            var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
            Assert.True(outcome.DeadlineMet, $"random job {i}: uniform progress picked [{string.Join(",", outcome.Chosen)}] and finished at {outcome.FinishedAtHours?.ToString() ?? "never"}; deadline {problem.DeadlineHours}");
        }

        Assert.True(checkedJobs > 200);
    }

    [Fact]
    public void Runs_spot_while_ahead_and_waits_for_it_rather_than_pay_on_demand()
    {
        // 2 h of work in 6 h: plenty of slack, so it waits out the outage instead of going on-demand.
        var problem = Job(1, 0.25, 2, 6, Spot("spot", 0.5, true, false, false, true, true, true), OnDemand(3, 6));
        var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
        Assert.Equal(new[] { 0, -1, -1, 0, 0, -1 }, outcome.Chosen); // done mid-step 4
        Assert.True(outcome.DeadlineMet);
    }

    [Fact]
    public void Runs_on_demand_when_behind_the_uniform_line_and_no_spot_is_up()
    {
        // 4 h of work in 8 h: after a 1 h outage at the start it is behind the line and no spot is up.
        var problem = Job(1, 0.1, 4, 8, Spot("spot", 0.5, false, false, false, false, false, false, false, false), OnDemand(3, 8));
        var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
        Assert.Equal(-1, outcome.Chosen[0]);
        Assert.Equal(1, outcome.Chosen[1]);
        Assert.True(outcome.DeadlineMet);
    }

    [Fact]
    public void Stays_on_demand_until_ahead_by_the_buffer_before_moving_back_to_spot()
    {
        // Behind at step 1 with no spot: on-demand. Spot returns at step 2, but the job is not yet a buffer ahead.
        var options = new UniformProgressOptions(BufferOverheads: 10);
        var problem = Job(0.5, 0.1, 4, 8,
            Spot("spot", 0.5, false, false, true, true, true, true, true, true, true, true, true, true, true, true, true, true),
            OnDemand(3, 16));
        var outcome = StepSimulator.Run(problem, new UniformProgressPolicy(options));
        Assert.Equal(1, outcome.Chosen[1]);
        Assert.Equal(1, outcome.Chosen[2]); // spot is up, but one step of on-demand does not make the buffer (1 h)
        int back = Array.IndexOf(outcome.Chosen, 0);
        Assert.True(back > 2, "it moves back to spot once ahead by the buffer");
        double line = 4 * back * 0.5 / 8;
        Assert.True(outcome.ProgressAfterStep[back - 1] - line >= 1 - 1e-9, "it leaves on-demand only when a buffer ahead");
        Assert.True(outcome.DeadlineMet);
    }

    [Fact]
    public void The_safety_net_goes_on_demand_when_the_slack_runs_out_and_stays_there()
    {
        // 3 h of work in 4 h with 0.25 h of overhead. Spot runs well (the job is ahead of the line), then flickers near
        // the end: each restart eats slack, and when none is left the job goes on-demand although it is not behind.
        var up = Enumerable.Repeat(true, 16).ToArray();
        up[10] = up[12] = false;
        var problem = Job(0.25, 0.25, 3, 4, Spot("spot", 0.5, up), OnDemand(3, 16));
        var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
        Assert.True(outcome.DeadlineMet, $"finished at {outcome.FinishedAtHours}");
        int firstOnDemand = Array.IndexOf(outcome.Chosen, 1);
        Assert.True(firstOnDemand >= 0);
        double progress = firstOnDemand == 0 ? 0 : outcome.ProgressAfterStep[firstOnDemand - 1];
        double slack = 4 - firstOnDemand * 0.25 - (3 - progress) - 0.25;
        Assert.True(slack < 0.25, $"on-demand from step {firstOnDemand} because the slack ({slack} h) ran out");
        Assert.True(progress >= 3 * firstOnDemand * 0.25 / 4, "the job was not behind the line");
        var after = outcome.Chosen.Skip(firstOnDemand).TakeWhile(c => c >= 0).ToArray();
        Assert.All(after, c => Assert.Equal(1, c));
    }

    [Fact]
    public void A_service_runs_on_the_cheapest_up_spot_else_on_demand()
    {
        var problem = Service(1, 0.1,
            Spot("spot-a", 0.5, true, true, false, false, true),
            Spot("spot-b", 0.4, false, true, true, false, false),
            OnDemand(3, 5));
        var outcome = StepSimulator.Run(problem, new UniformProgressPolicy());
        Assert.Equal(new[] { 0, 0, 1, 2, 0 }, outcome.Chosen);
    }

    [Fact]
    public void Settings_out_of_range_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new UniformProgressPolicy(new UniformProgressOptions(BufferOverheads: -1)));
        Assert.Contains(nameof(UniformProgressOptions.BufferOverheads), error.Message);
        Assert.Contains(nameof(UniformProgressOptions.SafetyMarginHours), new UniformProgressOptions(SafetyMarginHours: double.NaN).Problems().Single());
    }
}
