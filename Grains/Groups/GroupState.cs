using Arbitrage.Orleans.Grains.Storage;
using Orleans;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>A group as stored (the ledger store): its spec, its members' workload ids and roles, the spot types found short, and its latest events.</summary>
[GenerateSerializer, Alias("arb.GroupState")]
public sealed class GroupState : IListedState
{
    [Id(0)]
    public string TenantId { get; set; } = "";
    [Id(1)]
    public GroupSpec? Spec { get; set; }
    [Id(2)]
    public GroupStatus Status { get; set; }
    [Id(3)]
    public List<GroupMemberState> Members { get; set; } = [];
    /// <summary>The index of the next member: member workload ids derive from it, so a retried creation makes the same workload.</summary>
    [Id(4)]
    public int NextIndex { get; set; }
    /// <summary>Spot instance types that could not be placed, and until when the group leaves them alone.</summary>
    [Id(5)]
    public Dictionary<string, DateTimeOffset> ShortSpotTypes { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    [Id(6)]
    public List<GroupEvent> Events { get; set; } = [];
    [Id(7)]
    public DateTimeOffset CreatedAt { get; set; }
    [Id(8)]
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>
    /// A digest of the spec it was created with, so a repeated create with another spec is refused (a repeated Create
    /// also matches the stored <see cref="Spec"/> as read now, which stays equal when the spec record gains optional fields).
    /// </summary>
    [Id(9)]
    public string Fingerprint { get; set; } = "";

    /// <summary>Groups are listed by their tenant, newest first (the faces over groups list them so).</summary>
    string IListedState.ListOwner => TenantId;

    long IListedState.ListOrder => CreatedAt.ToUnixTimeMilliseconds();
}

/// <summary>One member as stored.</summary>
/// <param name="Revert">A spot member launched to take a fallback's place: it counts once it runs, then a fallback drains.</param>
/// <param name="Created">Its workload exists (creating it again is a no-op: same id, same fingerprint).</param>
/// <param name="Zone">The zone ID a spot member of an equalAzDistribution group is restricted to (null: any of the group's zones).</param>
/// <param name="UnhealthySince">With auto-healing: the first convergence, after its grace period, that saw its workload unhealthy (null while healthy).</param>
[GenerateSerializer, Alias("arb.GroupMemberState")]
public sealed record GroupMemberState(
    [property: Id(0)] int Index,
    [property: Id(1)] string WorkloadId,
    [property: Id(2)] string Lifecycle,
    [property: Id(3)] IReadOnlyList<string> AllowedTypes,
    [property: Id(4)] bool Fallback,
    [property: Id(5)] bool Revert,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset? DrainingSince = null,
    [property: Id(8)] bool TerminateSent = false,
    [property: Id(9)] bool Created = false,
    [property: Id(10)] string? Zone = null,
    [property: Id(11)] DateTimeOffset? UnhealthySince = null);
