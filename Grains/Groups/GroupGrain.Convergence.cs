using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans.Storage;

namespace Arbitrage.Orleans.Grains.Groups;

public sealed partial class GroupGrain
{
    public const string ScaleDownReason = "GROUP_SCALE_DOWN";

    /// <summary>
    /// One pass: ended members leave, spot members that cannot be placed give way (to another spot type, or to on-demand
    /// when fallbackToOd), drained members are terminated, then the group adds or drains members until the members
    /// counted (in flight or running, not draining) are the target with its spot/on-demand split, never above the
    /// maximum; fallback members are replaced by spot (make before break) when the revert policy allows.
    /// </summary>
    private async Task ConvergeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CreateMissingAsync();
            var details = await ReadMembersAsync();
            bool changed = RemoveEnded(details);
            if (S.Status == GroupStatus.Deleting)
            {
                changed |= await TerminateDrainedAsync();
                if (S.Members.Count == 0)
                {
                    S.Status = GroupStatus.Deleted;
                    AddEvent("DELETED", "every member is terminated");
                    await state.WriteStateAsync();
                    Disarm();
                    if (await this.GetReminder(KeepAliveReminder) is { } reminder) await this.UnregisterReminder(reminder);
                    return;
                }

                if (changed) await state.WriteStateAsync();
                return;
            }

            var spotOffers = GroupPlan.SpotTypes(S.Spec!, placement);
            changed |= await GiveWayStuckSpotAsync(details, spotOffers);
            changed |= await HealAsync(details);
            changed |= await TerminateDrainedAsync();
            changed |= Rebalance(details, spotOffers);
            if (changed)
            {
                await state.WriteStateAsync();
                await CreateMissingAsync();
            }
        }
        catch (InconsistentStateException e)
        {
            LogConvergeFailed(e, Id);
            DeactivateOnIdle();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogConvergeFailed(e, Id);
        }
    }

    /// <summary>Members whose workload ended (terminated, failed) leave the group; one not drained is replaced by the next pass.</summary>
    private bool RemoveEnded(Dictionary<string, WorkloadDetails?> details)
    {
        bool changed = false;
        foreach (var m in S.Members.ToList())
        {
            if (details.GetValueOrDefault(m.WorkloadId) is not { Status: WorkloadStatus.Terminated or WorkloadStatus.Failed } d) continue;
            S.Members.Remove(m);
            changed = true;
            if (m.DrainingSince is null) AddEvent("MEMBER_ENDED", $"{m.WorkloadId} ended {d.Status.ToString().ToUpperInvariant()} ({d.StatusReason}); a new member takes its place", m.WorkloadId);
            else AddEvent("MEMBER_REMOVED", $"{m.WorkloadId} drained and terminated", m.WorkloadId);
        }

        return changed;
    }

    /// <summary>
    /// A spot member waiting for lack of spot capacity (or of any spot offer) marks its type short for
    /// <see cref="GroupOptions.SpotRetryAfter"/> and is terminated, so that the next member tries another spot type or
    /// (fallbackToOd) on-demand. Without fallback, and with no other spot type to try, it keeps waiting.
    /// </summary>
    private async Task<bool> GiveWayStuckSpotAsync(Dictionary<string, WorkloadDetails?> details, List<PlacementOption> spotOffers)
    {
        bool changed = false;
        var now = Now;
        foreach (var m in S.Members.ToList())
        {
            if (m.Lifecycle != MarketNames.Spot || m.DrainingSince is not null || m.AllowedTypes.Count != 1) continue;
            if (details.GetValueOrDefault(m.WorkloadId) is not { Status: WorkloadStatus.Pending, StatusReason: { } reason }) continue;
            if (!reason.StartsWith(WorkloadReasons.NoCapacity, StringComparison.Ordinal) && !reason.StartsWith(WorkloadReasons.NoMatchingOffer, StringComparison.Ordinal)) continue;
            string type = m.AllowedTypes[0];
            S.ShortSpotTypes[type] = now + O.SpotRetryAfter;
            bool otherSpot = spotOffers.Any(o => !IsShort(o.InstanceType));
            if (!S.Spec!.Strategy.FallbackToOd && !otherSpot && !m.Revert) continue;
            await GrainFactory.GetGrain<IWorkloadGrain>(m.WorkloadId).Terminate(S.TenantId, $"{WorkloadReasons.NoCapacity}: the group moves this member off spot {type}");
            S.Members.Remove(m);
            changed = true;
            AddEvent(m.Revert ? "REVERT_POSTPONED" : "SPOT_UNAVAILABLE",
                $"{m.WorkloadId} could not be placed on spot {type} ({Truncate(reason)}); {type} is left alone until {S.ShortSpotTypes[type]:u}"
                + (m.Revert ? "; the fallback keeps serving" : otherSpot ? "; another spot type takes its place" : "; on-demand takes its place"), m.WorkloadId);
        }

        return changed;
    }

    private async Task<bool> TerminateDrainedAsync()
    {
        bool changed = false;
        var now = Now;
        for (int i = 0; i < S.Members.Count; i++)
        {
            var m = S.Members[i];
            if (m.DrainingSince is not { } since || m.TerminateSent || now < since + S.Spec!.Strategy.DrainingTimeout) continue;
            if (m.Created) await GrainFactory.GetGrain<IWorkloadGrain>(m.WorkloadId).Terminate(S.TenantId, ScaleDownReason);
            S.Members[i] = m with { TerminateSent = true };
            changed = true;
            if (!m.Created) S.Members.RemoveAt(i--);
        }

        return changed;
    }

    /// <summary>Adds, drains and reverts members so the counted ones are the target with its split, never above the maximum.</summary>
    private bool Rebalance(Dictionary<string, WorkloadDetails?> details, List<PlacementOption> spotOffers)
    {
        var spec = S.Spec!;
        bool changed = false;
        WorkloadStatus? StatusOf(GroupMemberState m) => details.GetValueOrDefault(m.WorkloadId)?.Status;

        // A spot member launched to replace a fallback counts once it runs; then a fallback drains (make before break).
        for (int i = 0; i < S.Members.Count; i++)
        {
            var m = S.Members[i];
            if (!m.Revert || m.DrainingSince is not null || StatusOf(m) != WorkloadStatus.Running) continue;
            S.Members[i] = m with { Revert = false };
            changed = true;
            AddEvent("REVERTED_TO_SPOT", $"{m.WorkloadId} runs on spot {string.Join(",", m.AllowedTypes)}; a fallback on-demand member drains", m.WorkloadId);
        }

        // Counted in capacity units: one per member, or (capacity.unit weight) each member's instance type weight.
        int W(GroupMemberState m) => spec.MemberWeight(m.Lifecycle, m.AllowedTypes);
        bool weighted = spec.Capacity.Unit == GroupCapacityUnit.Weight;
        string units = weighted ? " weight units" : " members";
        string Weighed(int weight) => weighted ? $" (weight {weight})" : "";
        int maximum = spec.Capacity.Maximum;
        var counted = S.Members.Where(m => m.DrainingSince is null && !m.Revert).ToList();
        var (spotWanted, odWanted) = GroupPlan.Split(spec);
        var spotSide = counted.Where(m => m.Lifecycle == MarketNames.Spot || m.Fallback).ToList();
        var odSide = counted.Where(m => m.Lifecycle == MarketNames.OnDemand && !m.Fallback).ToList();

        changed |= Drain(spotSide, spotWanted, W, details, spec, spotSide.Count > 0 && spotSide.Any(m => m.Fallback) && spotSide.Any(m => !m.Fallback)
            ? "spot runs again where a fallback served" : $"the target asks for {spotWanted} spot{units}");
        changed |= Drain(odSide, odWanted, W, details, spec, $"the target asks for {odWanted} on-demand{units}");

        int occupied = S.Members.Where(m => !m.TerminateSent).Sum(W);
        int odWeight = spec.MemberWeight(MarketNames.OnDemand, []);
        for (int have = odSide.Sum(W); have < odWanted; have += odWeight, occupied += odWeight)
        {
            if (occupied + odWeight > maximum)
            {
                AtMaximum(spec, $"an on-demand member for the target's {odWanted}{units}", odWeight, occupied);
                break;
            }

            Add(MarketNames.OnDemand, [], fallback: false, revert: false, $"on-demand member for the target's {odWanted}{(weighted ? units : "")}{Weighed(odWeight)}");
            changed = true;
        }

        for (int have = spotSide.Sum(W), weight; have < spotWanted; have += weight, occupied += weight)
        {
            var load = SpotLoad();
            var fitting = spotOffers.Where(o => occupied + spec.TypeWeight(o.InstanceType) <= maximum).ToList();
            if (GroupPlan.ChooseSpotType(spec, fitting, load, IsShort) is { } choice)
            {
                weight = spec.TypeWeight(choice.Type);
                string weighed = Weighed(weight);
                Add(MarketNames.Spot, [choice.Type], fallback: false, revert: false, choice.OverCap
                    ? $"spot {choice.Type}{weighed}: every spot type already holds {GroupPlan.MarketCap(spec)}{units} (maxShareOfMarket {spec.Strategy.MaxShareOfMarket}); it goes on the least loaded"
                    : $"spot {choice.Type}{weighed} ({spec.Strategy.AvailabilityVsCost}, below {GroupPlan.MarketCap(spec)}{units} per spot market)", SpotZone(spec, choice.Type));
            }
            else if (GroupPlan.ChooseSpotType(spec, spotOffers, load, IsShort) is { } heavy)
            {
                AtMaximum(spec, $"a spot {heavy.Type} member", spec.TypeWeight(heavy.Type), occupied);
                break;
            }
            else if (spec.Strategy.FallbackToOd)
            {
                weight = odWeight;
                if (occupied + weight > maximum)
                {
                    AtMaximum(spec, "an on-demand fallback member", weight, occupied);
                    break;
                }

                Add(MarketNames.OnDemand, [], fallback: true, revert: false, $"FALLBACK_TO_OD: no spot type can be placed now ({ShortList()}); on-demand{Weighed(weight)} until spot is back");
            }
            else
            {
                weight = spec.MemberWeight(MarketNames.Spot, []);
                if (occupied + weight > maximum) break;
                Add(MarketNames.Spot, [], fallback: false, revert: false, "spot on any allowed type: none can be placed now and fallbackToOd is off, so it waits for spot");
            }

            changed = true;
        }

        // Revert: one spot member per fallback (in a weight group, spot weight for the fallbacks' weight), while the policy
        // allows, spot types are not short, and the maximum has room.
        int fallbacks = S.Members.Where(m => m.Fallback && m.DrainingSince is null).Sum(W); // after this pass's drains
        int probes = S.Members.Where(m => m.Revert && m.DrainingSince is null).Sum(W);
        while (probes < fallbacks && RevertAllowed(spec)
            && GroupPlan.ChooseSpotType(spec, spotOffers.Where(o => occupied + spec.TypeWeight(o.InstanceType) <= maximum).ToList(), SpotLoad(), IsShort) is { } revert)
        {
            Add(MarketNames.Spot, [revert.Type], fallback: false, revert: true, $"REVERT_TO_SPOT: spot {revert.Type}{Weighed(spec.TypeWeight(revert.Type))} may be back; it launches before a fallback on-demand member drains", SpotZone(spec, revert.Type));
            probes += spec.TypeWeight(revert.Type);
            occupied += spec.TypeWeight(revert.Type);
            changed = true;
        }

        return changed;
    }

    /// <summary>
    /// Drains members of one side while what remains still holds <paramref name="wanted"/> capacity units: fallbacks first,
    /// then by the termination policy (members younger than minimumLifetime last). A member whose weight would take the
    /// side below <paramref name="wanted"/> stays (a lighter one further in the order may go instead) — except that while
    /// a fallback stays, the spot members stay too: they are what replaces it (reverted spot weight then accumulates until
    /// the fallback can go, rather than draining the spot it was replaced by).
    /// </summary>
    private bool Drain(List<GroupMemberState> side, int wanted, Func<GroupMemberState, int> weight, Dictionary<string, WorkloadDetails?> details, GroupSpec spec, string why)
    {
        int remaining = side.Sum(weight);
        if (remaining <= wanted) return false;
        var now = Now;
        var s = spec.Strategy;
        var order = side.OrderByDescending(m => m.Fallback).ThenBy(m => now - m.CreatedAt < s.MinimumLifetime);
        order = s.TerminationPolicy switch
        {
            GroupTerminationPolicy.OldestInstance => order.ThenBy(m => m.CreatedAt).ThenBy(m => m.Index),
            GroupTerminationPolicy.NewestInstance => order.ThenByDescending(m => m.CreatedAt).ThenByDescending(m => m.Index),
            _ => order.ThenBy(m => details.GetValueOrDefault(m.WorkloadId)?.Status == WorkloadStatus.Running).ThenByDescending(m => m.Index),
        };
        bool drained = false, fallbackStays = false;
        foreach (var m in order.ToList())
        {
            if (remaining == wanted || (fallbackStays && !m.Fallback)) break;
            if (remaining - weight(m) < wanted)
            {
                fallbackStays |= m.Fallback;
                continue;
            }

            remaining -= weight(m);
            drained = true;
            int i = S.Members.IndexOf(m);
            S.Members[i] = m with { DrainingSince = now };
            AddEvent("MEMBER_DRAINING", $"{m.WorkloadId} drains ({why}; {s.TerminationPolicy} policy{(m.Fallback ? ", fallbacks first" : "")}); terminated after {s.DrainingTimeout.TotalSeconds:0} s", m.WorkloadId);
        }

        return drained;
    }

    /// <summary>
    /// A weight group does not launch a member whose weight would take the occupied weight above the maximum, and says
    /// so once (not again while the same reason stands at the end of its events).
    /// </summary>
    private void AtMaximum(GroupSpec spec, string what, int weight, int occupied)
    {
        if (spec.Capacity.Unit != GroupCapacityUnit.Weight) return;
        string reason = $"{what} (weight {weight}) is not launched: the occupied weight would be {occupied + weight}, above capacity.maximum {spec.Capacity.Maximum}";
        if (Enumerable.Reverse(S.Events).TakeWhile(e => e.Type == "AT_MAXIMUM").Any(e => e.Reason == reason)) return;
        AddEvent("AT_MAXIMUM", reason);
    }

    private void Add(string lifecycle, IReadOnlyList<string> types, bool fallback, bool revert, string why, string? zone = null)
    {
        int index = S.NextIndex++;
        var member = new GroupMemberState(index, MemberWorkloadId(Id, index), lifecycle, types, fallback, revert, Now, Zone: zone);
        S.Members.Add(member);
        string type = fallback ? "FALLBACK_TO_OD" : revert ? "REVERT_TO_SPOT" : "MEMBER_ADDED";
        if (zone is not null) why += $"; in zone {zone}, the least loaded of the group's zones offering it (equalAzDistribution)";
        AddEvent(type, $"{member.WorkloadId}: {why}", member.WorkloadId);
    }

    /// <summary>The zone of a new spot member: the least loaded zone offering its type for equalAzDistribution, else none (placement picks among the group's zones).</summary>
    private string? SpotZone(GroupSpec spec, string type) =>
        spec.Strategy.AvailabilityVsCost == AvailabilityVsCost.EqualAzDistribution
            ? GroupPlan.ChooseZone(spec, type, placement, S.Members.Where(m => m.Lifecycle == MarketNames.Spot && m.DrainingSince is null && m.Zone is not null)
                .GroupBy(m => m.Zone!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase))
            : null;

    private Dictionary<string, int> SpotLoad() =>
        S.Members.Where(m => m.Lifecycle == MarketNames.Spot && m.DrainingSince is null && m.AllowedTypes.Count == 1)
            .GroupBy(m => m.AllowedTypes[0], StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Sum(m => S.Spec!.TypeWeight(g.Key)), StringComparer.OrdinalIgnoreCase);

    private bool IsShort(string type) => S.ShortSpotTypes.TryGetValue(type, out var until) && Now < until;

    private string ShortList() => string.Join(", ", S.ShortSpotTypes.Where(t => Now < t.Value).Select(t => $"{t.Key} short until {t.Value:u}")) is { Length: > 0 } list ? list : "no spot offer";

    private bool RevertAllowed(GroupSpec spec) => spec.Strategy.RevertToSpot switch
    {
        RevertToSpot.Always => true,
        RevertToSpot.Never => false,
        _ => (spec.Strategy.RevertWindows ?? []).Select(RevertWindow.Parse).Any(w => w?.Contains(Now) == true),
    };

    /// <summary>Creates the workloads of members not created yet (again: a no-op for those that exist).</summary>
    private async Task CreateMissingAsync()
    {
        var pending = S.Members.Where(m => !m.Created && !m.TerminateSent).ToList();
        if (pending.Count == 0) return;
        var spec = S.Spec!;
        var created = await Task.WhenAll(pending.Select(async m =>
        {
            var metadata = new Dictionary<string, string>(spec.Compute.Tags ?? new Dictionary<string, string>())
            {
                ["group_id"] = Id,
                ["group_member"] = m.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["lifecycle"] = m.Lifecycle,
            };
            if (spec.ProjectId is { } project) metadata["project_id"] = project;
            var workload = new WorkloadSpec($"{spec.Name}-{m.Index}", GroupPlan.Requirements(spec, m.Lifecycle, m.AllowedTypes, m.Zone), spec.Compute.LaunchSpecification, metadata);
            try
            {
                await GrainFactory.GetGrain<IWorkloadGrain>(m.WorkloadId).Create(new CreateWorkload(S.TenantId, workload, TextDigest.Sha256Hex($"{Id}\n{m.Index}\n{m.Lifecycle}\n{string.Join(",", m.AllowedTypes)}" + (m.Zone is { } zone ? $"\n{zone}" : ""))));
                return true;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogMemberNotCreated(Id, m.WorkloadId, e.Message);
                return false;
            }
        }));
        bool any = false;
        for (int i = 0; i < pending.Count; i++)
        {
            if (!created[i]) continue;
            int at = S.Members.IndexOf(pending[i]);
            if (at >= 0) S.Members[at] = pending[i] with { Created = true };
            any = true;
        }

        if (any) await state.WriteStateAsync();
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
