using Arbitrage.Orleans.Backtest.History;
using Arbitrage.Orleans.Backtest.Replay;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Backtest;

/// <summary>The history formats the backtest reads (each bundled one, by its header), and what it says about bad input.</summary>
public sealed class HistoryLoadingTests(BacktestFixture fixture) : IClassFixture<BacktestFixture>
{
    private static string Prices(string pattern) => Directory.GetFiles(Path.Combine(SharedData.Directory, "prices"), pattern).Single();

    [Fact]
    public void Aws_change_rows_are_read_per_zone_and_type()
    {
        var file = HistoryReader.ReadPrices(Prices("aws_*"));

        Assert.Equal(PriceFileFormat.AwsChanges, file.Format);
        Assert.Equal(CloudKind.Aws, file.Cloud);
        Assert.True(file.Markets.Count > 1000);
        var market = file.Markets.First(m => m.InstanceType == "p3.2xlarge");
        Assert.Equal("us-east-1", market.Region);
        Assert.Matches("^us-east-1[a-f]$", market.Zone!);
        Assert.All(market.Spot, p => Assert.True(p > 0));
        Assert.True((file.End - file.Start).TotalDays > 85);
    }

    [Theory]
    [InlineData("gcp_*", CloudKind.Gcp)]
    [InlineData("azure_*", CloudKind.Azure)]
    public void Snapshots_are_read_per_region_with_on_demand_and_spot(string pattern, CloudKind cloud)
    {
        var file = HistoryReader.ReadPrices(Prices(pattern));

        Assert.Equal(cloud, file.Cloud);
        Assert.True(file.Format.IsSnapshot);
        Assert.All(file.Markets, m => Assert.Null(m.Zone));
        Assert.Contains(file.Markets, m => m.OnDemand.Any(double.IsFinite) && m.Spot.Any(double.IsFinite));
    }

    [Fact]
    public void Traces_take_zone_and_kind_from_the_file_name_and_start_from_the_folder_name()
    {
        var data = HistoryReader.Read(Path.Combine(SharedData.Directory, "traces"));

        var availability = data.Traces.Where(t => t.Folder.EndsWith("aws-02-15-2023", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, availability.Count);
        Assert.All(availability, t =>
        {
            Assert.Equal("p3.2xlarge", t.InstanceType);
            Assert.Equal(195, t.GapSeconds);
            Assert.Equal(new DateTimeOffset(2023, 2, 15, 0, 0, 0, TimeSpan.Zero), t.Start);
        });
        Assert.Contains(availability, t => t.Zone == "us-west-2c" && t.Region == "us-west-2");
        // The preemption traces carry their spot prices.
        Assert.Contains(data.Traces, t => t.InstanceType == "r5.16xlarge" && t.Prices is { Length: > 0 });
        Assert.Empty(data.PriceFiles);
    }

    public static TheoryData<string, string[], int, string> BadPriceFiles => new()
    {
        { "unknown columns", ["timestamp_utc,availability_zone,instance_type,price"], 1, "unknown columns" },
        { "unsorted", ["timestamp_utc,availability_zone,instance_type,spot_usd_hr", "2021-03-02T00:00:00Z,us-east-1a,m5.large,0.03", "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.04"], 3, "out of time order" },
        { "overlapping", ["timestamp_utc,availability_zone,instance_type,spot_usd_hr", "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.03", "2021-03-02T00:00:00Z,us-east-1b,m5.large,0.03", "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.04"], 4, "overlapping rows" },
        { "zero price", ["timestamp_utc,availability_zone,instance_type,spot_usd_hr", "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.03", "2021-03-02T00:00:00Z,us-east-1a,m5.large,0"], 3, "greater than 0" },
        { "negative snapshot price", ["snapshot_utc,machine_type,region,ondemand_usd_hr,spot_usd_hr", "2023-05-08T00:00:00Z,n2-standard-2,us-east1,0.09,-0.02"], 2, "greater than 0" },
        { "bad time", ["timestamp_utc,availability_zone,instance_type,spot_usd_hr", "yesterday,us-east-1a,m5.large,0.03"], 2, "is not a time" },
        { "missing field", ["snapshot_utc,InstanceType,Region,ondemand_usd_hr,spot_usd_hr", "2026-04-02T00:00:00Z,Standard_B2s,centralus,0.05"], 2, "fields" },
    };

    [Theory]
    [MemberData(nameof(BadPriceFiles))]
    public void A_bad_price_file_is_refused_with_its_file_and_line(string name, string[] lines, int line, string problem)
    {
        var path = Path.Combine(fixture.NewFolder("bad"), $"{name.Replace(' ', '-')}.csv");
        File.WriteAllLines(path, lines);

        var error = Assert.Throws<HistoryFormatException>(() => HistoryReader.Read(Path.GetDirectoryName(path)!));

        Assert.Equal(path, error.File);
        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}:{line}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us-east-1a_v100_1.json", "{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1, 0, -1]}", "data[2]")]
    [InlineData("us-east-1a_v100_1.json", "{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1, 0], \"zone\": \"x\"}", "unknown properties")]
    [InlineData("us-east-1a_v100_1.json", "{\"metadata\": {}, \"data\": [1]}", "not a trace")]
    [InlineData("us-east-1a_v100_1.json", "{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1, 0], \"prices\": [0.9, 0]}", "prices[1]")]
    [InlineData("nozone.json", "{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1]}", "file name")]
    public void A_bad_trace_is_refused_naming_its_file(string fileName, string json, string problem)
    {
        var folder = Path.Combine(fixture.NewFolder("bad-trace"), "aws-02-15-2023");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, fileName);
        File.WriteAllText(path, json);

        var error = Assert.Throws<HistoryFormatException>(() => HistoryReader.ReadTrace(path));

        Assert.Equal(path, error.File);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_trace_folder_without_a_cloud_and_date_is_refused()
    {
        var path = Path.Combine(fixture.NewFolder("undated"), "us-east-1a_v100_1.json");
        BacktestFixture.WriteTrace(path, 60, [1, 1]);

        var error = Assert.Throws<HistoryFormatException>(() => HistoryReader.ReadTrace(path));

        Assert.Contains("{cloud}-{MM}-{DD}-{YYYY}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gap_in_a_series_is_repaired_by_carrying_the_last_price_and_reported()
    {
        var folder = fixture.NewFolder("gap");
        File.WriteAllLines(Path.Combine(folder, "gappy.csv"),
        [
            "timestamp_utc,availability_zone,instance_type,spot_usd_hr",
            "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.03",
            "2021-03-01T00:00:00Z,us-east-1b,m5.large,0.03",
            "2021-03-01T06:00:00Z,us-east-1b,m5.large,0.031",
            "2021-03-20T00:00:00Z,us-east-1a,m5.large,0.05",
            "2021-03-20T00:00:00Z,us-east-1b,m5.large,0.032",
        ]);
        var repairs = new RepairLog();

        var run = RunBuilder.Build(HistoryReader.Read(folder), fixture.Catalog, 60, 90, repairs).Single();

        var gap = Assert.Single(repairs.ToList(), r => r.Kind == "price-gap");
        Assert.Equal(2, gap.Count);
        var builder = new ProblemBuilder(run, new Arbitrage.Orleans.Backtest.Workloads.LifecycleSettings(), 6);
        var replayCase = builder.Build(new WorkloadInstance("svc", new Arbitrage.Orleans.Backtest.Workloads.WorkloadShape(Cpu: 2, MemoryGb: 8), 0));
        var zoneA = replayCase.Problem!.Options.Single(o => o.Zone == "us-east-1a" && o.Spot);
        // Carried over the gap: 0.03 from the first row until the next, 19 days later (the end of the replay).
        Assert.Equal(19 * 24, replayCase.Problem.Steps);
        Assert.All(zoneA.PricePerHour, p => Assert.Equal(0.03, p));
    }
}
