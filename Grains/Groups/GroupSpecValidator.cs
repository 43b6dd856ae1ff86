using System.Globalization;
using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>Checks a group spec before anything is stored; each refusal names the field (<see cref="PlacementValidationException.Field"/>).</summary>
internal static class GroupSpecValidator
{
    public static void Validate(GroupSpec spec, IPlacementService placement, GroupOptions options)
    {
        if (string.IsNullOrWhiteSpace(spec.Name) || spec.Name.Length > 128) Fail("name", "name is required (at most 128 characters).");
        var c = spec.Capacity ?? throw Invalid("capacity", "capacity is required.");
        if (c.Minimum < 0) Fail("capacity.minimum", $"capacity.minimum must not be negative; got {c.Minimum}.");
        if (c.Minimum > c.Target) Fail("capacity.minimum", $"capacity.minimum ({c.Minimum}) must not be above capacity.target ({c.Target}).");
        if (c.Target > c.Maximum) Fail("capacity.target", $"capacity.target ({c.Target}) must not be above capacity.maximum ({c.Maximum}).");
        if (c.Maximum > options.MaxGroupSize) Fail("capacity.maximum", $"capacity.maximum must be at most {options.MaxGroupSize}; got {c.Maximum}.");

        var s = spec.Strategy ?? throw Invalid("strategy", "strategy is required.");
        if (s.Risk is < 0 or > 100) Fail("strategy.risk", $"strategy.risk is the spot percentage and must be between 0 and 100; got {s.Risk}.");
        if (s.OnDemandCount is < 0) Fail("strategy.onDemandCount", $"strategy.onDemandCount must not be negative; got {s.OnDemandCount}.");
        if (!(s.MaxShareOfMarket > 0 && s.MaxShareOfMarket <= 1)) Fail("strategy.maxShareOfMarket", $"strategy.maxShareOfMarket must be above 0 and at most 1; got {s.MaxShareOfMarket}.");
        if (s.DrainingTimeout < TimeSpan.Zero) Fail("strategy.drainingTimeout", $"strategy.drainingTimeout must not be negative; got {s.DrainingTimeout}.");
        if (s.MinimumLifetime < TimeSpan.Zero) Fail("strategy.minimumLifetime", $"strategy.minimumLifetime must not be negative; got {s.MinimumLifetime}.");
        if (s.RevertToSpot == RevertToSpot.TimeWindow)
        {
            if (s.RevertWindows is not { Count: > 0 }) Fail("strategy.revertToSpot.timeWindows", "revertToSpot timeWindow needs at least one window (e.g. Mon:02:00-Mon:06:00).");
            foreach (var window in s.RevertWindows!)
            {
                if (RevertWindow.Parse(window) is null) Fail("strategy.revertToSpot.timeWindows", $"'{window}' is not a weekly UTC window like Mon:02:00-Mon:06:00.");
            }
        }

        if (spec.HealthCheck is { } health)
        {
            if (health.GracePeriod < TimeSpan.Zero) Fail("healthCheck.gracePeriod", $"healthCheck.gracePeriod must not be negative; got {health.GracePeriod.TotalSeconds} s.");
            if (health.UnhealthyDuration < TimeSpan.Zero) Fail("healthCheck.unhealthyDuration", $"healthCheck.unhealthyDuration must not be negative; got {health.UnhealthyDuration.TotalSeconds} s.");
        }

        var compute = spec.Compute ?? throw Invalid("compute", "compute is required.");
        if (string.IsNullOrWhiteSpace(compute.LaunchSpecification?.ImageId)) Fail("compute.launchSpecification.imageId", "compute.launchSpecification.imageId is required.");
        var (spot, onDemand) = GroupPlan.Split(spec);
        bool needSpot = spot > 0 || (s.OnDemandCount is { } fixedOd ? c.Maximum > fixedOd : s.Risk > 0);
        if (needSpot && compute.SpotTypes is not { Count: > 0 } && compute.Requirements is null)
        {
            Fail("compute.spotTypes", "spot members need compute.spotTypes or compute.requirements.");
        }

        if ((onDemand > 0 || s.FallbackToOd) && compute.OnDemandType is null && compute.Requirements is null)
        {
            Fail("compute.onDemandType", "on-demand members (and the fallback to on-demand) need compute.onDemandType or compute.requirements.");
        }

        Weights(spec, needSpot, onDemand > 0 || s.FallbackToOd);
        for (int i = 0; i < (compute.SpotTypes?.Count ?? 0); i++) KnownType(placement, compute.SpotTypes![i], $"compute.spotTypes[{i}]");
        if (compute.OnDemandType is { } odType) KnownType(placement, odType, "compute.onDemandType");
        try
        {
            var r = compute.Requirements;
            placement.Validate(new PlacementRequirements(r?.MinCpu ?? 1, r?.MinMemoryGb ?? GroupPlan.AnyMemory, r?.GpuCount ?? 0, r?.GpuType,
                compute.Regions is { Count: > 0 } ? compute.Regions : null, Providers: compute.Providers is { Count: > 0 } ? compute.Providers : null,
                Zones: compute.Zones is { Count: > 0 } ? compute.Zones : null));
        }
        catch (PlacementValidationException e)
        {
            string field = e.Field switch { "preferredRegions" => "compute.regions", "providers" => "compute.providers", var f when f.StartsWith("zones", StringComparison.Ordinal) => $"compute.{f}", var f => $"compute.requirements.{f}" };
            throw new PlacementValidationException(field, field.StartsWith("compute.zones", StringComparison.Ordinal) ? $"{field}: {e.Message}" : e.Message);
        }
    }

    /// <summary>
    /// A weight group counts each member by its instance type's weight, so every member must be restricted to weighed
    /// types: spot members to compute.spotTypes, on-demand ones to compute.onDemandType, each with a whole weight above 0,
    /// and no weight for a type the group does not use.
    /// </summary>
    private static void Weights(GroupSpec spec, bool needSpot, bool needOnDemand)
    {
        var compute = spec.Compute;
        var types = (compute.SpotTypes ?? []).Append(compute.OnDemandType).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, weight) in compute.Weights ?? new Dictionary<string, int>())
        {
            if (!types.Contains(type)) Fail($"compute.weights[{type}]", $"compute.weights[{type}]: '{type}' is not one of the group's instance types (compute.spotTypes, compute.onDemandType).");
            if (weight <= 0) Fail($"compute.weights[{type}]", $"compute.weights[{type}] must be a whole number above 0; got {weight}.");
        }

        if (spec.Capacity.Unit != GroupCapacityUnit.Weight) return;
        if ((needSpot && compute.SpotTypes is not { Count: > 0 }) || (needOnDemand && compute.OnDemandType is null))
        {
            Fail("capacity.unit", "capacity.unit weight counts each member by its instance type's weight: it needs compute.spotTypes (for spot members) and "
                + "compute.onDemandType (for on-demand members and the fallback), not compute.requirements alone.");
        }

        foreach (var type in types)
        {
            if (compute.Weights?.Keys.Any(k => k.Equals(type, StringComparison.OrdinalIgnoreCase)) != true)
            {
                Fail("compute.weights", $"compute.weights: capacity.unit weight needs a weight for every instance type; '{type}' has none.");
            }
        }
    }

    private static void KnownType(IPlacementService placement, string type, string field)
    {
        try
        {
            placement.CurrentPrices(new CurrentPriceQuery(null, null, null, type, 1, null));
        }
        catch (PlacementValidationException)
        {
            throw new PlacementValidationException(field, $"{field}: unknown instance type '{type}' (no provider offers it).");
        }
    }

    private static PlacementValidationException Invalid(string field, string message) => new(field, message);

    private static void Fail(string field, string message) => throw Invalid(field, message);
}

/// <summary>A weekly UTC window, as <c>Mon:02:00-Mon:06:00</c> (it may wrap over the week's end).</summary>
internal sealed record RevertWindow(TimeSpan From, TimeSpan To)
{
    private static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    public static RevertWindow? Parse(string text)
    {
        var parts = text.Split('-');
        return parts.Length == 2 && Point(parts[0]) is { } from && Point(parts[1]) is { } to ? new RevertWindow(from, to) : null;
    }

    public bool Contains(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        var point = TimeSpan.FromDays((int)utc.DayOfWeek) + utc.TimeOfDay;
        return From <= To ? point >= From && point < To : point >= From || point < To;
    }

    private static TimeSpan? Point(string text)
    {
        var bits = text.Trim().Split(':');
        if (bits.Length != 3) return null;
        int day = Array.FindIndex(Days, d => d.Equals(bits[0], StringComparison.OrdinalIgnoreCase));
        if (day < 0 || !int.TryParse(bits[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h) || h > 23
            || !int.TryParse(bits[2], NumberStyles.None, CultureInfo.InvariantCulture, out int m) || m > 59) return null;
        return TimeSpan.FromDays(day) + new TimeSpan(h, m, 0);
    }
}
