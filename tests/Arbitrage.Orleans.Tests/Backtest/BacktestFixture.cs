using Arbitrage.Orleans.Backtest.Replay;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Backtest;

/// <summary>The bundled catalog, loaded once per test class, and a scratch folder for fixture history files.</summary>
public sealed class BacktestFixture : IDisposable
{
    public CatalogIndex Catalog { get; } = CatalogIndex.Load(SharedData.Directory);

    public string Scratch { get; } = Directory.CreateTempSubdirectory("backtest-tests-").FullName;

    /// <summary>A new empty folder under the scratch folder.</summary>
    public string NewFolder(string name)
    {
        var path = Path.Combine(Scratch, $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// A small history folder: AWS spot price changes for p3.2xlarge and m5.large in us-east-1a/b over four days, and
    /// a trace folder (aws-03-01-2021, ten-minute samples) for p3.2xlarge in us-east-1a (down for its second hour
    /// and its sixth to ninth) and us-east-1b (down for its third to fifth hour).
    /// </summary>
    public string SmallHistory()
    {
        var folder = NewFolder("history");
        File.WriteAllLines(Path.Combine(folder, "my_aws_prices.csv"),
        [
            "timestamp_utc,availability_zone,instance_type,spot_usd_hr",
            "2021-03-01T00:00:00Z,us-east-1a,p3.2xlarge,0.9180",
            "2021-03-01T00:00:00Z,us-east-1b,p3.2xlarge,0.9500",
            "2021-03-01T00:00:00Z,us-east-1a,m5.large,0.0350",
            "2021-03-01T00:00:00Z,us-east-1b,m5.large,0.0330",
            "2021-03-01T12:00:00Z,us-east-1a,p3.2xlarge,0.9900",
            "2021-03-02T00:00:00Z,us-east-1b,m5.large,0.0400",
            "2021-03-03T00:00:00Z,us-east-1a,p3.2xlarge,0.9300",
            "2021-03-05T00:00:00Z,us-east-1a,m5.large,0.0360",
        ]);
        var traces = Path.Combine(folder, "traces", "aws-03-01-2021");
        Directory.CreateDirectory(traces);
        WriteTrace(Path.Combine(traces, "us-east-1a_v100_1.json"), 600, Enumerable.Range(0, 6 * 96).Select(i => i / 6 is 1 or (>= 6 and < 10) ? 0 : 1));
        WriteTrace(Path.Combine(traces, "us-east-1b_v100_1.json"), 600, Enumerable.Range(0, 6 * 96).Select(i => i / 6 is >= 3 and < 6 ? 0 : 1));
        return folder;
    }

    public static void WriteTrace(string path, int gapSeconds, IEnumerable<int> samples) =>
        File.WriteAllText(path, $"{{\"metadata\": {{\"gap_seconds\": {gapSeconds}}}, \"data\": [{string.Join(", ", samples)}]}}");

    public string WriteMix(string json)
    {
        var path = Path.Combine(NewFolder("mix"), "mix.json");
        File.WriteAllText(path, json);
        return path;
    }
}
