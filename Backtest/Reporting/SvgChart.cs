using System.Globalization;
using System.Net;
using System.Text;
using Arbitrage.Orleans.Backtest.Replay;

namespace Arbitrage.Orleans.Backtest.Reporting;

/// <summary>
/// A picture of one workload's replay, hand-written SVG: the price of every option over time (spot thin, on-demand
/// dashed), one lane per policy showing where it ran (colour by option, blank when nothing ran, a red tick at each
/// interruption), and the job's progress per policy (with the deadline as a vertical line).
/// </summary>
public static class SvgChart
{
    private static readonly string[] Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public static string Render(string title, CaseResult result)
    {
        var problem = result.Case.Problem!;
        var policies = result.Outcomes.Keys.ToList();
        const double left = 100, right = 20, width = 1000, plot = width - left - right, priceTop = 40, priceHeight = 180, laneHeight = 18;
        double lanesTop = priceTop + priceHeight + 40, progressTop = lanesTop + policies.Count * (laneHeight + 6) + 40, progressHeight = 160;
        double height = progressTop + progressHeight + 50 + 16 * Math.Max(policies.Count, Math.Min(problem.Options.Count, 10));
        int n = problem.Steps;
        double X(double step) => left + plot * step / n;
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(width)}\" height=\"{F(height)}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{F(left)}\" y=\"20\" font-size=\"14\">{Escape(title)}</text>\n");

        // Prices: at most ~1,000 points per line.
        int stride = Math.Max(1, n / 1000);
        double max = problem.Options.SelectMany(o => o.PricePerHour).DefaultIfEmpty(1).Max() * 1.05;
        double Y(double price) => priceTop + priceHeight - priceHeight * price / max;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{F(priceTop + 10)}\">USD/h</text><text x=\"5\" y=\"{F(priceTop + 24)}\">max {F(max)}</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(left)}\" y1=\"{F(priceTop + priceHeight)}\" x2=\"{F(left + plot)}\" y2=\"{F(priceTop + priceHeight)}\" stroke=\"#999\"/>\n");
        for (int o = 0; o < problem.Options.Count; o++)
        {
            var option = problem.Options[o];
            var points = new StringBuilder();
            for (int t = 0; t < n; t += stride) points.Append(CultureInfo.InvariantCulture, $"{F(X(t))},{F(Y(option.PricePerHour[t]))} ");
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Palette[o % Palette.Length]}\" stroke-width=\"1\"{(option.Spot ? "" : " stroke-dasharray=\"4 3\"")} points=\"{points}\"><title>{Escape(option.Name)}</title></polyline>\n");
        }

        // Placement lanes.
        for (int p = 0; p < policies.Count; p++)
        {
            var outcome = result.Outcomes[policies[p]];
            double y = lanesTop + p * (laneHeight + 6);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{F(y + 13)}\">{Escape(policies[p])}</text>\n");
            int from = 0;
            for (int t = 1; t <= n; t++)
            {
                if (t < n && outcome.Chosen[t] == outcome.Chosen[from]) continue;
                int o = outcome.Chosen[from];
                if (o >= 0)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(X(from))}\" y=\"{F(y)}\" width=\"{F(Math.Max(0.5, X(t) - X(from)))}\" height=\"{F(laneHeight)}\" fill=\"{Palette[o % Palette.Length]}\"><title>{Escape(problem.Options[o].Name)}</title></rect>\n");
                }

                from = t;
            }

            for (int t = 1; t < n; t++)
            {
                int before = outcome.Chosen[t - 1];
                if (before >= 0 && !problem.Options[before].IsUp(t)) svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(X(t))}\" y1=\"{F(y - 2)}\" x2=\"{F(X(t))}\" y2=\"{F(y + laneHeight + 2)}\" stroke=\"red\" stroke-width=\"1.5\"/>\n");
            }
        }

        // Progress.
        double goal = problem.WorkHours ?? n * problem.StepHours;
        double P(double hours) => progressTop + progressHeight - progressHeight * Math.Min(hours, goal) / goal;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{F(progressTop + 10)}\">{(problem.IsService ? "hours up" : "work done")}</text><text x=\"5\" y=\"{F(progressTop + 24)}\">of {F(goal)} h</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(left)}\" y=\"{F(progressTop)}\" width=\"{F(plot)}\" height=\"{F(progressHeight)}\" fill=\"none\" stroke=\"#ccc\"/>\n");
        if (problem.DeadlineHours is { } deadline)
        {
            double x = X(deadline / problem.StepHours);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{F(x)}\" y1=\"{F(progressTop)}\" x2=\"{F(x)}\" y2=\"{F(progressTop + progressHeight)}\" stroke=\"black\" stroke-dasharray=\"2 2\"/><text x=\"{F(x - 45)}\" y=\"{F(progressTop - 4)}\">deadline</text>\n");
        }

        for (int p = 0; p < policies.Count; p++)
        {
            var outcome = result.Outcomes[policies[p]];
            var points = new StringBuilder($"{F(X(0))},{F(P(0))} ");
            double up = 0;
            for (int t = 0; t < n; t += 1)
            {
                if (problem.IsService) up += outcome.Chosen[t] >= 0 ? problem.StepHours : 0;
                if (t % stride == 0 || t == n - 1) points.Append(CultureInfo.InvariantCulture, $"{F(X(t + 1))},{F(P(problem.IsService ? up : outcome.ProgressAfterStep[t]))} ");
            }

            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{Palette[p % Palette.Length]}\" stroke-width=\"1.5\" points=\"{points}\"/>\n");
        }

        // Legends: policies (progress colours) and options (price and lane colours).
        double legendTop = progressTop + progressHeight + 30;
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left)}\" y=\"{F(progressTop + progressHeight + 16)}\">time: {problem.Start:yyyy-MM-dd HH:mm} + {F(n * problem.StepHours)} h, steps of {F(problem.StepHours * 60)} min</text>\n");
        for (int p = 0; p < policies.Count; p++)
        {
            var o = result.Outcomes[policies[p]];
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left)}\" y=\"{F(legendTop + 16 * p)}\" fill=\"{Palette[p % Palette.Length]}\">— {Escape(policies[p])}: {o.TotalCost.ToString("0.00", CultureInfo.InvariantCulture)} USD, {o.Interruptions} interruptions, {o.Moves} moves{(problem.IsService ? "" : o.DeadlineMet ? ", deadline met" : ", deadline MISSED")}</text>\n");
        }

        for (int o = 0; o < Math.Min(problem.Options.Count, 10); o++)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(left + plot / 2)}\" y=\"{F(legendTop + 16 * o)}\" fill=\"{Palette[o % Palette.Length]}\">■ {Escape(problem.Options[o].Name)}</text>\n");
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
