namespace Arbitrage.Orleans.Grains.Groups;

public sealed partial class GroupGrain
{
    public async Task<bool> RemoveMember(string tenantId, string workloadId)
    {
        if (!Owns(tenantId) || S.Status != GroupStatus.Active) return false;
        int i = S.Members.FindIndex(m => m.WorkloadId == workloadId && m.DrainingSince is null);
        if (i < 0) return false;
        var now = Now;
        var spec = S.Spec!;
        var c = spec.Capacity;
        // The target loses what the member counted for: one, or (capacity.unit weight) its weight.
        int target = Math.Max(0, c.Target - spec.MemberWeight(S.Members[i].Lifecycle, S.Members[i].AllowedTypes));
        S.Members[i] = S.Members[i] with { DrainingSince = now };
        S.Spec = spec with { Capacity = c with { Target = target, Minimum = Math.Min(c.Minimum, target) } };
        S.UpdatedAt = now;
        AddEvent("MEMBER_DRAINING", $"{workloadId} drains (removed on request; target {c.Target} → {target}); terminated after {spec.Strategy.DrainingTimeout.TotalSeconds:0} s", workloadId);
        await state.WriteStateAsync();
        Arm(TimeSpan.Zero);
        return true;
    }
}
