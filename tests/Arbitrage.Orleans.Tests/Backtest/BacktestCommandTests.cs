using System.Text.Json;
using Arbitrage.Orleans.Backtest;
using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Backtest.Policies;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Backtest;

/// <summary>The backtest command end to end on a small history folder: the table, report.json and the pictures.</summary>
public sealed class BacktestCommandTests(BacktestFixture fixture) : IClassFixture<BacktestFixture>
{
    private const string Mix = """
        {
          "name": "small",
          "workloads": [
            { "name": "web", "cpu": 2, "memoryGb": 8, "hours": 24, "count": 2, "randomStart": true },
            { "name": "train", "gpu": "V100", "workHours": 10, "deadlineHours": 14, "restartOverheadMinutes": 12 },
            { "name": "impossible", "cpu": 4096, "workHours": 1 }
          ]
        }
        """;

    private (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = new BacktestCommand(PolicyRegistry.CreateDefault(), output, error, TimeProvider.System).Run(args);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void The_command_writes_a_table_report_json_and_a_picture_per_replay()
    {
        var data = fixture.SmallHistory();
        var mix = fixture.WriteMix(Mix);
        var outFolder = Path.Combine(fixture.NewFolder("out"), "report");

        var (code, output, error) = Run("--data", data, "--workloads", mix, "--out", outFolder, "--catalog", SharedData.Directory, "--seed", "5");

        Assert.True(code == 0, error);
        Assert.Contains("cheapest-spot", output, StringComparison.Ordinal);
        Assert.Contains("saving", output, StringComparison.Ordinal);
        Assert.Contains("workloads", error, StringComparison.Ordinal);
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "report.json")));
        var root = report.RootElement;
        var policies = root.GetProperty("policies").EnumerateArray().ToList();
        Assert.Equal(["on-demand", "cheapest-spot", "product", "uniform-progress", "optimal"], policies.Select(p => p.GetProperty("name").GetString()));
        foreach (var policy in policies)
        {
            foreach (var field in new[] { "total_cost_usd", "saving_vs_on_demand", "ratio_to_optimum", "deadlines_missed", "interruptions", "moves", "lost_compute_hours", "unserved" })
            {
                Assert.True(policy.TryGetProperty(field, out _), $"report.json policies lack {field}");
            }

            Assert.Equal(2, policy.GetProperty("unserved").GetInt32());
        }

        var onDemand = policies[0].GetProperty("total_cost_usd").GetDouble();
        var product = policies[2];
        Assert.True(onDemand > 0);
        Assert.Equal(1 - product.GetProperty("total_cost_usd").GetDouble() / onDemand, product.GetProperty("saving_vs_on_demand").GetDouble(), 3);
        Assert.True(root.TryGetProperty("repairs", out _));
        Assert.Equal(5, root.GetProperty("inputs").GetProperty("seed").GetInt32());
        var runs = root.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["my_aws_prices.csv", "aws-03-01-2021"], runs.Select(r => r.GetProperty("name").GetString()));
        foreach (var run in runs)
        {
            var picture = Path.Combine(outFolder, run.GetProperty("picture").GetString()!);
            var svg = File.ReadAllText(picture);
            Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
            Assert.Contains("product", svg, StringComparison.Ordinal);
            Assert.Contains(run.GetProperty("unserved_workloads").EnumerateArray(), u => u.GetProperty("workload").GetString() == "impossible");
        }
    }

    [Fact]
    public void The_report_is_the_same_for_the_same_seed()
    {
        var data = fixture.SmallHistory();
        var mix = fixture.WriteMix(Mix);
        string Report(string folder)
        {
            var (code, _, error) = Run("--data", data, "--workloads", mix, "--out", folder, "--catalog", SharedData.Directory, "--seed", "9");
            Assert.True(code == 0, error);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "report.json")))!;
            json["inputs"]!.AsObject().Remove("elapsed_seconds");
            return json.ToJsonString();
        }

        Assert.Equal(Report(fixture.NewFolder("first")), Report(fixture.NewFolder("second")));
    }

    [Theory]
    [InlineData(new[] { "--workloads", "x.json" }, "--data is required")]
    [InlineData(new[] { "--data", "d", "--workloads", "w", "--seed", "abc" }, "--seed must be a number")]
    [InlineData(new[] { "--data", "d", "--workloads", "w", "--step", "0" }, "--step must be a number")]
    [InlineData(new[] { "--data", "d", "--workloads", "w", "--policy", "magic" }, "--policy: unknown policy 'magic'")]
    [InlineData(new[] { "--data", "d", "--workloads", "w", "--colour", "red" }, "unknown option '--colour'")]
    public void A_bad_option_is_refused_naming_it(string[] args, string message)
    {
        var (code, _, error) = Run(args);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_workload_file_names_the_field()
    {
        var mix = fixture.WriteMix("""{ "workloads": [ { "name": "j", "workHours": 10, "deadlineHours": 5 } ] }""");

        var (code, _, error) = Run("--data", fixture.SmallHistory(), "--workloads", mix, "--catalog", SharedData.Directory);

        Assert.Equal(3, code);
        Assert.Contains("deadlineHours", error, StringComparison.Ordinal);
        Assert.Contains(mix, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plugged_in_optimum_is_replayed_and_gives_the_ratio_to_optimum()
    {
        var registry = PolicyRegistry.CreateDefault();
        // A stand-in planner: cheapest-spot's own plan, so cheapest-spot's ratio to it is exactly 1.
        registry.Optimum = new DelegatePlanner(p => StepSimulator.Run(p, new CheapestSpotPolicy()).Chosen);
        var outFolder = fixture.NewFolder("optimum");
        var output = new StringWriter();
        var error = new StringWriter();

        int code = new BacktestCommand(registry, output, error, TimeProvider.System).Run(
            ["--data", fixture.SmallHistory(), "--workloads", fixture.WriteMix(Mix), "--out", outFolder, "--catalog", SharedData.Directory, "--policy", "cheapest-spot,optimal"]);

        Assert.True(code == 0, error.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(outFolder, "report.json")));
        var policies = report.RootElement.GetProperty("policies").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal(["on-demand", "cheapest-spot", "optimal"], policies.Keys);
        Assert.Equal(1.0, policies["cheapest-spot"].GetProperty("ratio_to_optimum").GetDouble());
        Assert.True(policies["on-demand"].GetProperty("ratio_to_optimum").GetDouble() > 1);
    }

    [Fact]
    public void Help_describes_every_option()
    {
        var (code, output, _) = Run("--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--data", "--workloads", "--policy", "--out", "--seed", "--step", "--catalog", "--max-days", "--max-types" }) Assert.Contains(option, output, StringComparison.Ordinal);
    }
}
