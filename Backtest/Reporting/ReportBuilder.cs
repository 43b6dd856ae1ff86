using System.Globalization;
using Arbitrage.Orleans.Backtest.Planning;
using Arbitrage.Orleans.Backtest.Policies;
using Arbitrage.Orleans.Backtest.Replay;

namespace Arbitrage.Orleans.Backtest.Reporting;

/// <summary>Sums the outcomes of every workload per policy, per replay and over all replays.</summary>
public static class ReportBuilder
{
    public static PolicySummary Summarize(string policy, IReadOnlyList<CaseResult> cases)
    {
        double cost = 0, lost = 0, downtime = 0, withOptimum = 0, onDemandHours = 0;
        int missed = 0, interruptions = 0, moves = 0, unserved = 0, workloads = 0;
        foreach (var c in cases)
        {
            if (c.Case.Problem is not { } problem || !c.Outcomes.TryGetValue(policy, out var o))
            {
                // A served workload the optimum could not be computed for is listed under optimum_unavailable, not unserved.
                if (c.Case.Problem is null || policy != PolicyRegistry.OptimalName) unserved++;
                continue;
            }

            workloads++;
            cost += o.TotalCost;
            if (c.Outcomes.ContainsKey(PolicyRegistry.OptimalName)) withOptimum += o.TotalCost;
            if (!o.DeadlineMet) missed++;
            interruptions += o.Interruptions;
            moves += o.Moves;
            lost += LostHours(problem, o);
            downtime += problem.IsService ? o.DowntimeHours : 0;
            foreach (int chosen in o.Chosen) onDemandHours += chosen >= 0 && !problem.Options[chosen].Spot ? problem.StepHours : 0;
        }

        return new PolicySummary(policy, Math.Round(cost, 4), null, null, missed, interruptions, moves, Math.Round(lost, 4), unserved, workloads, Math.Round(downtime, 4), Math.Round(onDemandHours, 2), withOptimum);
    }

    /// <summary>Compute hours lost to restarts: the overhead paid on every start after the first.</summary>
    public static double LostHours(PlanningProblem problem, PlanOutcome outcome) =>
        outcome.Starts <= 1 ? 0 : Math.Max(0, outcome.OverheadHours - problem.RestartOverheadHours);

    /// <summary>
    /// Adds saving versus on-demand and ratio to the optimum, from the same set's on-demand and optimum rows (the ratio
    /// over the workloads the optimum was computed for).
    /// </summary>
    public static IReadOnlyList<PolicySummary> Compare(IReadOnlyList<PolicySummary> rows)
    {
        var onDemand = rows.FirstOrDefault(r => r.Name == OnDemandPolicy.PolicyName);
        var optimum = rows.FirstOrDefault(r => r.Name == PolicyRegistry.OptimalName);
        return rows.Select(r => r with
        {
            SavingVsOnDemand = onDemand is { TotalCostUsd: > 0 } ? Math.Round(1 - r.TotalCostUsd / onDemand.TotalCostUsd, 4) : null,
            RatioToOptimum = optimum is { TotalCostUsd: > 0 } ? Math.Round(r.CostWithOptimumUsd / optimum.TotalCostUsd, 4) : null,
        }).ToList();
    }

    public static RunReport ForRun(RunResult result, IReadOnlyList<string> policies, string? picture)
    {
        var run = result.Run;
        var rows = Compare(policies.Select(p => Summarize(p, result.Cases)).ToList());
        var unserved = result.Cases.Where(c => c.Case.Unserved is not null).Select(c => new UnservedWorkload(c.Case.Workload.Name, c.Case.Unserved!)).ToList();
        var noOptimum = result.Cases.Where(c => c.OptimumUnavailable is not null).Select(c => new UnservedWorkload(c.Case.Workload.Name, c.OptimumUnavailable!)).ToList();
        var notes = Notes(rows).ToList();
        if (noOptimum.Count > 0)
        {
            notes.Add(FormattableString.Invariant(
                $"optimal: not computed for {noOptimum.Count} workload(s) (listed in optimum_unavailable, e.g. {noOptimum[0].Workload}: {noOptimum[0].Reason}); ratio_to_optimum covers the other workloads only."));
        }

        return new RunReport(run.Name, run.Kind, run.Start, run.End, Math.Round(run.StepHours * 60, 4), run.Markets.Count, run.PriceSource, run.AvailabilitySource,
            rows, unserved, picture, notes, noOptimum);
    }

    /// <summary>Where product does not beat cheapest-spot on cost or on deadlines, the report says so (and the figures why).</summary>
    public static IReadOnlyList<string> Notes(IReadOnlyList<PolicySummary> rows)
    {
        var notes = new List<string>();
        var product = rows.FirstOrDefault(r => r.Name == ProductPolicy.PolicyName);
        var cheapest = rows.FirstOrDefault(r => r.Name == CheapestSpotPolicy.PolicyName);
        if (product is null || cheapest is null || product.Workloads == 0) return notes;
        bool cheaper = product.TotalCostUsd < cheapest.TotalCostUsd - 1e-6, fewerMisses = product.DeadlinesMissed < cheapest.DeadlinesMissed;
        if (cheaper || fewerMisses)
        {
            notes.Add(FormattableString.Invariant(
                $"product beats cheapest-spot here: {product.TotalCostUsd:0.##} USD against {cheapest.TotalCostUsd:0.##}, {product.DeadlinesMissed} deadlines missed against {cheapest.DeadlinesMissed}."));
        }
        else if (Math.Abs(product.TotalCostUsd - cheapest.TotalCostUsd) < 1e-6 && product.DeadlinesMissed == cheapest.DeadlinesMissed)
        {
            notes.Add(FormattableString.Invariant(
                $"product does NOT beat cheapest-spot here, it ties: {product.TotalCostUsd:0.##} USD, {product.DeadlinesMissed} deadlines missed; interruptions {product.Interruptions} against {cheapest.Interruptions}. ")
                + (product.Interruptions == 0 && cheapest.Interruptions == 0
                    ? "Nothing was interrupted: both ran every workload on the cheapest spot market at its launch, so there was nothing for expected-cost ranking to win."
                    : "Both end up on the same on-demand hours: neither moves a running job back to spot, so after the spot markets fail them both finish on on-demand."));
        }
        else
        {
            notes.Add(FormattableString.Invariant(
                $"product does NOT beat cheapest-spot here: {product.TotalCostUsd:0.##} USD against {cheapest.TotalCostUsd:0.##}, {product.DeadlinesMissed} deadlines missed against {cheapest.DeadlinesMissed}; interruptions {product.Interruptions} against {cheapest.Interruptions}, moves {product.Moves} against {cheapest.Moves}. ")
                + (product.DeadlinesMissed == 0 && cheapest.DeadlinesMissed == 0 && product.TotalCostUsd > cheapest.TotalCostUsd
                    ? "Both meet every deadline; product pays for its deadline guard (on-demand when slack runs out, and it stays there: the product never moves a running job back to spot) or for ranking by expected cost rather than price."
                    : "See the picture for where the two placements part."));
        }

        return notes;
    }
}
