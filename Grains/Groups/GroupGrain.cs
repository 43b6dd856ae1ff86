using System.Text.Json;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Groups;

/// <summary>
/// A group of workloads kept at its target. Its members are workloads (placed, health-checked, moved on interruption
/// and billed by their own lifecycle), each restricted to spot or on-demand and to the instance types the group chose
/// for it. A grain timer converges the members on the spec (<c>GroupGrain.Convergence.cs</c>); a keep-alive reminder
/// brings the group back after a restart. The state (spec, member ids, events) is in the ledger store, written before
/// the member workloads are created, so a retried creation makes the same workloads.
/// </summary>
[GrainType(GrainTypeName)]
public sealed partial class GroupGrain(
    [PersistentState(GroupGrain.StateName, LedgerStorage.Name)] IPersistentState<GroupState> state,
    IPlacementService placement,
    IOptions<GroupOptions> options,
    TimeProvider time,
    ILogger<GroupGrain> logger) : Grain, IGroupGrain, IRemindable
{
    public const string GrainTypeName = "group";
    public const string StateName = "group";
    public const string KeepAliveReminder = "keep-alive";

    private IGrainTimer? _converger;

    private GroupState S => state.State;
    private GroupOptions O => options.Value;
    private string Id => this.GetPrimaryKeyString();
    private DateTimeOffset Now => time.GetUtcNow();
    private bool Live => state.RecordExists && S.Status != GroupStatus.Deleted;

    /// <summary>The workload id of a group's <paramref name="index"/>-th member: the same on every try.</summary>
    public static string MemberWorkloadId(string groupId, int index) => "wk-" + TextDigest.Sha256Hex($"group\n{groupId}\n{index}")[..16];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Live) Arm(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public async Task<GroupDetails> Create(string tenantId, GroupSpec spec)
    {
        string fingerprint = Fingerprint(spec);
        if (state.RecordExists)
        {
            // The same create again: its spec as created (the fingerprint kept then: a retry after an update), or as the
            // group holds it now, read with today's record (a group stored before the spec gained optional fields).
            bool same = S.Fingerprint == fingerprint || (S.Spec is { } stored && Fingerprint(stored) == fingerprint);
            if (S.TenantId != tenantId || !same)
            {
                throw new IdempotencyConflictException($"Group {Id} already exists with another spec; use a new id for a new group.");
            }

            if (Live && _converger is null) Arm(TimeSpan.Zero);
            return await DetailsAsync();
        }

        GroupSpecValidator.Validate(spec, placement, O);
        var now = Now;
        state.State = new GroupState { TenantId = tenantId, Spec = spec, Status = GroupStatus.Active, CreatedAt = now, UpdatedAt = now, Fingerprint = fingerprint };
        var (spot, onDemand) = GroupPlan.Split(spec);
        AddEvent("CREATED", $"target {spec.Capacity.Target} (minimum {spec.Capacity.Minimum}, maximum {spec.Capacity.Maximum}): {spot} spot and {onDemand} on-demand "
            + $"({(spec.Strategy.OnDemandCount is { } n ? $"onDemandCount {n}" : $"risk {spec.Strategy.Risk}%")}); at most {GroupPlan.MarketCap(spec)} {(spec.Capacity.Unit == GroupCapacityUnit.Weight ? "weight units" : "members")} per spot market");
        await Task.WhenAll(state.WriteStateAsync(), this.RegisterOrUpdateReminder(KeepAliveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        Arm(TimeSpan.Zero);
        return await DetailsAsync();
    }

    public async Task<GroupDetails?> Get(string tenantId) => Owns(tenantId) ? await DetailsAsync() : null;

    public async Task<GroupDetails?> Update(string tenantId, GroupSpec spec)
    {
        if (!Owns(tenantId)) return null;
        if (S.Status != GroupStatus.Active) throw new InvalidOperationException($"Group {Id} is {S.Status.ToString().ToLowerInvariant()}; it can no longer change.");
        GroupSpecValidator.Validate(spec, placement, O);
        var old = S.Spec!;
        S.Spec = spec;
        S.UpdatedAt = Now;
        if (old.Capacity != spec.Capacity)
        {
            AddEvent("TARGET_CHANGED", $"target {old.Capacity.Target} → {spec.Capacity.Target} (minimum {spec.Capacity.Minimum}, maximum {spec.Capacity.Maximum})");
        }

        if (Fingerprint(old with { Capacity = spec.Capacity }) != Fingerprint(spec))
        {
            var (spot, onDemand) = GroupPlan.Split(spec);
            AddEvent("SPEC_CHANGED", $"the spec changed: {spot} spot and {onDemand} on-demand wanted; members launched from now on follow it");
        }

        await state.WriteStateAsync();
        Arm(TimeSpan.Zero);
        return await DetailsAsync();
    }

    public async Task<GroupRaise?> Raise(string tenantId, GroupSpec spec)
    {
        if (!state.RecordExists) return new GroupRaise(await Create(tenantId, spec), 0);
        if (!Owns(tenantId) || S.Status != GroupStatus.Active) return null;
        int previous = S.Spec!.Capacity.Target;
        var capacity = spec.Capacity.Target > previous ? spec.Capacity : S.Spec.Capacity;
        var details = await Update(tenantId, S.Spec with { Capacity = capacity, Compute = spec.Compute });
        return new GroupRaise(details!, previous);
    }

    public async Task<bool> Delete(string tenantId)
    {
        if (!Owns(tenantId)) return false;
        if (S.Status == GroupStatus.Active)
        {
            S.Status = GroupStatus.Deleting;
            S.UpdatedAt = Now;
            var since = Now;
            for (int i = 0; i < S.Members.Count; i++)
            {
                if (S.Members[i].DrainingSince is null) S.Members[i] = S.Members[i] with { DrainingSince = since };
            }

            AddEvent("DELETING", $"deleted: {S.Members.Count} members drain for {S.Spec!.Strategy.DrainingTimeout.TotalSeconds:0} s, then terminate");
            await state.WriteStateAsync();
            Arm(TimeSpan.Zero);
        }

        return true;
    }

    public Task<IReadOnlyList<GroupEvent>?> Events(string tenantId) =>
        Task.FromResult<IReadOnlyList<GroupEvent>?>(Owns(tenantId) ? S.Events.ToList() : null);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != KeepAliveReminder) return;
        if (!Live)
        {
            if (await this.GetReminder(KeepAliveReminder) is { } reminder) await this.UnregisterReminder(reminder);
            return;
        }

        if (_converger is null) Arm(TimeSpan.Zero);
    }

    private bool Owns(string tenantId) => state.RecordExists && S.TenantId == tenantId;

    private void Arm(TimeSpan dueTime)
    {
        if (_converger is null) _converger = this.RegisterGrainTimer(ConvergeAsync, new GrainTimerCreationOptions(dueTime, O.ConvergeInterval) { KeepAlive = true });
        else _converger.Change(dueTime, O.ConvergeInterval);
    }

    private void Disarm()
    {
        _converger?.Dispose();
        _converger = null;
    }

    private async Task<GroupDetails> DetailsAsync()
    {
        var details = await ReadMembersAsync();
        var members = S.Members.Select(m =>
        {
            var d = details.GetValueOrDefault(m.WorkloadId);
            var p = d?.Placement;
            return new GroupMember(m.WorkloadId, m.Lifecycle, m.Fallback, m.DrainingSince is not null, d?.Status, d?.StatusReason ?? (m.Created ? null : "being created"),
                p?.Provider, p?.Region, p?.Zone, p?.InstanceType, p?.Market, p?.PricePerHour, m.CreatedAt, m.AllowedTypes.ToList());
        }).ToList();
        return new GroupDetails(Id, S.Spec!, S.Status, members, S.CreatedAt, S.UpdatedAt);
    }

    private async Task<Dictionary<string, WorkloadDetails?>> ReadMembersAsync()
    {
        var ids = S.Members.Select(m => m.WorkloadId).ToList();
        var read = await Task.WhenAll(ids.Select(id => GrainFactory.GetGrain<IWorkloadGrain>(id).Get(S.TenantId)));
        return ids.Select((id, i) => (id, read[i])).ToDictionary(x => x.id, x => x.Item2, StringComparer.Ordinal);
    }

    private void AddEvent(string type, string reason, string? workloadId = null)
    {
        S.Events.Add(new GroupEvent(Now, type, reason, workloadId));
        if (S.Events.Count > O.EventsKept) S.Events.RemoveRange(0, S.Events.Count - O.EventsKept);
        LogDecision(Id, type, reason);
    }

    private static string Fingerprint(GroupSpec spec) => TextDigest.Sha256Hex(JsonSerializer.Serialize(spec));

    [LoggerMessage(EventId = 6501, Level = LogLevel.Information, Message = "Group {GroupId}: {Type}: {Reason}")]
    private partial void LogDecision(string groupId, string type, string reason);

    [LoggerMessage(EventId = 6502, Level = LogLevel.Warning, Message = "Group {GroupId} could not converge this time; the next tick retries")]
    private partial void LogConvergeFailed(Exception exception, string groupId);

    [LoggerMessage(EventId = 6503, Level = LogLevel.Warning, Message = "Group {GroupId}: member {WorkloadId} not created yet: {Message}")]
    private partial void LogMemberNotCreated(string groupId, string workloadId, string message);
}
