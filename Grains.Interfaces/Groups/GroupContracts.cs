using Arbitrage.Orleans.Grains.Workloads;
using Orleans;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>
/// How capacity is counted: in instances, or in weight units (each member weighs its instance type's
/// <see cref="GroupCompute.Weights"/>; every type of a weight group must have one).
/// </summary>
[GenerateSerializer, Alias("arb.GroupCapacityUnit")]
public enum GroupCapacityUnit { Instance, Weight }

/// <summary>How the group weighs price against availability when it picks a new spot member's instance type.</summary>
[GenerateSerializer, Alias("arb.AvailabilityVsCost")]
public enum AvailabilityVsCost { Balanced, CostOriented, AvailabilityOriented, EqualAzDistribution }

/// <summary>When on-demand members launched as a fallback are replaced by spot again.</summary>
[GenerateSerializer, Alias("arb.RevertToSpot")]
public enum RevertToSpot { Always, Never, TimeWindow }

/// <summary>Which members go first when the target is lowered.</summary>
[GenerateSerializer, Alias("arb.GroupTerminationPolicy")]
public enum GroupTerminationPolicy { Default, NewestInstance, OldestInstance }

/// <summary>The size the group keeps: <see cref="Target"/>, never above <see cref="Maximum"/>, never below <see cref="Minimum"/> by its own doing.</summary>
[GenerateSerializer, Alias("arb.GroupCapacity")]
public sealed record GroupCapacity(
    [property: Id(0)] int Target,
    [property: Id(1)] int Minimum,
    [property: Id(2)] int Maximum,
    [property: Id(3)] GroupCapacityUnit Unit = GroupCapacityUnit.Instance);

/// <summary>
/// How the group spends: <see cref="Risk"/> is the spot percentage of the target (the rest on-demand) unless
/// <see cref="OnDemandCount"/> fixes the on-demand members; <see cref="MaxShareOfMarket"/> bounds the share of the
/// target one spot market (provider, region, zone, instance type) may hold, so that its interruption never takes more.
/// </summary>
/// <param name="RevertWindows">For <see cref="RevertToSpot.TimeWindow"/>: weekly UTC windows as <c>Mon:02:00-Mon:06:00</c>.</param>
[GenerateSerializer, Alias("arb.GroupStrategy")]
public sealed record GroupStrategy(
    [property: Id(0)] int Risk = 100,
    [property: Id(1)] int? OnDemandCount = null,
    [property: Id(2)] AvailabilityVsCost AvailabilityVsCost = AvailabilityVsCost.Balanced,
    [property: Id(3)] bool FallbackToOd = true,
    [property: Id(4)] RevertToSpot RevertToSpot = RevertToSpot.Always,
    [property: Id(5)] IReadOnlyList<string>? RevertWindows = null,
    [property: Id(6)] TimeSpan DrainingTimeout = default,
    [property: Id(7)] GroupTerminationPolicy TerminationPolicy = GroupTerminationPolicy.Default,
    [property: Id(8)] TimeSpan MinimumLifetime = default,
    [property: Id(9)] double MaxShareOfMarket = GroupStrategy.DefaultMaxShareOfMarket)
{
    public const double DefaultMaxShareOfMarket = 0.5;
}

/// <summary>The shape of a member when no instance type list is given.</summary>
[GenerateSerializer, Alias("arb.GroupRequirements")]
public sealed record GroupRequirements([property: Id(0)] int MinCpu, [property: Id(1)] double MinMemoryGb, [property: Id(2)] int GpuCount = 0, [property: Id(3)] string? GpuType = null);

/// <summary>
/// What members run on: the on-demand type and the spot types (or, instead, <see cref="Requirements"/>), the regions
/// and providers they may use, the launch specification and tags. <see cref="Zones"/>, when given, restricts every member
/// to those availability zones (zone IDs such as <c>use1-az4</c>, or AWS zone names such as <c>us-east-1a</c>).
/// </summary>
/// <param name="Weights">For <see cref="GroupCapacityUnit.Weight"/>: the weight units each instance type counts for
/// (Spot.io's <c>weightedCapacity</c>), one for every spot type and the on-demand type.</param>
[GenerateSerializer, Alias("arb.GroupCompute")]
public sealed record GroupCompute(
    [property: Id(0)] WorkloadConfig LaunchSpecification,
    [property: Id(1)] string? OnDemandType = null,
    [property: Id(2)] IReadOnlyList<string>? SpotTypes = null,
    [property: Id(3)] GroupRequirements? Requirements = null,
    [property: Id(4)] IReadOnlyList<string>? Regions = null,
    [property: Id(5)] IReadOnlyList<string>? Zones = null,
    [property: Id(6)] IReadOnlyList<string>? Providers = null,
    [property: Id(7)] IReadOnlyDictionary<string, string>? Tags = null,
    [property: Id(8)] IReadOnlyDictionary<string, int>? Weights = null);

/// <summary>
/// The group's own health rule (SpotInst's <c>healthCheck</c>): with <see cref="AutoHealing"/>, a member whose workload is
/// unhealthy (running but failing its health check, or still booting) for <see cref="UnhealthyDuration"/>, counted once
/// <see cref="GracePeriod"/> has passed since its instance was launched, is terminated and replaced by the group.
/// </summary>
[GenerateSerializer, Alias("arb.GroupHealthCheck")]
public sealed record GroupHealthCheck(
    [property: Id(0)] bool AutoHealing,
    [property: Id(1)] TimeSpan GracePeriod,
    [property: Id(2)] TimeSpan UnhealthyDuration)
{
    /// <summary>SpotInst's defaults: auto-healing on, a grace period of 120 s, replaced after 120 s unhealthy.</summary>
    public static GroupHealthCheck Default { get; } = new(true, TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(120));
}

/// <summary>
/// A group as asked. <see cref="ProjectId"/> names the wallet its members are charged to (the tenant's own when null).
/// <see cref="Unhonoured"/> holds fields the product stores and echoes but cannot act on (by name, as given).
/// <see cref="HealthCheck"/> null: the group does not heal members itself (each workload's own health rule still replaces
/// a failing instance).
/// </summary>
[GenerateSerializer, Alias("arb.GroupSpec")]
public sealed record GroupSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] GroupCapacity Capacity,
    [property: Id(2)] GroupStrategy Strategy,
    [property: Id(3)] GroupCompute Compute,
    [property: Id(4)] string? ProjectId = null,
    [property: Id(5)] IReadOnlyDictionary<string, string>? Unhonoured = null,
    [property: Id(6)] GroupHealthCheck? HealthCheck = null)
{
    /// <summary>
    /// The capacity units a member counts for: one in <see cref="GroupCapacityUnit.Instance"/>; in
    /// <see cref="GroupCapacityUnit.Weight"/> its instance type's weight (an on-demand member's is the on-demand type's; a
    /// member allowed several types, the lightest of them). A type without a weight counts one.
    /// </summary>
    public int MemberWeight(string lifecycle, IReadOnlyList<string> allowedTypes)
    {
        if (Capacity.Unit != GroupCapacityUnit.Weight) return 1;
        var types = allowedTypes.Count > 0 ? allowedTypes
            : lifecycle == Market.MarketNames.OnDemand ? (Compute.OnDemandType is { } od ? [od] : []) : Compute.SpotTypes ?? [];
        return types.Select(TypeWeight).DefaultIfEmpty(1).Min();
    }

    /// <summary>The weight of one instance type (one when the group counts instances, or the type has no weight).</summary>
    public int TypeWeight(string? instanceType) =>
        Capacity.Unit == GroupCapacityUnit.Weight && instanceType is not null && Compute.Weights is { } weights
            ? weights.FirstOrDefault(w => w.Key.Equals(instanceType, StringComparison.OrdinalIgnoreCase)) is { Key: not null } hit ? hit.Value : 1
            : 1;
}

[GenerateSerializer, Alias("arb.GroupStatus")]
public enum GroupStatus { Active, Deleting, Deleted }

/// <summary>One member: its workload, the market it was asked for, and where it runs now.</summary>
/// <param name="Lifecycle">spot or on-demand (<see cref="Market.MarketNames"/>): what the member may use.</param>
/// <param name="Fallback">An on-demand member launched because spot could not be placed; it is replaced by spot per the revert policy.</param>
/// <param name="Draining">Lowered out of the group: it is terminated once the draining timeout has passed.</param>
[GenerateSerializer, Alias("arb.GroupMember")]
public sealed record GroupMember(
    [property: Id(0)] string WorkloadId,
    [property: Id(1)] string Lifecycle,
    [property: Id(2)] bool Fallback,
    [property: Id(3)] bool Draining,
    [property: Id(4)] WorkloadStatus? Status,
    [property: Id(5)] string? StatusReason,
    [property: Id(6)] string? Provider,
    [property: Id(7)] string? Region,
    [property: Id(8)] string? Zone,
    [property: Id(9)] string? InstanceType,
    [property: Id(10)] string? Market,
    [property: Id(11)] decimal? PricePerHour,
    [property: Id(12)] DateTimeOffset CreatedAt,
    [property: Id(13)] IReadOnlyList<string> AllowedTypes);

/// <summary>One decision of the group and why.</summary>
[GenerateSerializer, Alias("arb.GroupEvent")]
public sealed record GroupEvent([property: Id(0)] DateTimeOffset At, [property: Id(1)] string Type, [property: Id(2)] string Reason, [property: Id(3)] string? WorkloadId = null);

[GenerateSerializer, Alias("arb.GroupDetails")]
public sealed record GroupDetails(
    [property: Id(0)] string Id,
    [property: Id(1)] GroupSpec Spec,
    [property: Id(2)] GroupStatus Status,
    [property: Id(3)] IReadOnlyList<GroupMember> Members,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt)
{
    /// <summary>Members counted toward the target: not draining, and not ended.</summary>
    public IEnumerable<GroupMember> Active => Members.Where(m => !m.Draining && m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed or WorkloadStatus.Stopping));
}

/// <summary>
/// A group of workloads the product keeps at its target (key: the group id, e.g. <c>sig-…</c>). Every call takes the
/// caller's tenant: another tenant's group answers exactly as a missing one does (null / false).
/// </summary>
[Alias("arb.IGroupGrain")]
public interface IGroupGrain : IGrainWithStringKey
{
    /// <summary>Accepts the group (durably) and starts converging; a repeat with the same spec answers the group.</summary>
    /// <exception cref="Market.PlacementValidationException">A field is invalid (named); nothing is created.</exception>
    /// <exception cref="IdempotencyConflictException">The id holds another group.</exception>
    [Alias("Create")]
    Task<GroupDetails> Create(string tenantId, GroupSpec spec);

    [ReadOnly]
    [Alias("Get")]
    Task<GroupDetails?> Get(string tenantId);

    /// <summary>A new spec (a change of target is a scale up or down); the group converges to it.</summary>
    [Alias("Update")]
    Task<GroupDetails?> Update(string tenantId, GroupSpec spec);

    /// <summary>Drains and terminates every member; the group ends DELETED.</summary>
    [Alias("Delete")]
    Task<bool> Delete(string tenantId);

    /// <summary>The group's decisions, oldest first (the latest <c>Groups:EventsKept</c>).</summary>
    [ReadOnly]
    [Alias("Events")]
    Task<IReadOnlyList<GroupEvent>?> Events(string tenantId);

    /// <summary>
    /// Removes one member: it drains (terminated after the draining timeout) and the target is lowered by what it counted for (one, or its weight; the
    /// minimum with it when needed). False when the group is not the tenant's, not active, or has no such member counted.
    /// </summary>
    [Alias("RemoveMember")]
    Task<bool> RemoveMember(string tenantId, string workloadId);

    /// <summary>
    /// Creates the group with <paramref name="spec"/>, or raises its target to the spec's (never lowers it) and takes the
    /// spec's compute, in one turn: provisions racing on one group each see the target the other left. Null when the
    /// group is being deleted (or is another tenant's).
    /// </summary>
    /// <exception cref="Market.PlacementValidationException">A field is invalid (named); nothing changes.</exception>
    [Alias("Raise")]
    Task<GroupRaise?> Raise(string tenantId, GroupSpec spec);
}

/// <summary>The answer of <see cref="IGroupGrain.Raise"/>: the group now, and its target before the call (0 when it was created).</summary>
[GenerateSerializer, Alias("arb.GroupRaise")]
public sealed record GroupRaise([property: Id(0)] GroupDetails Group, [property: Id(1)] int PreviousTarget);
