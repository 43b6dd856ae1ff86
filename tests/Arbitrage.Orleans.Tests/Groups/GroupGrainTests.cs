using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Simulated;
using Arbitrage.Orleans.Grains.Groups;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Workloads;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>
/// Groups on a real silo and PostgreSQL over the simulated clouds: a group converges to its target with its spot and
/// on-demand split, scales up and down by its termination policy without passing its maximum, keeps each spot market
/// within its share, refuses bad specs with nothing created, and holds its size through a storm of interruptions and
/// lost spot capacity, falling back to on-demand only while spot is short.
/// </summary>
public sealed class GroupGrainTests(GroupGrainTests.Cluster cluster) : IClassFixture<GroupGrainTests.Cluster>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public sealed class Cluster() : GroupCluster(new Dictionary<string, string> { ["Groups:SpotRetryAfter"] = "00:00:02" });

    private static GroupSpec Spec(int target, int min, int max, GroupStrategy? strategy = null, IReadOnlyList<string>? spotTypes = null, string? onDemandType = null) =>
        new("web", new GroupCapacity(target, min, max), strategy ?? new GroupStrategy(),
            new GroupCompute(new WorkloadConfig("ami-0123456789abcdef0"), onDemandType, spotTypes, spotTypes is null && onDemandType is null ? new GroupRequirements(2, 4) : null));

    private static bool Converged(GroupDetails g, int spot, int onDemand) =>
        g.Members.Count == spot + onDemand
        && g.Members.All(m => m.Status == WorkloadStatus.Running && !m.Draining)
        && g.Members.Count(m => m.Market == MarketNames.Spot) == spot
        && g.Members.Count(m => m.Market == MarketNames.OnDemand) == onDemand;

    private async Task<GroupDetails> WaitAsync(IGroupGrain group, string tenant, Func<GroupDetails, bool> condition, string because, Action<GroupDetails>? invariant = null)
    {
        GroupDetails? last = null;
        await Eventually.TrueAsync(async () =>
        {
            last = (await group.Get(tenant))!;
            invariant?.Invoke(last);
            return condition(last);
        }, Limit, because + (last is null ? "" : $" (members: {string.Join("; ", last.Members.Select(m => $"{m.WorkloadId} {m.Lifecycle}{(m.Fallback ? " fallback" : "")}{(m.Draining ? " draining" : "")} {m.Status} {m.Market} {m.InstanceType}"))})"));
        return last!;
    }

    [Fact]
    public async Task A_group_converges_to_its_target_with_the_spot_and_on_demand_split_and_says_why()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);

        var created = await group.Create(tenant, Spec(4, 1, 6, new GroupStrategy(Risk: 50)));

        Assert.Equal(GroupStatus.Active, created.Status);
        var done = await WaitAsync(group, tenant, g => Converged(g, 2, 2), "2 spot and 2 on-demand members run");
        Assert.All(done.Members, m => Assert.NotNull(m.Provider));
        Assert.All(done.Members, m => Assert.Equal(m.Lifecycle, m.Market));
        // The members are the tenant's workloads, tagged with the group; another tenant sees no group.
        var workload = (await cluster.Grains.GetGrain<IWorkloadGrain>(done.Members[0].WorkloadId).Get(tenant))!;
        Assert.Equal(group.GetPrimaryKeyString(), workload.Metadata["group_id"]);
        Assert.Null(await group.Get("someone-else"));
        Assert.Null(await group.Events("someone-else"));
        var events = (await group.Events(tenant))!;
        Assert.Equal("CREATED", events[0].Type);
        Assert.Contains("2 spot and 2 on-demand", events[0].Reason);
        Assert.Equal(4, events.Count(e => e.Type == "MEMBER_ADDED"));
        // A repeat of the create answers the same group, without new members.
        Assert.Equal(4, (await group.Create(tenant, Spec(4, 1, 6, new GroupStrategy(Risk: 50)))).Members.Count);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => group.Create(tenant, Spec(5, 1, 6)));

        // After an update (a higher maximum), a late retry of the original create and a create with the spec as it now
        // stands both answer the group as it is; any other spec is still refused.
        await group.Update(tenant, Spec(4, 1, 8, new GroupStrategy(Risk: 50)));
        Assert.Equal(8, (await group.Create(tenant, Spec(4, 1, 6, new GroupStrategy(Risk: 50)))).Spec.Capacity.Maximum);
        Assert.Equal(8, (await group.Create(tenant, Spec(4, 1, 8, new GroupStrategy(Risk: 50)))).Spec.Capacity.Maximum);
        await Assert.ThrowsAsync<IdempotencyConflictException>(() => group.Create(tenant, Spec(4, 1, 7, new GroupStrategy(Risk: 50))));
    }

    [Fact]
    public async Task Scaling_up_and_down_follows_the_termination_policy_and_never_passes_the_maximum()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var spec = Spec(2, 1, 5, new GroupStrategy(Risk: 0, TerminationPolicy: GroupTerminationPolicy.OldestInstance));
        await group.Create(tenant, spec);
        var first = await WaitAsync(group, tenant, g => Converged(g, 0, 2), "2 on-demand members run");
        var oldest = first.Members.Select(m => m.WorkloadId).ToHashSet();
        void NeverAboveMaximum(GroupDetails g) => Assert.True(g.Members.Count(m => m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed)) <= 5, "above the maximum");

        await group.Update(tenant, spec with { Capacity = new GroupCapacity(5, 1, 5) });
        var up = await WaitAsync(group, tenant, g => Converged(g, 0, 5), "5 members run after the scale up", NeverAboveMaximum);

        await group.Update(tenant, spec with { Capacity = new GroupCapacity(3, 1, 5) });
        var down = await WaitAsync(group, tenant, g => Converged(g, 0, 3), "3 members run after the scale down", NeverAboveMaximum);

        // The oldest two went first; the drained ones are terminated workloads.
        Assert.Empty(down.Members.Select(m => m.WorkloadId).Intersect(oldest));
        foreach (var id in oldest) Assert.Equal(WorkloadStatus.Terminated, (await cluster.Grains.GetGrain<IWorkloadGrain>(id).Get(tenant))!.Status);
        var events = (await group.Events(tenant))!;
        Assert.Contains(events, e => e.Type == "TARGET_CHANGED" && e.Reason.StartsWith("target 5 → 3", StringComparison.Ordinal));
        Assert.Equal(2, events.Count(e => e.Type == "MEMBER_DRAINING" && e.Reason.Contains("OldestInstance", StringComparison.Ordinal)));
        // A target above the maximum is refused, and changes nothing.
        var refused = await Assert.ThrowsAsync<PlacementValidationException>(() => group.Update(tenant, spec with { Capacity = new GroupCapacity(6, 1, 5) }));
        Assert.Equal("capacity.target", refused.Field);
        Assert.Equal(3, (await group.Get(tenant))!.Spec.Capacity.Target);

        // Deleting drains and terminates every member.
        Assert.True(await group.Delete(tenant));
        await WaitAsync(group, tenant, g => g.Status == GroupStatus.Deleted && g.Members.Count == 0, "the group is deleted");
        foreach (var m in down.Members) Assert.Equal(WorkloadStatus.Terminated, (await cluster.Grains.GetGrain<IWorkloadGrain>(m.WorkloadId).Get(tenant))!.Status);
    }

    [Fact]
    public async Task No_spot_market_holds_more_than_the_share_of_the_group()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(3);
        Assert.Equal(3, types.Count);

        await group.Create(tenant, Spec(6, 6, 6, new GroupStrategy(Risk: 100, AvailabilityVsCost: AvailabilityVsCost.CostOriented, MaxShareOfMarket: 0.34), types, types[0]));

        var done = await WaitAsync(group, tenant, g => Converged(g, 6, 0), "6 spot members run");
        // Cost-oriented would put all six on the cheapest type; the share caps each type (so each market) at 2 of 6.
        Assert.All(done.Members.GroupBy(m => m.InstanceType), t => Assert.Equal(2, t.Count()));
        Assert.All(done.Members.GroupBy(m => (m.Provider, m.Region, m.Zone, m.InstanceType)), market => Assert.True(market.Count() <= 2));
        Assert.All(done.Members, m => Assert.Single(m.AllowedTypes));
    }

    [Theory]
    [InlineData("minimum", "capacity.minimum")]
    [InlineData("maximum", "capacity.target")]
    [InlineData("type", "compute.spotTypes[1]")]
    [InlineData("od-type", "compute.onDemandType")]
    [InlineData("risk", "strategy.risk")]
    [InlineData("share", "strategy.maxShareOfMarket")]
    public async Task A_bad_spec_is_refused_naming_the_field_and_nothing_is_created(string what, string field)
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(1);
        var spec = what switch
        {
            "minimum" => Spec(2, 3, 5),
            "maximum" => Spec(6, 1, 5),
            "type" => Spec(2, 1, 5, spotTypes: [types[0], "x9.nonexistent"], onDemandType: types[0]),
            "od-type" => Spec(2, 1, 5, spotTypes: types, onDemandType: "x9.nonexistent"),
            "risk" => Spec(2, 1, 5, new GroupStrategy(Risk: 101)),
            _ => Spec(2, 1, 5, new GroupStrategy(MaxShareOfMarket: 0)),
        };

        var refused = await Assert.ThrowsAsync<PlacementValidationException>(() => group.Create(tenant, spec));

        Assert.Equal(field, refused.Field);
        Assert.Null(await group.Get(tenant));
    }

    /// <summary>The cheapest 2 vCPU / 4 GB spot options on the simulated AWS now, cheapest first, and its catalog (for the zone letter map).</summary>
    private (List<PlacementOption> Options, Arbitrage.Orleans.Clouds.Catalog.CloudCatalog Catalog) AwsSpotOptions()
    {
        var estimate = cluster.Services.GetRequiredService<IPlacementService>().Estimate(new PlacementRequirements(2, 4, Providers: ["sim-aws"], AllowOnDemand: false), 50);
        var aws = cluster.Services.GetRequiredService<ProviderRegistry>().Enabled.Single(p => p.Config.Name == "sim-aws").Adapter.Unwrap<SimulatedCloud>()!;
        return (estimate.Alternatives.Prepend(estimate.Recommended!).ToList(), aws.Catalog);
    }

    [Fact]
    public async Task A_group_given_an_AWS_zone_name_places_every_member_in_that_zones_id_and_an_unknown_zone_is_refused()
    {
        string tenant = await cluster.NewTenantAsync();
        // The zone of the cheapest AWS spot offer, named as an account names it (us-east-1 + its letter).
        var (options, catalog) = AwsSpotOptions();
        var cheapest = options[0];
        var zones = catalog.Regions.Single(r => r.Name == cheapest.Region).Zones;
        string name = $"{cheapest.Region}{(char)('a' + zones.ToList().IndexOf(cheapest.Zone))}";
        Assert.True(catalog.TryMapZoneLetter(cheapest.Region, name[^1], out var id) && id == cheapest.Zone);
        var spec = Spec(4, 1, 6, new GroupStrategy(Risk: 50)) is var s ? s with { Compute = s.Compute with { Zones = [name] } } : null!;
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);

        await group.Create(tenant, spec);

        var done = await WaitAsync(group, tenant, g => Converged(g, 2, 2), "2 spot and 2 on-demand members run in the zone asked");
        Assert.All(done.Members, m => Assert.Equal((cheapest.Provider, cheapest.Region, cheapest.Zone), (m.Provider, m.Region, m.Zone)));
        Assert.Equal(new[] { name }, (await group.Get(tenant))!.Spec.Compute.Zones);

        var elsewhere = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var refused = await Assert.ThrowsAsync<PlacementValidationException>(() => elsewhere.Create(tenant, spec with { Compute = spec.Compute with { Zones = [name, "mars-north-1a"] } }));
        Assert.Equal("compute.zones[1]", refused.Field);
        Assert.Contains("mars-north-1a", refused.Message);
        Assert.Null(await elsewhere.Get(tenant));
        Assert.Null(await cluster.Grains.GetGrain<IWorkloadGrain>(GroupGrain.MemberWorkloadId(elsewhere.GetPrimaryKeyString(), 0)).Get(tenant));
    }

    [Fact]
    public async Task Equal_az_distribution_spreads_the_spot_members_evenly_over_the_groups_zones()
    {
        string tenant = await cluster.NewTenantAsync();
        // Three zones of one AWS region, and two spot types offered in all three (the share caps each type at 3 of 6).
        var (options, _) = AwsSpotOptions();
        var region = options.GroupBy(o => o.Region).First(r => r.Select(o => o.Zone).Distinct().Count() >= 3);
        var zones = region.Select(o => o.Zone).Distinct().Take(3).ToList();
        var placement = cluster.Services.GetRequiredService<IPlacementService>();
        var inZones = placement.Estimate(new PlacementRequirements(2, 4, Providers: ["sim-aws"], AllowOnDemand: false, Zones: zones), 50);
        var types = inZones.Alternatives.Prepend(inZones.Recommended!).GroupBy(o => o.InstanceType)
            .Where(t => t.Select(o => o.Zone).Distinct().Count() == 3).Select(t => t.Key).Take(2).ToList();
        Assert.Equal(2, types.Count);
        var spec = Spec(6, 6, 6, new GroupStrategy(Risk: 100, AvailabilityVsCost: AvailabilityVsCost.EqualAzDistribution), types, types[0]) is var s
            ? s with { Compute = s.Compute with { Zones = zones } } : null!;
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);

        await group.Create(tenant, spec);

        var done = await WaitAsync(group, tenant, g => Converged(g, 6, 0), "6 spot members run");
        Assert.Equal(zones.Order(), done.Members.Select(m => m.Zone!).Distinct().Order());
        Assert.All(done.Members.GroupBy(m => m.Zone), z => Assert.Equal(2, z.Count()));
        Assert.All(done.Members.GroupBy(m => m.InstanceType), t => Assert.True(t.Count() <= 3));
        Assert.Contains((await group.Events(tenant))!, e => e.Type == "MEMBER_ADDED" && e.Reason.Contains("equalAzDistribution"));
    }

    /// <summary>The weight a group counts: its members in flight or running, not draining, each by its type's weight.</summary>
    private static int CountedWeight(GroupDetails g) => g.Active.Sum(m => g.Spec.MemberWeight(m.Lifecycle, m.AllowedTypes));

    private static GroupSpec WeightSpec(int target, int max, IReadOnlyList<string> types, IReadOnlyDictionary<string, int> weights, GroupStrategy? strategy = null) =>
        new("weighed", new GroupCapacity(target, 0, max, GroupCapacityUnit.Weight), strategy ?? new GroupStrategy(),
            new GroupCompute(new WorkloadConfig("ami-0123456789abcdef0"), types[0], types, Weights: weights));

    [Fact]
    public async Task A_weight_group_converges_to_its_target_in_weight_units_never_passes_its_maximum_and_drains_by_weight()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(2);
        Assert.Equal(2, types.Count);
        var weights = new Dictionary<string, int> { [types[0]] = 2, [types[1]] = 4 };
        const int maximum = 11;
        void NeverAboveMaximum(GroupDetails g)
        {
            int occupied = g.Members.Where(m => m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed)).Sum(m => g.Spec.MemberWeight(m.Lifecycle, m.AllowedTypes));
            Assert.True(occupied <= maximum, $"the occupied weight {occupied} passes the maximum {maximum}");
        }

        var spec = WeightSpec(8, maximum, types, weights, new GroupStrategy(Risk: 100, TerminationPolicy: GroupTerminationPolicy.NewestInstance));
        await group.Create(tenant, spec);

        // 8 units: at least the target, overshooting by less than the heaviest member; each spot type holds at most half (4 units).
        var done = await WaitAsync(group, tenant, g => CountedWeight(g) >= 8 && g.Members.All(m => m.Status == WorkloadStatus.Running && !m.Draining),
            "members worth 8 weight units run", NeverAboveMaximum);
        Assert.InRange(CountedWeight(done), 8, 8 + 4 - 1);
        Assert.All(done.Members, m => Assert.Equal(weights[m.InstanceType!], done.Spec.MemberWeight(m.Lifecycle, m.AllowedTypes)));
        Assert.All(done.Members.GroupBy(m => m.InstanceType!), t => Assert.True(t.Count() * weights[t.Key] <= 4, $"{t.Key} holds more than 4 units"));
        Assert.Contains((await group.Events(tenant))!, e => e.Type == "MEMBER_ADDED" && e.Reason.Contains("(weight 4)", StringComparison.Ordinal));

        // Scaling down to 4 units drains by weight: what stays still holds 4 units, and no member could go without taking it below.
        await group.Update(tenant, spec with { Capacity = spec.Capacity with { Target = 4 } });
        var down = await WaitAsync(group, tenant, g => g.Members.All(m => m.Status == WorkloadStatus.Running && !m.Draining) && CountedWeight(g) < 8,
            "the group drained to 4 weight units", NeverAboveMaximum);
        int left = CountedWeight(down);
        Assert.True(left >= 4 && left - down.Members.Min(m => down.Spec.MemberWeight(m.Lifecycle, m.AllowedTypes)) < 4, $"{left} weight units are left");
        Assert.Contains((await group.Events(tenant))!, e => e.Type == "MEMBER_DRAINING" && e.Reason.Contains("4 spot weight units", StringComparison.Ordinal));

        // A member that would pass the maximum is not launched, and the group says so.
        await group.Update(tenant, spec with { Capacity = spec.Capacity with { Target = maximum } });
        var full = await WaitAsync(group, tenant, g => g.Members.All(m => m.Status == WorkloadStatus.Running && !m.Draining) && CountedWeight(g) >= maximum - 1,
            "the group grew to its maximum", NeverAboveMaximum);
        if (CountedWeight(full) < maximum)
        {
            await Eventually.TrueAsync(async () => (await group.Events(tenant))!.Any(e => e.Type == "AT_MAXIMUM" && e.Reason.Contains("capacity.maximum 11", StringComparison.Ordinal)),
                Limit, "the group says a member would pass the maximum");
        }
    }

    [Fact]
    public async Task A_weight_group_says_when_a_member_would_pass_its_maximum_and_does_not_launch_it()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(1);

        // On-demand members of weight 4 toward a target of 6 with a maximum of 7: one runs, a second would make 8.
        await group.Create(tenant, WeightSpec(6, 7, types, new Dictionary<string, int> { [types[0]] = 4 }, new GroupStrategy(Risk: 0)));

        await Eventually.TrueAsync(async () => (await group.Events(tenant))!.Any(e => e.Type == "AT_MAXIMUM"), Limit, "the group says the maximum holds");
        var g = await WaitAsync(group, tenant, g => g.Members.Count == 1 && g.Members[0].Status == WorkloadStatus.Running, "one member of weight 4 runs");
        Assert.Equal(4, CountedWeight(g));
        var events = (await group.Events(tenant))!;
        var said = Assert.Single(events, e => e.Type == "AT_MAXIMUM");
        Assert.Contains("would be 8, above capacity.maximum 7", said.Reason);
        Assert.Single(events, e => e.Type == "MEMBER_ADDED");
    }

    [Fact]
    public async Task A_weight_group_falls_back_to_on_demand_by_weight_and_reverts_to_spot_within_its_maximum()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(2);
        var weights = new Dictionary<string, int> { [types[0]] = 2, [types[1]] = 4 };
        const int maximum = 12;
        void Holds(GroupDetails g)
        {
            int occupied = g.Members.Where(m => m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed)).Sum(m => g.Spec.MemberWeight(m.Lifecycle, m.AllowedTypes));
            Assert.True(occupied <= maximum, $"the occupied weight {occupied} passes the maximum {maximum}");
        }

        var clouds = cluster.Services.GetRequiredService<ProviderRegistry>().Enabled.Select(p => p.Adapter.Unwrap<SimulatedCloud>()).OfType<SimulatedCloud>().ToList();
        try
        {
            // No spot anywhere: the 6 units are served by on-demand fallbacks of the on-demand type's weight (2).
            foreach (var cloud in clouds) cloud.SetSpotCapacity(false);
            await group.Create(tenant, WeightSpec(6, maximum, types, weights, new GroupStrategy(Risk: 100, FallbackToOd: true, RevertToSpot: RevertToSpot.Always)));
            var fellBack = await WaitAsync(group, tenant, g => g.Active.Count(m => m.Fallback && m.Status == WorkloadStatus.Running) == 3 && CountedWeight(g) == 6,
                "three on-demand fallbacks of weight 2 serve the 6 units", Holds);
            Assert.All(fellBack.Active, m => Assert.Equal(MarketNames.OnDemand, m.Market));
        }
        finally
        {
            foreach (var cloud in clouds) cloud.SetSpotCapacity(null);
        }

        // Spot is back: spot members worth the fallbacks' weight launch first, then the fallbacks drain.
        var after = await WaitAsync(group, tenant, g => g.Members.All(m => !m.Fallback && !m.Draining && m.Status == WorkloadStatus.Running && m.Market == MarketNames.Spot)
            && CountedWeight(g) >= 6, "the group reverted to spot worth 6 units", Holds);
        Assert.InRange(CountedWeight(after), 6, 6 + 4 - 1);
        var events = (await group.Events(tenant))!;
        Assert.Equal(3, events.Count(e => e.Type == "FALLBACK_TO_OD"));
        Assert.Contains(events, e => e.Type == "REVERTED_TO_SPOT");
    }

    [Theory]
    [InlineData("zero", "compute.weights[{0}]")]
    [InlineData("stranger", "compute.weights[m9.stranger]")]
    [InlineData("missing", "compute.weights")]
    [InlineData("requirements", "capacity.unit")]
    public async Task Bad_weights_are_refused_naming_the_field_and_nothing_is_created(string what, string field)
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        var types = cluster.SpotTypes(2);
        var spec = what switch
        {
            "zero" => WeightSpec(4, 8, types, new Dictionary<string, int> { [types[0]] = 0, [types[1]] = 2 }),
            "stranger" => WeightSpec(4, 8, types, new Dictionary<string, int> { [types[0]] = 1, [types[1]] = 2, ["m9.stranger"] = 2 }),
            "missing" => WeightSpec(4, 8, types, new Dictionary<string, int> { [types[0]] = 1 }),
            _ => Spec(4, 0, 8) with { Capacity = new GroupCapacity(4, 0, 8, GroupCapacityUnit.Weight) },
        };

        var refused = await Assert.ThrowsAsync<PlacementValidationException>(() => group.Create(tenant, spec));

        Assert.Equal(string.Format(field, types[0]), refused.Field);
        Assert.Null(await group.Get(tenant));
    }

    [Fact]
    public async Task The_storm_a_group_of_20_holds_its_target_through_interruptions_a_lost_zone_and_a_spot_outage_and_reverts_to_spot()
    {
        string tenant = await cluster.NewTenantAsync();
        var group = cluster.Grains.GetGrain<IGroupGrain>($"sig-{Guid.NewGuid():N}"[..16]);
        const int target = 20, maximum = 30;
        await group.Create(tenant, Spec(target, 10, maximum, new GroupStrategy(Risk: 100, FallbackToOd: true, RevertToSpot: RevertToSpot.Always)));
        var simulation = cluster.Services.GetRequiredService<ISimulationControl>();
        var clouds = cluster.Services.GetRequiredService<ProviderRegistry>().Enabled.Select(p => (p.Config.Name, Cloud: p.Adapter.Unwrap<SimulatedCloud>()))
            .Where(c => c.Cloud is not null).ToDictionary(c => c.Name, c => c.Cloud!);
        bool spotShort = false;
        int mostFallbacks = 0;

        // Every observation: the size never drops below the target (members in flight count), nothing passes the
        // maximum, and an on-demand fallback exists only once spot is short.
        void Holds(GroupDetails g)
        {
            var alive = g.Members.Where(m => m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed)).ToList();
            Assert.True(alive.Count <= maximum, $"{alive.Count} members pass the maximum {maximum}");
            Assert.True(alive.Count(m => !m.Draining && m.Status != WorkloadStatus.Stopping) >= target, "the group dropped below its target");
            int fallbacks = alive.Count(m => m.Fallback && !m.Draining);
            if (!spotShort) Assert.Equal(0, fallbacks);
            mostFallbacks = Math.Max(mostFallbacks, fallbacks);
        }

        var calm = await WaitAsync(group, tenant, g => Converged(g, target, 0), "20 spot members run", Holds);
        Assert.All(calm.Members.GroupBy(m => m.InstanceType), t => Assert.True(t.Count() <= 10, "a spot type holds more than half the group"));

        // (a) The cheapest market's instances are interrupted: each member moves (make before break), still on spot.
        var cheapest = calm.Members.GroupBy(m => (m.Provider, m.Region, m.Zone, m.InstanceType)).OrderBy(g => g.Min(m => m.PricePerHour)).First();
        var hit = cheapest.Select(m => m.WorkloadId).ToHashSet();
        foreach (var m in cheapest) Assert.True(await simulation.TryInterrupt(m.Provider!, (await Placement(m.WorkloadId, tenant)).InstanceId));
        await WaitAsync(group, tenant, g => Converged(g, target, 0) && g.Members.Where(m => hit.Contains(m.WorkloadId)).All(m => m.Zone != cheapest.Key.Zone || m.Provider != cheapest.Key.Provider || m.InstanceType != cheapest.Key.InstanceType),
            "the interrupted members run on spot elsewhere", Holds);

        // (b) A zone runs out of capacity (every type), and its instances are taken back: they move to other zones.
        var before = (await group.Get(tenant))!;
        var zone = before.Members.GroupBy(m => (m.Provider, m.Region, m.Zone)).OrderByDescending(g => g.Count()).First();
        foreach (var type in before.Members.Select(m => m.InstanceType!).Distinct()) clouds[zone.Key.Provider!].SetCapacity(zone.Key.Region!, zone.Key.Zone!, type, false);
        foreach (var m in zone) await simulation.TryInterrupt(m.Provider!, (await Placement(m.WorkloadId, tenant)).InstanceId);
        await WaitAsync(group, tenant, g => Converged(g, target, 0) && g.Members.All(m => m.Zone != zone.Key.Zone || m.Provider != zone.Key.Provider),
            "the lost zone's members run on spot in other zones", Holds);

        // … then spot runs out everywhere while the interruptions go on: the group falls back to on-demand and keeps its size.
        spotShort = true;
        foreach (var cloud in clouds.Values) cloud.SetSpotCapacity(false);
        var stormy = (await group.Get(tenant))!;
        foreach (var m in stormy.Members.Take(8)) await simulation.TryInterrupt(m.Provider!, (await Placement(m.WorkloadId, tenant)).InstanceId);
        await WaitAsync(group, tenant, g => g.Members.Count(m => m.Fallback && m.Status == WorkloadStatus.Running && m.Market == MarketNames.OnDemand) == 8
            && g.Active.Count() == target, "8 on-demand fallbacks run in place of the lost spot members", Holds);

        // (c) Spot comes back: fallbacks are replaced by spot (launched first, then the fallback drains).
        foreach (var cloud in clouds.Values) cloud.SetSpotCapacity(null);
        foreach (var type in before.Members.Select(m => m.InstanceType!).Distinct()) clouds[zone.Key.Provider!].SetCapacity(zone.Key.Region!, zone.Key.Zone!, type, true);
        var after = await WaitAsync(group, tenant, g => Converged(g, target, 0) && g.Members.All(m => !m.Fallback), "the group reverted to 20 spot members", g =>
        {
            var alive = g.Members.Where(m => m.Status is not (WorkloadStatus.Terminated or WorkloadStatus.Failed)).ToList();
            Assert.True(alive.Count <= maximum, $"{alive.Count} members pass the maximum {maximum}");
            Assert.True(alive.Count(m => !m.Draining && m.Status != WorkloadStatus.Stopping) >= target, "the group dropped below its target");
        });
        Assert.Equal(8, mostFallbacks);
        var events = (await group.Events(tenant))!;
        Assert.Contains(events, e => e.Type == "SPOT_UNAVAILABLE");
        Assert.Equal(8, events.Count(e => e.Type == "FALLBACK_TO_OD"));
        Assert.Equal(8, events.Count(e => e.Type == "REVERTED_TO_SPOT"));
        Assert.All(after.Members.GroupBy(m => (m.Provider, m.Region, m.Zone, m.InstanceType)), market => Assert.True(market.Count() <= 10));
    }

    private async Task<WorkloadPlacement> Placement(string workloadId, string tenant) =>
        (await cluster.Grains.GetGrain<IWorkloadGrain>(workloadId).Get(tenant))!.Placement!;
}
