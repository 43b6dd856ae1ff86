using System.Globalization;
using System.Text;

namespace Arbitrage.Orleans.Backtest.Reporting;

/// <summary>The terminal table: one row per policy.</summary>
public static class ReportTable
{
    public static string Render(string title, IReadOnlyList<PolicySummary> rows)
    {
        string[] header = ["policy", "cost USD", "saving", "x optimum", "missed", "interrupts", "moves", "lost h", "on-demand h", "unserved"];
        var cells = rows.Select(r => new[]
        {
            r.Name,
            r.TotalCostUsd.ToString("N2", CultureInfo.InvariantCulture),
            r.SavingVsOnDemand is { } s ? s.ToString("P1", CultureInfo.InvariantCulture) : "-",
            r.RatioToOptimum is { } o ? o.ToString("0.000", CultureInfo.InvariantCulture) : "-",
            r.DeadlinesMissed.ToString(CultureInfo.InvariantCulture),
            r.Interruptions.ToString(CultureInfo.InvariantCulture),
            r.Moves.ToString(CultureInfo.InvariantCulture),
            r.LostComputeHours.ToString("0.##", CultureInfo.InvariantCulture),
            r.OnDemandHours.ToString("0", CultureInfo.InvariantCulture),
            r.Unserved.ToString(CultureInfo.InvariantCulture),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Select(c => c[i].Length).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder().AppendLine(title);
        void Line(string[] row) => text.AppendLine(string.Join("  ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd());
        Line(header);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in cells) Line(row);
        return text.ToString();
    }
}
