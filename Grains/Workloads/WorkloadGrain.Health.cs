using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Grains.Workloads;

public sealed partial class WorkloadGrain
{
    public async Task OnInterruption(InstanceInterruption notice)
    {
        if (!state.RecordExists || S.IsTerminal || S.Status == WorkloadStatus.Stopping) return;
        if (S.Current is not { } current || current.InstanceId != notice.InstanceId || current.Provider != notice.Provider) return;
        AddEvent("INTERRUPTION_NOTICE", null, null, $"{notice.Provider} reclaims {notice.InstanceId} at {notice.TerminationAt:u}: {notice.Reason}", notice.NoticedAt);
        await ReplaceAsync(WorkloadReasons.SpotInterruption, $"{notice.Provider} reclaims {notice.InstanceId} at {notice.TerminationAt:u}", notice.TerminationAt, CancellationToken.None);
    }

    /// <summary>
    /// Runs the workload's health check on its instance. Booting: the first pass makes it RUNNING, and an instance
    /// that does not pass within BootTimeout is replaced. Running: UnhealthyThreshold failures in a row replace it.
    /// An instance the cloud no longer runs is replaced at once. While the provider's API itself fails (unavailable,
    /// throttled, or paused after repeated errors) nothing is counted against the instance: it is kept, and the
    /// workload says so once (PROVIDER_UNREACHABLE, then PROVIDER_REACHABLE); billing goes on.
    /// </summary>
    private async Task CheckHealthAsync(CancellationToken cancellationToken)
    {
        var current = S.Current!;
        var adapter = providers.Find(current.Provider)?.Adapter;
        InstanceHealth health;
        Gone? gone;
        try
        {
            try
            {
                health = adapter is null ? InstanceHealth.Unhealthy
                    : await adapter.CheckHealthAsync(current.InstanceId, S.Spec!.Config.HealthCheckPort, S.Spec.Config.HealthCheckPath, cancellationToken);
            }
            catch (CloudException e) when (e.Code == CloudErrorCode.NotFound)
            {
                health = InstanceHealth.Unhealthy;
            }

            // The describe tells a failing instance from a failing provider: it throws when the provider's API fails.
            gone = health != InstanceHealth.Healthy ? await GoneAsync(adapter, current.InstanceId, cancellationToken) : null;
        }
        catch (CloudException e) when (IsProviderFailure(e))
        {
            await ProviderUnreachableAsync(current, e);
            return;
        }

        await ProviderReachableAsync(current);
        if (gone is not null)
        {
            // A spot instance that its cloud still knows as ended, and that the product did not stop, was taken back:
            // an interruption whose notice the health check beat (Azure evictions and GCP preemptions are seen by
            // polling, so either can come first). An instance the cloud does not know at all is lost.
            if (current.Market == MarketNames.Spot && gone.Instance is not null)
            {
                await ReplaceAsync(WorkloadReasons.SpotInterruption, $"{current.Provider} reclaimed the spot instance {current.InstanceId} ({gone.Instance.StateReason ?? gone.Instance.State.ToString()}; found before its notice)", null, cancellationToken);
            }
            else
            {
                await ReplaceAsync(WorkloadReasons.InstanceLost, $"{current.Provider} no longer runs {current.InstanceId}", null, cancellationToken);
            }

            return;
        }

        switch (health)
        {
            case InstanceHealth.Healthy:
                S.FailedHealthChecks = 0;
                if (S.Health == EndpointHealth.Healthy && S.Status == WorkloadStatus.Running) return;
                S.Health = EndpointHealth.Healthy;
                S.StartedAt ??= Now;
                SetStatus(WorkloadStatus.Running, $"healthy on {current.InstanceId} ({current.InstanceType} in {current.Zone}, {current.Provider})");
                await state.WriteStateAsync();
                break;
            case InstanceHealth.Unknown when Now - current.Start <= O.BootTimeout:
                break; // still booting: nothing to count yet
            case InstanceHealth.Unknown:
                await ReplaceAsync(WorkloadReasons.HealthCheckFailed, $"{current.InstanceId} did not pass its health check within {O.BootTimeout}", null, cancellationToken);
                break;
            default:
                S.FailedHealthChecks++;
                bool changed = S.Health != EndpointHealth.Unhealthy;
                S.Health = EndpointHealth.Unhealthy;
                if (S.FailedHealthChecks >= O.UnhealthyThreshold)
                {
                    await ReplaceAsync(WorkloadReasons.HealthCheckFailed,
                        $"{current.InstanceId} failed {S.FailedHealthChecks} health checks in a row (GET {S.Spec!.Config.HealthCheckPath} on port {S.Spec.Config.HealthCheckPort})", null, cancellationToken);
                }
                else if (changed)
                {
                    AddEvent("HEALTH_CHECK_FAILED", null, null, $"{current.InstanceId} failed its health check ({S.FailedHealthChecks} of {O.UnhealthyThreshold})");
                    await state.WriteStateAsync();
                }

                break;
        }
    }

    /// <summary>The provider's API failing, rather than the instance: unavailable (garbage, timeouts, paused calls) or throttled.</summary>
    private static bool IsProviderFailure(CloudException e) => e.Code is CloudErrorCode.Unavailable or CloudErrorCode.Throttled;

    private async Task ProviderUnreachableAsync(WorkloadPlacement current, CloudException e)
    {
        if (S.ProviderUnreachableSince is not null) return;
        S.ProviderUnreachableSince = Now;
        AddEvent("PROVIDER_UNREACHABLE", null, null, $"{current.Provider} does not answer the health check of {current.InstanceId} ({e.Code}: {e.Message}); the instance is kept and billed until the provider answers");
        await state.WriteStateAsync();
    }

    private async Task ProviderReachableAsync(WorkloadPlacement current)
    {
        if (S.ProviderUnreachableSince is not { } since) return;
        S.ProviderUnreachableSince = null;
        AddEvent("PROVIDER_REACHABLE", null, null, $"{current.Provider} answers again after {(Now - since).TotalSeconds:0} s");
        await state.WriteStateAsync();
    }

    /// <summary>Null while the instance runs; otherwise how it is gone (<see cref="Gone.Instance"/> null when the cloud does not know it).</summary>
    private static async Task<Gone?> GoneAsync(ICloudAdapter? adapter, string instanceId, CancellationToken cancellationToken)
    {
        if (adapter is null) return new Gone(null);
        var instance = await adapter.DescribeInstanceAsync(instanceId, cancellationToken);
        return instance is null or { State: InstanceState.Terminated or InstanceState.ShuttingDown } ? new Gone(instance) : null;
    }

    private sealed record Gone(CloudInstance? Instance);

    /// <summary>
    /// Terminates instances being let go once the replacement is healthy or their time is up, and charges each for the
    /// time it ran (until it was terminated, or until its cloud took it back at <see cref="RetiringInstance.TerminateBy"/>).
    /// </summary>
    private async Task RetireAsync(CancellationToken cancellationToken)
    {
        if (S.Retiring.Count == 0) return;
        var due = S.Retiring.Where(r => S.Health == EndpointHealth.Healthy || Now >= r.TerminateBy).ToList();
        if (due.Count == 0) return;
        bool overdrawn = false;
        foreach (var retiring in due)
        {
            overdrawn |= await RetireOneAsync(retiring, cancellationToken);
            S.Retiring.Remove(retiring);
        }

        if (overdrawn && S.Current is { } current)
        {
            await StopUnpaidAsync(current, WorkloadReasons.OverdraftLimit, $"the last charge took wallet '{S.ProjectId}' past its overdraft; top it up and start the workload again", cancellationToken);
            return;
        }

        await state.WriteStateAsync();
    }

    private async Task RetireAllAsync(CancellationToken cancellationToken)
    {
        foreach (var retiring in S.Retiring) await RetireOneAsync(retiring, cancellationToken);
        S.Retiring.Clear();
    }

    /// <summary>Terminates one retiring instance and commits its billing segment; true when that charge took the wallet past its overdraft.</summary>
    private async Task<bool> RetireOneAsync(RetiringInstance retiring, CancellationToken cancellationToken)
    {
        await TerminateInstanceAsync(retiring.Provider, retiring.InstanceId, cancellationToken);
        return retiring.Billing is { } segment && await CommitSegmentAsync(segment, BilledUntil(retiring));
    }
}
