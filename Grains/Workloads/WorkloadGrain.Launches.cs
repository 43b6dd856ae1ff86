using System.Security.Cryptography;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// Launches that survive a crash: a launch is recorded as an intent before the cloud is called, and every instance
/// carries the product's tags (workload, cluster, intent). An intent still recorded after a restart is resolved from
/// the instances the clouds run with its tag: the first is adopted when the workload has none, any other is
/// terminated, and the events say which. The <see cref="OrphanReconciler"/> asks <see cref="OwnsInstance"/> about
/// every tagged instance it finds.
/// </summary>
public sealed partial class WorkloadGrain
{
    /// <summary>The tag naming the cluster (its service id) that launched an instance.</summary>
    public const string ClusterTag = "arbitrage:cluster";

    /// <summary>The tag naming the launch intent an instance was launched by.</summary>
    public const string IntentTag = "arbitrage:intent";

    /// <summary>The tag naming the tenant that owns an instance (for the cloud account's own cost reports).</summary>
    public const string TenantTag = "arbitrage:tenant";

    private string ServiceId => ServiceProvider.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;

    private Dictionary<string, string> ProductTags(string intentId) => new() { [WorkloadTag] = Id, [ClusterTag] = ServiceId, [IntentTag] = intentId, [TenantTag] = S.TenantId };

    /// <summary>Writes the intent to launch on <paramref name="candidates"/> (in order) before any cloud is called.</summary>
    private async Task<LaunchIntent> RecordLaunchIntentAsync(IReadOnlyList<PlacementOption> candidates)
    {
        string intentId = $"{Id}-{S.PlacementsStarted}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        var intent = new LaunchIntent(intentId, Now,
            candidates.Select((o, i) => new LaunchTarget(o.Provider, o.Region, o.Zone, o.InstanceType, o.Market, $"{intentId}-{i}")).ToList());
        S.Launching = intent;
        await state.WriteStateAsync();
        return intent;
    }

    /// <summary>
    /// Resolves an intent left by a crash between a launch and its record: adopts the first instance it launched when
    /// the workload needs one (placing, not stopping), terminates the others.
    /// </summary>
    private async Task ResolveLaunchIntentAsync(CancellationToken cancellationToken)
    {
        var intent = S.Launching!;
        var found = new List<(string Provider, CloudInstance Instance)>();
        foreach (var name in intent.Targets.Select(t => t.Provider).Distinct())
        {
            if (providers.Find(name) is not { } provider) continue;
            var tagged = await provider.Adapter.ListTaggedInstancesAsync(new Dictionary<string, string> { [WorkloadTag] = Id, [IntentTag] = intent.Id }, cancellationToken);
            found.AddRange(tagged.Select(i => (provider.Config.Name, i)));
        }

        bool wantsOne = S.Current is null && S.Status is WorkloadStatus.Pending or WorkloadStatus.Provisioning or WorkloadStatus.Running;
        foreach (var (provider, instance) in found)
        {
            if (wantsOne && await AdoptAsync(intent, provider, instance))
            {
                wantsOne = false;
                continue;
            }

            await providers.Get(provider).Adapter.TerminateAsync(instance.InstanceId, cancellationToken);
            AddEvent("ORPHAN_TERMINATED", null, null, $"{instance.InstanceId} on {provider} was launched (intent {intent.Id}) before a restart and is not used; terminated");
        }

        S.Launching = null;
        await state.WriteStateAsync();
    }

    /// <summary>Makes <paramref name="instance"/> the current placement, billed from its launch; false when it cannot be paid for.</summary>
    private async Task<bool> AdoptAsync(LaunchIntent intent, string provider, CloudInstance instance)
    {
        if (S.Billing is null)
        {
            if (await ReserveAsync(Money.RoundUp(instance.PricePerHour * (decimal)O.BillingPeriod.TotalHours)) is not { } segment) return false;
            S.Billing = segment;
        }

        var target = intent.Targets.FirstOrDefault(t => t.Provider == provider && t.Zone == instance.Zone && t.InstanceType == instance.InstanceType);
        S.Placements.Add(new WorkloadPlacement(provider, providers.Get(provider).Config.Cloud.ToString().ToLowerInvariant(), instance.Region, instance.Zone, instance.InstanceType,
            target?.Market ?? (instance.Market == Clouds.Market.Spot ? MarketNames.Spot : MarketNames.OnDemand), instance.PricePerHour, instance.InstanceId, instance.LaunchedAt,
            Reason: $"adopted after a restart: launched by intent {intent.Id} before the launch was recorded"));
        S.FailedHealthChecks = 0;
        S.Health = EndpointHealth.Unknown;
        // The cloud bills from the launch: so does the workload.
        S.Billing = S.Billing! with { PricePerHour = instance.PricePerHour, From = instance.LaunchedAt };
        AddEvent("INSTANCE_ADOPTED", null, null, $"{instance.InstanceId} on {provider} was launched at {instance.LaunchedAt:u} (intent {intent.Id}) before a restart; the workload runs on it");
        SetStatus(WorkloadStatus.Provisioning, $"booting {instance.InstanceId} ({instance.InstanceType} in {instance.Zone}, {provider}), adopted after a restart");
        S.Attempts = 0;
        S.NextAttemptAt = null;
        return true;
    }

    public Task<bool> OwnsInstance(string provider, string instanceId, string? intentId) =>
        Task.FromResult(state.RecordExists && !S.IsTerminal && (
            S.Current is { } current && current.InstanceId == instanceId && current.Provider == provider
            || S.Retiring.Any(r => r.InstanceId == instanceId && r.Provider == provider)
            || intentId is not null && S.Launching?.Id == intentId));

    public async Task RecordOrphanTerminated(string provider, string instanceId, string reason)
    {
        if (!state.RecordExists) return;
        AddEvent("ORPHAN_TERMINATED", null, null, $"{instanceId} on {provider} carried this workload's tags but is not its instance ({reason}); terminated");
        await state.WriteStateAsync();
        LogOrphanTerminated(Id, instanceId, provider, reason);
    }

    [LoggerMessage(EventId = 6214, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: orphan {InstanceId} on {Provider} terminated ({Reason})")]
    private partial void LogOrphanTerminated(string workloadId, string instanceId, string provider, string reason);
}
