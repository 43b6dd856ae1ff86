using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Groups;

/// <summary>
/// Every answer of the SpotInst-style face (<c>/v1/spot/{account}/elastigroups</c> and <c>/instances</c>, camelCase):
/// <c>{"request": {...}, "response": {"status", "kind", "items", "count", "warnings"}}</c>.
/// </summary>
public sealed record SpotEnvelope(SpotRequestInfo Request, SpotResponse Response);

public sealed record SpotRequestInfo(string Id, string? Url, string Method, DateTimeOffset Timestamp);

/// <param name="Warnings">The fields of the items stored and echoed but not acted on (by path).</param>
public sealed record SpotResponse(SpotStatus Status, string Kind, IReadOnlyList<SpotGroup> Items, int Count, IReadOnlyList<string> Warnings);

public sealed record SpotStatus(int Code, string Message);

/// <summary><c>GET /v1/spot/ping</c>: <c>{"response": {"status": {"code": 200, "message": "OK"}, "items": ["pong"]}}</c>.</summary>
public sealed record SpotPing(SpotPingResponse Response);

public sealed record SpotPingResponse(SpotStatus Status, IReadOnlyList<string> Items);

/// <summary><c>GET /v1/spot/version</c>: the product's version as the one item.</summary>
public sealed record SpotVersion(SpotVersionResponse Response);

public sealed record SpotVersionResponse(SpotStatus Status, IReadOnlyList<SpotVersionItem> Items);

public sealed record SpotVersionItem(string Version);

/// <summary>An elastigroup (<c>sig-…</c>) or managed instance (<c>smi-…</c>, a group of one) as answered.</summary>
/// <param name="Unhonoured">Fields given but not acted on, by path, with their JSON.</param>
public sealed record SpotGroup(
    string Id, string Name, string Status, string? Account, string? Region, SpotCapacity Capacity, SpotStrategy Strategy, SpotCompute Compute,
    IReadOnlyList<SpotMember> Members, IReadOnlyDictionary<string, JsonElement> Unhonoured, IReadOnlyList<string> Warnings, string Kind,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, SpotHealthCheck? HealthCheck = null);

/// <summary>The group's auto-healing rule; durations in seconds.</summary>
public sealed record SpotHealthCheck(bool? AutoHealing = null, long? GracePeriod = null, long? UnhealthyDuration = null);

/// <param name="Unit">instance or weight.</param>
public sealed record SpotCapacity(int? Target = null, int? Minimum = null, int? Maximum = null, string? Unit = null);

public sealed record SpotStrategy(
    int Risk, int? OnDemandCount, string AvailabilityVsCost, int DrainingTimeout, bool FallbackToOd, long MinimumLifetimeSeconds, double MaxShareOfMarket,
    SpotScalingStrategy ScalingStrategy, SpotRevertToSpot RevertToSpot);

public sealed record SpotScalingStrategy(string? TerminationPolicy = null);

public sealed record SpotRevertToSpot(string? PerformAt = null, IReadOnlyList<string>? TimeWindows = null);

public sealed record SpotCompute(SpotInstanceTypes InstanceTypes, IReadOnlyList<SpotZone> AvailabilityZones, SpotLaunchSpecification LaunchSpecification);

/// <param name="Weights">The capacity units each type counts for when <c>capacity.unit</c> is weight.</param>
public sealed record SpotInstanceTypes(string? Ondemand = null, IReadOnlyList<string>? Spot = null, IReadOnlyList<SpotWeight>? Weights = null);

public sealed record SpotWeight(string InstanceType, int WeightedCapacity);

public sealed record SpotZone(string Name);

public sealed record SpotLaunchSpecification(string ImageId, string? UserData, IReadOnlyList<SpotTag> Tags);

public sealed record SpotTag(string TagKey, string TagValue);

/// <param name="Id">The member's workload id.</param>
/// <param name="Market">spot or on-demand.</param>
/// <param name="State">The workload's status (PENDING before it exists).</param>
public sealed record SpotMember(
    string Id, string Market, string? Type, string? Zone, string? Region, string? Provider, decimal? Price, string State, string? StatusReason, bool Fallback, bool Draining,
    int Weight);

/// <summary>
/// The body of a create (POST) or update (PUT) of an elastigroup; on a PUT what is left out (null) is kept. Fields the
/// product does not act on may be given in <see cref="AdditionalFields"/>: they are stored, echoed and warned about.
/// </summary>
public sealed record ElastigroupRequest
{
    public string? Name { get; init; }
    public string? Region { get; init; }
    public SpotCapacity? Capacity { get; init; }
    public SpotStrategyRequest? Strategy { get; init; }
    public ElastigroupComputeRequest? Compute { get; init; }
    public SpotHealthCheck? HealthCheck { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? AdditionalFields { get; set; }
}

/// <summary>The strategy a body may give; every field optional.</summary>
/// <param name="LifetimePeriod">The SpotInst lifetime period (e.g. days).</param>
public sealed record SpotStrategyRequest(
    int? Risk = null, int? OnDemandCount = null, string? AvailabilityVsCost = null, int? DrainingTimeout = null, bool? FallbackToOd = null,
    string? LifetimePeriod = null, double? MaxShareOfMarket = null, SpotScalingStrategy? ScalingStrategy = null, SpotRevertToSpot? RevertToSpot = null);

public sealed record ElastigroupComputeRequest(
    SpotInstanceTypes? InstanceTypes = null, IReadOnlyList<SpotZone>? AvailabilityZones = null, LaunchSpecificationRequest? LaunchSpecification = null);

public sealed record LaunchSpecificationRequest(string? ImageId = null, string? UserData = null, IReadOnlyList<SpotTag>? Tags = null);

/// <summary>The body of a create (POST) or update (PUT) of a managed instance (a group of one).</summary>
public sealed record ManagedInstanceRequest
{
    public string? Name { get; init; }
    public string? Region { get; init; }
    public SpotStrategyRequest? Strategy { get; init; }
    public ManagedInstanceComputeRequest? Compute { get; init; }
    public SpotHealthCheck? HealthCheck { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? AdditionalFields { get; set; }
}

public sealed record ManagedInstanceComputeRequest(ManagedLaunchSpecificationRequest? LaunchSpecification = null);

public sealed record ManagedLaunchSpecificationRequest(
    ManagedInstanceTypes? InstanceTypes = null, string? ImageId = null, string? UserData = null, IReadOnlyList<SpotTag>? Tags = null);

public sealed record ManagedInstanceTypes(string? PreferredType = null, IReadOnlyList<string>? Types = null);
