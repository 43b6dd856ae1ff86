using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>The bundled V100 availability traces as planning problems: 48 h of work within a window (Can't Be Late's setting).</summary>
internal static class RealTraces
{
    public const double WorkHours = 48;

    private static readonly Dictionary<string, string[]> Files = new()
    {
        // 600 s samples, 13 days, two zones.
        ["aws-10-26-2022"] = ["us-west-2a_v100_1.json", "us-west-2b_v100_1.json"],

        // 195 s samples, 45 days, nine zones.
        ["aws-02-15-2023"] =
        [
            "us-east-1a_v100_1.json", "us-east-1c_v100_1.json", "us-east-1d_v100_1.json", "us-east-1f_v100_1.json",
            "us-east-2a_v100_1.json", "us-east-2b_v100_1.json", "us-west-2a_v100_1.json", "us-west-2b_v100_1.json",
            "us-west-2c_v100_1.json",
        ],
    };

    public static PlanningProblem Problem(string date, int offset, double windowHours, double overheadHours) =>
        PlanningProblems.OnTraces(PlanningProblems.TraceFolder("availability", date), Files[date], offset, windowHours, WorkHours, overheadHours);
}
