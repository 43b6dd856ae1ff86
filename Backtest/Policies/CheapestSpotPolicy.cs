using Arbitrage.Orleans.Backtest.Planning;

namespace Arbitrage.Orleans.Backtest.Policies;

/// <summary>
/// SkyPilot's default failover: the cheapest spot option that is up at launch; it stays there until preempted; on a
/// preemption, the cheapest up spot option in the next zone (zones in name order, wrapping round, the preempted one
/// last); on-demand (the cheapest) only when no spot option is up anywhere, and then it stays on on-demand.
/// </summary>
public sealed class CheapestSpotPolicy : IStepPolicy
{
    public const string PolicyName = "cheapest-spot";

    private int _last = -1;
    private string[]? _zones;

    public string Name => PolicyName;

    public int Decide(in StepView view)
    {
        if (view.Current >= 0) return _last = view.Current;
        var options = view.Problem.Options;
        _zones ??= options.Where(o => o.Spot).Select(Location).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        int pick = -1;
        if (_last < 0 || !options[_last].Spot) pick = OnDemandPolicy.Cheapest(view, spot: true, filter: null);
        else
        {
            int from = Array.IndexOf(_zones, Location(options[_last]));
            for (int k = 1; k <= _zones.Length && pick < 0; k++)
            {
                var zone = _zones[(from + k) % _zones.Length];
                pick = OnDemandPolicy.Cheapest(view, spot: true, filter: i => Location(options[i]) == zone);
            }
        }

        if (pick < 0) pick = OnDemandPolicy.Cheapest(view, spot: false, filter: null);
        if (pick >= 0) _last = pick;
        return pick;
    }

    private static string Location(MarketOption o) => o.Zone ?? o.Region;
}
