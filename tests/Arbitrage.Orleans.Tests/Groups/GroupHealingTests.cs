using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>
/// A group's own auto-healing (<see cref="GroupSpec.HealthCheck"/>) on a real silo and PostgreSQL over the simulated
/// clouds. The workloads' own rule is switched off (<c>Workloads:UnhealthyThreshold</c> very high), so only the group
/// can replace an unhealthy member: after its grace period and unhealthy duration, with the same lifecycle, and not at
/// all with autoHealing off.
/// </summary>
public sealed class GroupHealingTests(GroupHealingTests.Cluster cluster) : IClassFixture<GroupHealingTests.Cluster>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public sealed class Cluster() : GroupCluster(new Dictionary<string, string>
    {
        ["Workloads:HealthCheckInterval"] = "00:00:00.200",
        ["Workloads:ProvisioningPollInterval"] = "00:00:00.100",
        ["Workloads:UnhealthyThreshold"] = "1000000",
    });

    private static GroupSpec Spec(int target, int risk, GroupHealthCheck? health) =>
        new("healing", new GroupCapacity(target, target, target + 1), new GroupStrategy(Risk: risk), new GroupCompute(new WorkloadConfig("ami-0123456789abcdef0"), Requirements: new GroupRequirements(2, 4)),
            HealthCheck: health);

    private static bool AllRunning(GroupDetails g, int count) =>
        g.Members.Count == count && g.Members.All(m => m.Status == WorkloadStatus.Running && !m.Draining);

    private async Task<GroupDetails> WaitAsync(IGroupGrain group, string tenant, Func<GroupDetails, bool> condition, string because)
    {
        GroupDetails? last = null;
        await Eventually.TrueAsync(async () => condition(last = (await group.Get(tenant))!), Limit,
            because + (last is null ? "" : $" (members: {string.Join("; ", last.Members.Select(m => $"{m.WorkloadId} {m.Lifecycle} {m.Status} {m.StatusReason}"))})"));
        return last!;
    }

    private async Task<WorkloadPlacement> MakeUnhealthyAsync(string workloadId, string tenant)
    {
        var workload = cluster.Grains.GetGrain<IWorkloadGrain>(workloadId);
        var placement = (await workload.Get(tenant))!.Placement!;
        Assert.True(await cluster.Services.GetRequiredService<ISimulationControl>().TrySetHealthy(placement.Provider, placement.InstanceId, healthy: false));
        await Eventually.TrueAsync(async () => (await workload.GetEndpoint(tenant))!.Status == EndpointHealth.Unhealthy, Limit, $"{workloadId} fails its health check");
        return placement;
    }

    [Fact]
    public async Task An_unhealthy_member_is_replaced_with_the_same_lifecycle_once_its_grace_period_and_unhealthy_duration_have_passed()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var rule = new GroupHealthCheck(AutoHealing: true, GracePeriod: TimeSpan.FromSeconds(10), UnhealthyDuration: TimeSpan.FromSeconds(2));
        await group.Create(tenant, Spec(2, 50, rule));
        var calm = await WaitAsync(group, tenant, g => AllRunning(g, 2), "1 spot and 1 on-demand member run");
        var sick = calm.Members.Single(m => m.Lifecycle == MarketNames.Spot);
        var well = calm.Members.Single(m => m.Lifecycle == MarketNames.OnDemand);

        // Made unhealthy as soon as it runs: inside its grace period (the instance booted for 5 s of its 10).
        var placement = await MakeUnhealthyAsync(sick.WorkloadId, tenant);

        var healed = await WaitAsync(group, tenant, g => AllRunning(g, 2) && g.Members.All(m => m.WorkloadId != sick.WorkloadId), "the unhealthy member is replaced and its replacement runs");
        var replacement = healed.Members.Single(m => m.WorkloadId != well.WorkloadId);
        Assert.Equal(MarketNames.Spot, replacement.Lifecycle);
        Assert.Equal(MarketNames.Spot, replacement.Market);
        var old = cluster.Grains.GetGrain<IWorkloadGrain>(sick.WorkloadId);
        await Eventually.TrueAsync(async () => (await old.Get(tenant))!.Status == WorkloadStatus.Terminated, Limit, "the unhealthy member's workload is terminated");
        Assert.Equal(WorkloadStatus.Running, (await cluster.Grains.GetGrain<IWorkloadGrain>(well.WorkloadId).Get(tenant))!.Status);

        // Its health was judged only after the grace period, and it was replaced only after the unhealthy duration.
        var events = (await group.Events(tenant))!;
        var unhealthy = Assert.Single(events, e => e.Type == "MEMBER_UNHEALTHY" && e.WorkloadId == sick.WorkloadId);
        var autoHealed = Assert.Single(events, e => e.Type == "AUTO_HEALED");
        Assert.Equal(sick.WorkloadId, autoHealed.WorkloadId);
        Assert.True(unhealthy.At >= placement.Start + rule.GracePeriod, $"judged at {unhealthy.At:O}, inside the grace period of the instance launched at {placement.Start:O}");
        Assert.True(autoHealed.At >= unhealthy.At + rule.UnhealthyDuration, $"replaced at {autoHealed.At:O}, before {rule.UnhealthyDuration} unhealthy since {unhealthy.At:O}");
        Assert.Contains("gracePeriod 10 s", autoHealed.Reason);
        Assert.Contains("unhealthyDuration 2 s", autoHealed.Reason);
        Assert.Contains("failing its health check", autoHealed.Reason);
        Assert.Contains(events, e => e.Type == "MEMBER_ADDED" && e.WorkloadId == replacement.WorkloadId && e.At >= autoHealed.At);
        Assert.DoesNotContain(events, e => e.Type is "MEMBER_UNHEALTHY" or "AUTO_HEALED" && e.WorkloadId == well.WorkloadId);
    }

    [Fact]
    public async Task With_auto_healing_off_the_group_leaves_an_unhealthy_member_to_its_workload()
    {
        string tenant = await cluster.NewTenantAsync();
        var on = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var off = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var rule = new GroupHealthCheck(AutoHealing: true, GracePeriod: TimeSpan.FromSeconds(8), UnhealthyDuration: TimeSpan.FromSeconds(1));
        await on.Create(tenant, Spec(1, 0, rule));
        await off.Create(tenant, Spec(1, 0, rule with { AutoHealing = false }));
        var onMember = Assert.Single((await WaitAsync(on, tenant, g => AllRunning(g, 1), "the healing group's member runs")).Members);
        var offMember = Assert.Single((await WaitAsync(off, tenant, g => AllRunning(g, 1), "the other group's member runs")).Members);

        await MakeUnhealthyAsync(offMember.WorkloadId, tenant);
        await MakeUnhealthyAsync(onMember.WorkloadId, tenant);

        // The group with the same rule but autoHealing on replaces its member (and the replacement boots) meanwhile.
        await WaitAsync(on, tenant, g => AllRunning(g, 1) && g.Members[0].WorkloadId != onMember.WorkloadId, "the healing group replaced its member");
        var still = Assert.Single((await off.Get(tenant))!.Members);
        Assert.Equal(offMember.WorkloadId, still.WorkloadId);
        Assert.Equal(WorkloadStatus.Running, still.Status);
        Assert.Equal(EndpointHealth.Unhealthy, (await cluster.Grains.GetGrain<IWorkloadGrain>(offMember.WorkloadId).GetEndpoint(tenant))!.Status);
        Assert.DoesNotContain((await off.Events(tenant))!, e => e.Type is "MEMBER_UNHEALTHY" or "AUTO_HEALED");
    }

    [Theory]
    [InlineData("grace", "healthCheck.gracePeriod")]
    [InlineData("unhealthy", "healthCheck.unhealthyDuration")]
    public async Task A_negative_health_check_duration_is_refused_naming_it_and_nothing_is_created(string what, string field)
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var rule = what == "grace" ? GroupHealthCheck.Default with { GracePeriod = TimeSpan.FromSeconds(-1) } : GroupHealthCheck.Default with { UnhealthyDuration = TimeSpan.FromSeconds(-1) };

        var refused = await Assert.ThrowsAsync<PlacementValidationException>(() => group.Create(tenant, Spec(1, 0, rule)));

        Assert.Equal(field, refused.Field);
        Assert.Null(await group.Get(tenant));
    }
}
