using System.Text.Json;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>The two kinds of group the SpotInst-style face serves: elastigroups (<c>sig-…</c>) and managed instances (<c>smi-…</c>, a group of one).</summary>
public enum SpotGroupKind { Elastigroup, ManagedInstance }

/// <summary>
/// Reads a SpotInst-style elastigroup or managed-instance body onto a <see cref="GroupSpec"/> (a POST onto the
/// defaults, a PUT onto the stored spec: what the body leaves out is kept). The fields the product acts on are mapped;
/// every other field given, null ones included, is kept by its path in <see cref="GroupSpec.Unhonoured"/> (its JSON
/// text) and echoed with a warning, never dropped. Every refusal names the field as the body spells it.
/// </summary>
public static class SpotGroupBody
{
    private static readonly string[] StrategyPaths =
    [
        "strategy.risk", "strategy.onDemandCount", "strategy.availabilityVsCost", "strategy.drainingTimeout", "strategy.fallbackToOd",
        "strategy.lifetimePeriod", "strategy.maxShareOfMarket", "strategy.scalingStrategy.terminationPolicy", "strategy.revertToSpot.performAt",
        "strategy.revertToSpot.timeWindows", "healthCheck.autoHealing", "healthCheck.gracePeriod", "healthCheck.unhealthyDuration",
    ];

    private static readonly HashSet<string> ElastigroupPaths = new(StringComparer.Ordinal)
    {
        "id", "name", "region", "capacity.target", "capacity.minimum", "capacity.maximum", "capacity.unit",
        "compute.instanceTypes.ondemand", "compute.instanceTypes.spot", "compute.instanceTypes.weights", "compute.availabilityZones",
        "compute.launchSpecification.imageId", "compute.launchSpecification.tags", "compute.launchSpecification.userData",
    };

    private static readonly HashSet<string> ManagedInstancePaths = new(StringComparer.Ordinal)
    {
        "id", "name", "region",
        "compute.launchSpecification.instanceTypes.preferredType", "compute.launchSpecification.instanceTypes.types",
        "compute.launchSpecification.imageId", "compute.launchSpecification.tags", "compute.launchSpecification.userData",
    };

    static SpotGroupBody()
    {
        ElastigroupPaths.UnionWith(StrategyPaths);
        ManagedInstancePaths.UnionWith(StrategyPaths);
    }

    /// <summary>The spec the body asks for: onto <paramref name="old"/> for a PUT, onto the defaults (null) for a POST.</summary>
    public static GroupSpec Read(JsonElement root, SpotGroupKind kind, string account, GroupSpec? old)
    {
        var mapped = kind == SpotGroupKind.Elastigroup ? ElastigroupPaths : ManagedInstancePaths;
        var unhonoured = new Dictionary<string, string>(old?.Unhonoured ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        Collect(root, "", mapped, unhonoured);

        string name = old is null ? RequiredString(root, "name", 128) : OptionalString(root, "name", 128) ?? old.Name;
        var capacity = kind == SpotGroupKind.ManagedInstance ? new GroupCapacity(1, 1, 1) : ReadCapacity(root, old?.Capacity);
        var strategy = ReadStrategy(root, old?.Strategy ?? new GroupStrategy());
        var compute = ReadCompute(root, kind, old?.Compute);
        return new GroupSpec(name, capacity, strategy, compute, account, unhonoured.Count == 0 ? null : unhonoured, ReadHealthCheck(root, old?.HealthCheck));
    }

    /// <summary>The fields of <paramref name="spec"/> stored but not acted on, by path, in order: the response's warnings.</summary>
    public static IReadOnlyList<string> Warnings(GroupSpec spec) => (spec.Unhonoured?.Keys ?? []).Order(StringComparer.Ordinal).ToList();

    /// <summary>A validation error of the group (named by the group's own fields) renamed to the field of the body (<paramref name="root"/>).</summary>
    public static ApiErrorException Renamed(PlacementValidationException e, SpotGroupKind kind, GroupSpec spec, JsonElement root)
    {
        string types = kind == SpotGroupKind.Elastigroup ? "compute.instanceTypes.spot" : "compute.launchSpecification.instanceTypes.types";
        string onDemand = kind == SpotGroupKind.Elastigroup ? "compute.instanceTypes.ondemand" : "compute.launchSpecification.instanceTypes.preferredType";
        string Rename(string text) => text.Replace("compute.spotTypes", types, StringComparison.Ordinal).Replace("compute.onDemandType", onDemand, StringComparison.Ordinal)
            .Replace("compute.regions", "region", StringComparison.Ordinal).Replace("compute.zones", "compute.availabilityZones", StringComparison.Ordinal)
            .Replace("compute.weights", kind == SpotGroupKind.Elastigroup ? "compute.instanceTypes.weights" : "compute.weights", StringComparison.Ordinal);
        // compute.zones[i] is the body's compute.availabilityZones[i].name.
        string RenameZone(string text) => System.Text.RegularExpressions.Regex.Replace(text, @"compute\.zones\[(\d+)\]", "compute.availabilityZones[$1].name");
        string field = Rename(RenameZone(e.Field));
        string message = Rename(RenameZone(e.Message));
        // A managed instance's spot types are its preferred type then its types: name the one the body gave.
        if (kind == SpotGroupKind.ManagedInstance && e.Field.StartsWith("compute.spotTypes[", StringComparison.Ordinal)
            && int.TryParse(e.Field.AsSpan(18, e.Field.Length - 19), out int index) && spec.Compute.SpotTypes is { } spot && index < spot.Count)
        {
            int at = ManagedInstanceTypes(root).FindIndex(t => t.Equals(spot[index], StringComparison.OrdinalIgnoreCase));
            string given = at >= 0 ? $"{types}[{at}]" : onDemand;
            message = message.Replace(field, given, StringComparison.Ordinal);
            field = given;
        }

        // A weight is named by its place in the body's weights when the body gives it.
        if (kind == SpotGroupKind.Elastigroup && e.Field.StartsWith("compute.weights[", StringComparison.Ordinal))
        {
            string type = e.Field[16..^1];
            int at = BodyWeightTypes(root).FindIndex(t => t.Equals(type, StringComparison.OrdinalIgnoreCase));
            string given = at >= 0 ? $"compute.instanceTypes.weights[{at}].instanceType" : "compute.instanceTypes.weights";
            message = message.Replace(field, given, StringComparison.Ordinal);
            field = given;
        }

        return ApiErrorException.Validation(field, message);
    }

    /// <summary>The instance types of the weights an elastigroup body gives, in order (empty when it gives none).</summary>
    private static List<string> BodyWeightTypes(JsonElement root) =>
        root.TryGetProperty("compute", out var compute) && compute.ValueKind == JsonValueKind.Object
        && compute.TryGetProperty("instanceTypes", out var instanceTypes) && instanceTypes.ValueKind == JsonValueKind.Object
        && instanceTypes.TryGetProperty("weights", out var weights) && weights.ValueKind == JsonValueKind.Array
            ? weights.EnumerateArray().Select(w => w.ValueKind == JsonValueKind.Object && w.TryGetProperty("instanceType", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()!.Trim() : "").ToList()
            : [];

    /// <summary>The <c>types</c> a managed-instance body lists (empty when it lists none).</summary>
    private static List<string> ManagedInstanceTypes(JsonElement root) =>
        root.TryGetProperty("compute", out var compute) && compute.ValueKind == JsonValueKind.Object
        && compute.TryGetProperty("launchSpecification", out var launch) && launch.ValueKind == JsonValueKind.Object
        && launch.TryGetProperty("instanceTypes", out var instanceTypes) && instanceTypes.ValueKind == JsonValueKind.Object
        && instanceTypes.TryGetProperty("types", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!.Trim()).ToList()
            : [];

    private static GroupCapacity ReadCapacity(JsonElement root, GroupCapacity? old)
    {
        var c = Member(root, "capacity", JsonValueKind.Object, "capacity");
        if (c is null)
        {
            return old ?? throw ApiErrorException.Validation("capacity", "capacity is required (target, minimum and maximum).");
        }

        var value = c.Value;
        int target = Int(value, "target", "capacity.target") ?? old?.Target ?? throw ApiErrorException.Validation("capacity.target", "capacity.target is required.");
        int minimum = Int(value, "minimum", "capacity.minimum") ?? old?.Minimum ?? 0;
        int maximum = Int(value, "maximum", "capacity.maximum") ?? old?.Maximum ?? target;
        var unit = OptionalString(value, "unit", 32, "capacity.unit") switch
        {
            null => old?.Unit ?? GroupCapacityUnit.Instance,
            var u when u.Equals("instance", StringComparison.OrdinalIgnoreCase) => GroupCapacityUnit.Instance,
            var u when u.Equals("weight", StringComparison.OrdinalIgnoreCase) => GroupCapacityUnit.Weight,
            var u => throw ApiErrorException.Validation("capacity.unit", $"capacity.unit must be instance or weight; got '{u}'."),
        };
        return new GroupCapacity(target, minimum, maximum, unit);
    }

    private static GroupStrategy ReadStrategy(JsonElement root, GroupStrategy s)
    {
        if (Member(root, "strategy", JsonValueKind.Object, "strategy") is not { } strategy) return s;
        if (Int(strategy, "risk", "strategy.risk") is { } risk) s = s with { Risk = risk };
        if (strategy.TryGetProperty("onDemandCount", out var odc)) s = s with { OnDemandCount = odc.ValueKind == JsonValueKind.Null ? null : Int(strategy, "onDemandCount", "strategy.onDemandCount") };
        if (OptionalString(strategy, "availabilityVsCost", 64, "strategy.availabilityVsCost") is { } avc)
        {
            s = s with { AvailabilityVsCost = ParseEnum<AvailabilityVsCost>(avc, "strategy.availabilityVsCost", "balanced, costOriented, availabilityOriented or equalAzDistribution") };
        }

        if (Int(strategy, "drainingTimeout", "strategy.drainingTimeout") is { } draining)
        {
            if (draining < 0) throw ApiErrorException.Validation("strategy.drainingTimeout", $"strategy.drainingTimeout is in seconds and must not be negative; got {draining}.");
            s = s with { DrainingTimeout = TimeSpan.FromSeconds(draining) };
        }

        if (Bool(strategy, "fallbackToOd", "strategy.fallbackToOd") is { } fallback) s = s with { FallbackToOd = fallback };
        if (strategy.TryGetProperty("maxShareOfMarket", out var share) && share.ValueKind == JsonValueKind.Number) s = s with { MaxShareOfMarket = share.GetDouble() };
        if (strategy.TryGetProperty("lifetimePeriod", out var lifetime) && lifetime.ValueKind != JsonValueKind.Null)
        {
            s = s with { MinimumLifetime = lifetime.ValueKind switch
            {
                JsonValueKind.Number when lifetime.TryGetInt32(out int seconds) && seconds >= 0 => TimeSpan.FromSeconds(seconds),
                JsonValueKind.String when lifetime.GetString() is "days" or "day" => TimeSpan.FromDays(1),
                JsonValueKind.String when lifetime.GetString() is "hours" or "hour" => TimeSpan.FromHours(1),
                JsonValueKind.String when lifetime.GetString() is "minutes" or "minute" => TimeSpan.FromMinutes(1),
                _ => throw ApiErrorException.Validation("strategy.lifetimePeriod", "strategy.lifetimePeriod must be days, hours, minutes or a number of seconds."),
            } };
        }

        if (Member(strategy, "scalingStrategy", JsonValueKind.Object, "strategy.scalingStrategy") is { } scaling
            && OptionalString(scaling, "terminationPolicy", 64, "strategy.scalingStrategy.terminationPolicy") is { } policy)
        {
            s = s with { TerminationPolicy = ParseEnum<GroupTerminationPolicy>(policy, "strategy.scalingStrategy.terminationPolicy", "default, newestInstance or oldestInstance") };
        }

        if (Member(strategy, "revertToSpot", JsonValueKind.Object, "strategy.revertToSpot") is { } revert)
        {
            if (OptionalString(revert, "performAt", 64, "strategy.revertToSpot.performAt") is { } at)
            {
                s = s with { RevertToSpot = ParseEnum<RevertToSpot>(at, "strategy.revertToSpot.performAt", "always, timeWindow or never") };
            }

            if (Member(revert, "timeWindows", JsonValueKind.Array, "strategy.revertToSpot.timeWindows") is { } windows)
            {
                s = s with { RevertWindows = Strings(windows, "strategy.revertToSpot.timeWindows") };
            }
        }

        return s;
    }

    /// <summary>
    /// <c>healthCheck {autoHealing, gracePeriod (s), unhealthyDuration (s)}</c> onto the stored rule (or SpotInst's
    /// defaults: on, 120 s, 120 s); none given: the group does not heal (the workloads' own health rule still applies).
    /// <c>healthCheck.type</c> is not mapped: the product's own health check is what members are judged by.
    /// </summary>
    private static GroupHealthCheck? ReadHealthCheck(JsonElement root, GroupHealthCheck? old)
    {
        if (Member(root, "healthCheck", JsonValueKind.Object, "healthCheck") is not { } health) return old;
        var rule = old ?? GroupHealthCheck.Default;
        if (Bool(health, "autoHealing", "healthCheck.autoHealing") is { } on) rule = rule with { AutoHealing = on };
        if (Int(health, "gracePeriod", "healthCheck.gracePeriod") is { } grace) rule = rule with { GracePeriod = TimeSpan.FromSeconds(grace) };
        if (Int(health, "unhealthyDuration", "healthCheck.unhealthyDuration") is { } unhealthy) rule = rule with { UnhealthyDuration = TimeSpan.FromSeconds(unhealthy) };
        return rule;
    }

    private static GroupCompute ReadCompute(JsonElement root, SpotGroupKind kind, GroupCompute? old)
    {
        var c = old ?? new GroupCompute(new WorkloadConfig(""));
        if (OptionalString(root, "region", 64) is { } region) c = c with { Regions = [region] };
        if (Member(root, "compute", JsonValueKind.Object, "compute") is not { } compute) return c;
        var launch = Member(compute, "launchSpecification", JsonValueKind.Object, "compute.launchSpecification");
        if (kind == SpotGroupKind.Elastigroup)
        {
            if (Member(compute, "instanceTypes", JsonValueKind.Object, "compute.instanceTypes") is { } types)
            {
                if (OptionalString(types, "ondemand", 64, "compute.instanceTypes.ondemand") is { } od) c = c with { OnDemandType = od };
                if (Member(types, "spot", JsonValueKind.Array, "compute.instanceTypes.spot") is { } spot) c = c with { SpotTypes = Strings(spot, "compute.instanceTypes.spot") };
                if (types.TryGetProperty("weights", out var weights)) c = c with { Weights = ReadWeights(weights) };
            }

            if (Member(compute, "availabilityZones", JsonValueKind.Array, "compute.availabilityZones") is { } zones)
            {
                var names = new List<string>();
                int i = 0;
                foreach (var zone in zones.EnumerateArray())
                {
                    string field = $"compute.availabilityZones[{i++}].name";
                    names.Add(zone.ValueKind == JsonValueKind.Object ? RequiredString(zone, "name", 64, field) : throw ApiErrorException.Validation(field, $"{field} is required."));
                }

                c = c with { Zones = names };
            }
        }
        else if (launch is { } spec && Member(spec, "instanceTypes", JsonValueKind.Object, "compute.launchSpecification.instanceTypes") is { } types)
        {
            const string prefix = "compute.launchSpecification.instanceTypes";
            var list = Member(types, "types", JsonValueKind.Array, $"{prefix}.types") is { } t ? Strings(t, $"{prefix}.types") : null;
            string? preferred = OptionalString(types, "preferredType", 64, $"{prefix}.preferredType");
            if (list is not null || preferred is not null)
            {
                var all = (preferred is null ? [] : new List<string> { preferred }).Concat(list ?? []).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
                c = c with { OnDemandType = preferred ?? all[0], SpotTypes = all };
            }
        }

        if (launch is { } l)
        {
            var config = c.LaunchSpecification;
            if (OptionalString(l, "imageId", 256, "compute.launchSpecification.imageId") is { } image) config = config with { ImageId = image };
            if (l.TryGetProperty("userData", out var userData)) config = config with { StartupScript = userData.ValueKind == JsonValueKind.Null ? null : OptionalString(l, "userData", 64 * 1024, "compute.launchSpecification.userData") };
            c = c with { LaunchSpecification = config };
            if (Member(l, "tags", JsonValueKind.Array, "compute.launchSpecification.tags") is { } tags)
            {
                var map = new Dictionary<string, string>(StringComparer.Ordinal);
                int i = 0;
                foreach (var tag in tags.EnumerateArray())
                {
                    string field = $"compute.launchSpecification.tags[{i++}]";
                    if (tag.ValueKind != JsonValueKind.Object) throw ApiErrorException.Validation(field, $"{field} must be an object with tagKey and tagValue.");
                    map[RequiredString(tag, "tagKey", 256, field + ".tagKey")] = OptionalString(tag, "tagValue", 1024, field + ".tagValue") ?? "";
                }

                c = c with { Tags = map };
            }
        }

        return c;
    }

    /// <summary>
    /// Spot.io's <c>compute.instanceTypes.weights</c>: <c>[{"instanceType": "c5.large", "weightedCapacity": 2}]</c>, the
    /// capacity units each type counts for when <c>capacity.unit</c> is weight (null clears them).
    /// </summary>
    private static Dictionary<string, int>? ReadWeights(JsonElement weights)
    {
        const string field = "compute.instanceTypes.weights";
        if (weights.ValueKind == JsonValueKind.Null) return null;
        if (weights.ValueKind != JsonValueKind.Array) throw ApiErrorException.Validation(field, $"{field} must be an array of instanceType and weightedCapacity.");
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        foreach (var item in weights.EnumerateArray())
        {
            string at = $"{field}[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) throw ApiErrorException.Validation(at, $"{at} must be an object with instanceType and weightedCapacity.");
            string type = RequiredString(item, "instanceType", 64, at + ".instanceType").Trim();
            int weight = Int(item, "weightedCapacity", at + ".weightedCapacity") ?? throw ApiErrorException.Validation(at + ".weightedCapacity", $"{at}.weightedCapacity is required.");
            if (weight <= 0) throw ApiErrorException.Validation(at + ".weightedCapacity", $"{at}.weightedCapacity must be a whole number above 0; got {weight}.");
            if (!map.TryAdd(type, weight)) throw ApiErrorException.Validation(at + ".instanceType", $"{at}.instanceType: '{type}' is given a weight twice.");
        }

        return map.Count <= 100 ? map : throw ApiErrorException.Validation(field, $"{field} has more than 100 items.");
    }

    /// <summary>Every field given that is not mapped (and not an object holding mapped fields) is kept by its path; null and empty ones too.</summary>
    private static void Collect(JsonElement element, string prefix, HashSet<string> mapped, Dictionary<string, string> unhonoured)
    {
        foreach (var property in element.EnumerateObject())
        {
            string path = prefix + property.Name;
            if (mapped.Contains(path))
            {
                // Zones are mapped by name; what else each zone carries (a subnet) is kept.
                if (path == "compute.availabilityZones" && property.Value.ValueKind == JsonValueKind.Array)
                {
                    int i = 0;
                    foreach (var zone in property.Value.EnumerateArray())
                    {
                        if (zone.ValueKind == JsonValueKind.Object)
                        {
                            foreach (var extra in zone.EnumerateObject().Where(p => p.Name != "name")) unhonoured[$"{path}[{i}].{extra.Name}"] = extra.Value.GetRawText();
                        }

                        i++;
                    }
                }

                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object && mapped.Any(m => m.StartsWith(path + ".", StringComparison.Ordinal)))
            {
                Collect(property.Value, path + ".", mapped, unhonoured);
                continue;
            }

            unhonoured[path] = property.Value.GetRawText();
        }
    }

    private static JsonElement? Member(JsonElement obj, string name, JsonValueKind kind, string field)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != kind) throw ApiErrorException.Validation(field, $"{field} must be {(kind == JsonValueKind.Object ? "an object" : "an array")}.");
        return value;
    }

    private static int? Int(JsonElement obj, string name, string field)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n : throw ApiErrorException.Validation(field, $"{field} must be a whole number.");
    }

    private static bool? Bool(JsonElement obj, string name, string field)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiErrorException.Validation(field, $"{field} must be true or false."),
        };
    }

    private static string? OptionalString(JsonElement obj, string name, int maxLength, string? field = null)
    {
        field ??= name;
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.String) throw ApiErrorException.Validation(field, $"{field} must be a string.");
        string text = value.GetString()!;
        return text.Length <= maxLength ? text : throw ApiErrorException.Validation(field, $"{field} is longer than {maxLength} characters.");
    }

    private static string RequiredString(JsonElement obj, string name, int maxLength, string? field = null) =>
        OptionalString(obj, name, maxLength, field) is { Length: > 0 } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw ApiErrorException.Validation(field ?? name, $"{field ?? name} is required and must not be empty.");

    private static List<string> Strings(JsonElement array, string field)
    {
        var items = new List<string>();
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw ApiErrorException.Validation($"{field}[{i}]", $"{field}[{i}] must be a non-empty string.");
            }

            items.Add(item.GetString()!.Trim());
            i++;
        }

        return items.Count <= 100 ? items : throw ApiErrorException.Validation(field, $"{field} has more than 100 items.");
    }

    private static T ParseEnum<T>(string text, string field, string allowed) where T : struct, Enum =>
        Enum.TryParse<T>(text, ignoreCase: true, out var value) && !int.TryParse(text, out _)
            ? value
            : throw ApiErrorException.Validation(field, $"{field} must be {allowed}; got '{text}'.");
}
