using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>The rebalancing decision the silo and the backtest share, and its settings' validation.</summary>
public sealed class RebalanceRuleTests
{
    private static PlacementOption Offer(string zone, string market, decimal expected) =>
        new("sim-aws", "aws", "us-east-1", zone, "g4dn.xlarge", market, 4, 16, "nvidia-t4", 1, expected, 0.526m, 0, 0, 1, expected, "ranked");

    [Fact]
    public void A_placement_is_checked_only_after_MinUptime_and_once_per_CheckInterval()
    {
        var options = new RebalanceOptions();
        Assert.False(RebalanceRule.IsDue(options, TimeSpan.FromMinutes(29), null));
        Assert.True(RebalanceRule.IsDue(options, TimeSpan.FromMinutes(30), null));
        Assert.False(RebalanceRule.IsDue(options, TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(4)));
        Assert.True(RebalanceRule.IsDue(options, TimeSpan.FromMinutes(40), TimeSpan.FromMinutes(5)));
        Assert.False(RebalanceRule.IsDue(new RebalanceOptions { Enabled = false }, TimeSpan.FromHours(5), null));
    }

    [Fact]
    public void Only_other_markets_saving_at_least_MinSaving_are_worth_a_move_best_first()
    {
        var options = new RebalanceOptions { MinSaving = 0.2 };
        var ranked = new[] { Offer("use1-az1", MarketNames.Spot, 0.30m), Offer("use1-az2", MarketNames.Spot, 0.42m), Offer("use1-az4", MarketNames.Spot, 0.43m), Offer("use1-az1", MarketNames.OnDemand, 0.526m) };

        var worth = RebalanceRule.Worthwhile(options, ranked, 0.526m, "sim-aws", "use1-az1", "g4dn.xlarge", MarketNames.OnDemand);

        Assert.Equal(["use1-az1", "use1-az2"], worth.Select(o => o.Zone)); // 43 % and 20.2 % saved; 18.3 % is not enough; the current market never
        Assert.Empty(RebalanceRule.Worthwhile(options, ranked, 0.30m, "sim-aws", "use1-az1", "g4dn.xlarge", MarketNames.Spot));
    }

    [Fact]
    public void Bad_settings_are_refused_naming_the_setting()
    {
        var problems = new WorkloadOptions { Rebalance = new RebalanceOptions { MinSaving = 1.5, CheckInterval = TimeSpan.Zero, MinUptime = TimeSpan.FromMinutes(-1) } }.Problems().ToList();

        Assert.Contains(problems, p => p.StartsWith("Workloads:Rebalance:MinSaving", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Workloads:Rebalance:CheckInterval", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Workloads:Rebalance:MinUptime", StringComparison.Ordinal));
        Assert.Empty(new WorkloadOptions().Problems());
    }
}
