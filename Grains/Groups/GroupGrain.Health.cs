using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Grains.Groups;

public sealed partial class GroupGrain
{
    public const string AutoHealReason = "GROUP_AUTO_HEAL";

    /// <summary>
    /// Auto-healing (<see cref="GroupSpec.HealthCheck"/>): a counted member whose workload is unhealthy — RUNNING but
    /// failing its health check, or still PROVISIONING — is unhealthy from the first pass that sees it so once its grace
    /// period (from its instance's launch) is over; after <see cref="GroupHealthCheck.UnhealthyDuration"/> the group
    /// terminates its workload and drops it, and Rebalance puts a member of the same side in its place. Members waiting
    /// to be placed (PENDING: no capacity, no credit) have no instance to heal and are left to GiveWayStuckSpotAsync and
    /// the workload's retries; draining members are on their way out.
    /// </summary>
    private async Task<bool> HealAsync(Dictionary<string, WorkloadDetails?> details)
    {
        bool changed = false;
        if (S.Spec!.HealthCheck is not { AutoHealing: true } rule)
        {
            // Off: forget what was seen, so turning it on again starts every member's clock afresh.
            for (int i = 0; i < S.Members.Count; i++)
            {
                if (S.Members[i].UnhealthySince is null) continue;
                S.Members[i] = S.Members[i] with { UnhealthySince = null };
                changed = true;
            }

            return changed;
        }

        var now = Now;
        var judged = S.Members.Where(m => m.DrainingSince is null && m.Created
            && details.GetValueOrDefault(m.WorkloadId) is { Status: WorkloadStatus.Running or WorkloadStatus.Provisioning }).ToList();
        var running = judged.Where(m => details[m.WorkloadId]!.Status == WorkloadStatus.Running).ToList();
        var endpoints = await Task.WhenAll(running.Select(m => GrainFactory.GetGrain<IWorkloadGrain>(m.WorkloadId).GetEndpoint(S.TenantId)));
        var failing = running.Where((m, i) => endpoints[i]?.Status == EndpointHealth.Unhealthy).Select(m => m.WorkloadId).ToHashSet(StringComparer.Ordinal);

        foreach (var m in S.Members.ToList())
        {
            var d = details.GetValueOrDefault(m.WorkloadId);
            bool inGrace = d?.Placement is { } p ? now - p.Start < rule.GracePeriod : now - m.CreatedAt < rule.GracePeriod;
            bool unhealthy = judged.Contains(m) && !inGrace && (failing.Contains(m.WorkloadId) || d!.Status == WorkloadStatus.Provisioning);
            int at = S.Members.IndexOf(m);
            if (!unhealthy)
            {
                if (m.UnhealthySince is not { } was) continue;
                S.Members[at] = m with { UnhealthySince = null };
                changed = true;
                if (judged.Contains(m) && !inGrace)
                {
                    AddEvent("MEMBER_RECOVERED", $"{m.WorkloadId} is healthy again after {(now - was).TotalSeconds:0} s", m.WorkloadId);
                }

                continue;
            }

            string what = failing.Contains(m.WorkloadId) ? "RUNNING but failing its health check" : "still PROVISIONING (not healthy yet)";
            if (m.UnhealthySince is not { } since)
            {
                S.Members[at] = m with { UnhealthySince = now };
                changed = true;
                AddEvent("MEMBER_UNHEALTHY", $"{m.WorkloadId} is {what} past its grace period of {rule.GracePeriod.TotalSeconds:0} s; "
                    + $"the group replaces it if it stays so for {rule.UnhealthyDuration.TotalSeconds:0} s (healthCheck.unhealthyDuration)", m.WorkloadId);
                continue;
            }

            if (now - since < rule.UnhealthyDuration) continue;
            string reason = $"{m.WorkloadId} was {what} for {(now - since).TotalSeconds:0} s (healthCheck: autoHealing, gracePeriod {rule.GracePeriod.TotalSeconds:0} s, "
                + $"unhealthyDuration {rule.UnhealthyDuration.TotalSeconds:0} s)";
            await GrainFactory.GetGrain<IWorkloadGrain>(m.WorkloadId).Terminate(S.TenantId, $"{AutoHealReason}: {reason}; the group replaces it");
            S.Members.Remove(m);
            changed = true;
            AddEvent("AUTO_HEALED", $"{reason}: terminated; a new {RoleOf(m)} takes its place", m.WorkloadId);
        }

        return changed;
    }

    /// <summary>What Rebalance launches in a healed member's place: the same side of the split, with its usual rules.</summary>
    private static string RoleOf(GroupMemberState m) =>
        m.Revert ? "spot member (the revert to spot tries again; the fallback keeps serving meanwhile)"
        : m.Fallback ? "member (spot if a spot type can be placed again, else an on-demand fallback)"
        : $"{m.Lifecycle} member";
}
