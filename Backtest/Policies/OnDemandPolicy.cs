using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>The baseline: the cheapest on-demand option at launch, never moved (on-demand is never interrupted).</summary>
public sealed class OnDemandPolicy : IStepPolicy
{
    public const string PolicyName = "on-demand";

    public string Name => PolicyName;

    public int Decide(in StepView view)
    {
        if (view.Current >= 0) return view.Current;
        return Cheapest(view, spot: false, filter: null);
    }

    /// <summary>The cheapest option that is up now (spot or on-demand, and passing <paramref name="filter"/>), or -1.</summary>
    internal static int Cheapest(in StepView view, bool spot, Func<int, bool>? filter)
    {
        int best = -1;
        double price = double.MaxValue;
        var options = view.Problem.Options;
        for (int i = 0; i < options.Count; i++)
        {
            if (options[i].Spot != spot || !view.IsUp(i) || (filter is not null && !filter(i))) continue;
            double p = view.PriceOf(i);
            if (p < price)
            {
                price = p;
                best = i;
            }
        }

        return best;
    }
}
