using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Tests.Backtest.Planning;

/// <summary>Always the on-demand option running, else the cheapest up on-demand option.</summary>
internal sealed class OnDemandAlwaysPolicy : IStepPolicy
{
    public string Name => "on-demand";

    public int Decide(in StepView view)
    {
        if (view.Current >= 0 && !view.Problem.Options[view.Current].Spot) return view.Current;
        return Cheapest(view, o => !o.Spot);
    }

    internal static int Cheapest(in StepView view, Func<MarketOption, bool> kind)
    {
        int best = -1;
        for (int i = 0; i < view.Problem.Options.Count; i++)
        {
            if (!kind(view.Problem.Options[i]) || !view.IsUp(i)) continue;
            if (best < 0 || view.PriceOf(i) < view.PriceOf(best)) best = i;
        }

        return best;
    }
}

/// <summary>The greedy policy: the spot running while it is up, else the cheapest up spot, else on-demand.</summary>
internal sealed class GreedySpotPolicy : IStepPolicy
{
    public string Name => "greedy-spot";

    public int Decide(in StepView view)
    {
        if (view.Current >= 0 && view.Problem.Options[view.Current].Spot) return view.Current;
        int spot = OnDemandAlwaysPolicy.Cheapest(view, o => o.Spot);
        if (spot >= 0) return spot;
        return view.Current >= 0 ? view.Current : OnDemandAlwaysPolicy.Cheapest(view, o => !o.Spot);
    }
}
