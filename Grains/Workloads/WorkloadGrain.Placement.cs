using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>A launch that succeeded: the offer, its provider, the instance, and when the launch call was made.</summary>
internal sealed record LaunchResult(PlacementOption Option, string Provider, CloudInstance Instance, DateTimeOffset LaunchCalledAt);

public sealed partial class WorkloadGrain
{
    public const string WorkloadTag = "arbitrage:workload";

    /// <summary>Places a workload that has no instance: ranks offers, reserves the first hour of credit, launches the best that has capacity.</summary>
    private async Task PlaceAsync(CancellationToken cancellationToken)
    {
        List<PlacementOption> candidates;
        try
        {
            candidates = Candidates(exclude: null, out var rejections);
            if (candidates.Count == 0)
            {
                await WaitAsync(WorkloadReasons.NoMatchingOffer, rejections);
                return;
            }
        }
        catch (PlacementValidationException e)
        {
            await FinishAsync(WorkloadStatus.Failed, $"INVALID_REQUIREMENTS: {e.Message}");
            return;
        }

        if (S.Billing is null)
        {
            decimal amount = Money.RoundUp(candidates.Max(c => c.PricePerHour) * (decimal)O.BillingPeriod.TotalHours);
            if (await ReserveAsync(amount) is not { } segment) return;
            S.Billing = segment;
            SetStatus(WorkloadStatus.Provisioning, $"reserved {amount} USD for the first {O.BillingPeriod.TotalHours:0.##} h; launching on the best of {candidates.Count} offers");
        }

        // The reservation is written with the launch intent, before the cloud is called: after a crash in between, the
        // intent finds the instance by its tags (adopted, see ResolveLaunchIntentAsync) and the reservation is the same.
        var launched = await LaunchFirstAsync(candidates, cancellationToken);
        if (launched.Result is not { } result)
        {
            await ReleaseBillingAsync("no offer had capacity");
            await WaitAsync(WorkloadReasons.NoCapacity, launched.Failures);
            return;
        }

        StartPlacement(result, result.Option.Reason);
        S.Billing = S.Billing! with { PricePerHour = result.Instance.PricePerHour, From = Now };
        SetStatus(WorkloadStatus.Provisioning, $"booting {result.Instance.InstanceId} ({result.Option.InstanceType} in {result.Option.Zone}, {result.Provider})");
        S.Attempts = 0;
        S.NextAttemptAt = null;
        await state.WriteStateAsync();
    }

    /// <summary>
    /// Moves the workload off its current instance: launches on the next best offer first (make before break), then
    /// ends the old placement, either at once or (after an interruption notice) when the replacement is healthy or
    /// the cloud takes the old instance back, whichever is first.
    /// </summary>
    private async Task ReplaceAsync(string code, string detail, DateTimeOffset? keepOldUntil, CancellationToken cancellationToken)
    {
        var old = S.Current!;
        var candidates = Candidates(exclude: old, out var rejections);
        var launched = candidates.Count == 0 ? (Result: null, Failures: rejections) : await LaunchFirstAsync(candidates, cancellationToken);
        await MoveAsync(old, launched, code, detail, keepOldUntil, cancellationToken);
    }

    /// <summary>
    /// Ends the current placement for what was launched in its place (or, when nothing was, waits in PENDING). An old
    /// instance kept until <paramref name="keepOldUntil"/> takes its billing segment with it: it is charged until it is
    /// terminated, and the replacement from its launch.
    /// </summary>
    private async Task MoveAsync(WorkloadPlacement old, (LaunchResult? Result, string Failures) launched, string code, string detail,
        DateTimeOffset? keepOldUntil, CancellationToken cancellationToken)
    {
        if (launched.Result is { } replacement)
        {
            AddEvent("REPLACEMENT_LAUNCHED", null, null,
                $"{replacement.Instance.InstanceId} on {replacement.Provider} {replacement.Option.InstanceType} in {replacement.Option.Zone} replaces {old.InstanceId} ({code})", replacement.LaunchCalledAt);
        }

        EndPlacement(code);
        bool overdrawn = false;
        if (keepOldUntil is { } until)
        {
            S.Retiring.Add(new RetiringInstance(old.Provider, old.InstanceId, until, S.Billing));
            S.Billing = null;
        }
        else
        {
            await TerminateInstanceAsync(old.Provider, old.InstanceId, cancellationToken);
            overdrawn = await CloseBillingAsync();
        }

        if (launched.Result is not { } result)
        {
            LogNoReplacement(Id, old.InstanceId, code);
            await WaitAsync(WorkloadReasons.NoCapacity, $"{code}: {detail}; no replacement could be launched: {launched.Failures}");
            return;
        }

        StartPlacement(result, $"replaces {old.InstanceId} after {code}; {result.Option.Reason}");
        if (overdrawn)
        {
            await StopUnpaidAsync(S.Current!, WorkloadReasons.OverdraftLimit, $"the last charge took wallet '{S.ProjectId}' past its overdraft; top it up and start the workload again", cancellationToken);
            return;
        }

        if (await ReserveAsync(Money.RoundUp(result.Instance.PricePerHour * (decimal)O.BillingPeriod.TotalHours)) is not { } segment)
        {
            await StopUnpaidAsync(S.Current!, _creditRefusal.Code, $"wallet '{S.ProjectId}' cannot pay for the replacement's first hour ({_creditRefusal.Message})", cancellationToken);
            return;
        }

        S.Billing = segment with { PricePerHour = result.Instance.PricePerHour, From = Now };
        bool stillServing = keepOldUntil is not null && S.Status == WorkloadStatus.Running;
        SetStatus(stillServing ? WorkloadStatus.Running : WorkloadStatus.Provisioning,
            $"moved after {code}: {detail}; {result.Instance.InstanceId} is booting{(stillServing ? $", {old.InstanceId} serves until then" : "")}");
        await state.WriteStateAsync();
    }

    /// <summary>The ranked offers to try, without the market given in <paramref name="exclude"/>; why there are none otherwise.</summary>
    private List<PlacementOption> Candidates(WorkloadPlacement? exclude, out string rejections)
    {
        // Only providers that may launch (not mode: read-only) are candidates; read-only ones still price the estimate API.
        var requirements = S.Spec!.Requirements;
        // … and not those whose cloud keeps failing (their circuit is open on this silo): the next attempt looks again.
        var launchable = providers.Enabled
            .Where(p => p.Adapter.LaunchApis.Count > 0 && p.Adapter.Unwrap<ResilientCloudAdapter>()?.Available != false)
            .Select(p => p.Config.Name).ToList();
        var allowed = requirements.Providers is { Count: > 0 } wanted ? wanted.Intersect(launchable, StringComparer.OrdinalIgnoreCase).ToList() : launchable;
        if (allowed.Count == 0)
        {
            var readOnly = providers.Enabled.Where(p => p.Adapter.LaunchApis.Count == 0).Select(p => p.Config.Name).ToList();
            var failing = providers.Enabled.Where(p => p.Adapter.Unwrap<ResilientCloudAdapter>()?.Available == false).Select(p => p.Config.Name).ToList();
            rejections = string.Join("; ", new[]
            {
                readOnly.Count > 0 ? $"{string.Join(", ", readOnly)} {(readOnly.Count == 1 ? "is" : "are")} read-only (mode: read-only in the providers file)" : null,
                failing.Count > 0 ? $"{string.Join(", ", failing)} {(failing.Count == 1 ? "is" : "are")} failing (calls paused after repeated errors)" : null,
            }.Where(r => r is not null));
            rejections = rejections.Length > 0 ? "no provider here may launch now: " + rejections : "none of the requested providers is enabled here";
            return [];
        }

        // Narrow the request only when some provider is passed by: the estimate cache keys on the requirements.
        bool narrowed = requirements.Providers is { Count: > 0 } ? allowed.Count < requirements.Providers.Count : allowed.Count < providers.Enabled.Count();
        var estimate = placement.Estimate(narrowed ? requirements with { Providers = allowed } : requirements, O.LaunchCandidates);
        var all = estimate.Recommended is null ? [] : estimate.Alternatives.Prepend(estimate.Recommended);
        var candidates = all
            .Where(o => exclude is null || !(o.Provider == exclude.Provider && o.Zone == exclude.Zone && o.InstanceType == exclude.InstanceType && o.Market == exclude.Market))
            .Take(O.LaunchCandidates)
            .ToList();
        rejections = candidates.Count > 0 ? ""
            : estimate.Rejections.Count == 0 ? "no offer other than the current one meets the requirements"
            : "no offer meets the requirements: " + string.Join("; ", estimate.Rejections.Where(r => r.Removed > 0).OrderByDescending(r => r.Removed).Take(3).Select(r => r.Message));
        return candidates;
    }

    /// <summary>Tries the candidates in order; capacity and price refusals move on to the next.</summary>
    private async Task<(LaunchResult? Result, string Failures)> LaunchFirstAsync(IReadOnlyList<PlacementOption> candidates, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var intent = await RecordLaunchIntentAsync(candidates);
        for (int i = 0; i < candidates.Count; i++)
        {
            var option = candidates[i];
            if (providers.Find(option.Provider) is not { Config.Enabled: true } provider)
            {
                failures.Add($"{option.Provider}: not an enabled provider");
                continue;
            }

            var request = new LaunchRequest(option.Region, option.Zone, option.InstanceType, option.Market == MarketNames.Spot ? Clouds.Market.Spot : Clouds.Market.OnDemand,
                S.Spec!.Requirements.MaxPricePerHour, S.Spec.Config.ImageId, intent.Targets[i].ClientToken, ProductTags(intent.Id));
            var calledAt = Now;
            try
            {
                var instance = await provider.Adapter.LaunchAsync(request, cancellationToken);
                S.Launching = null; // recorded by the caller's next write, with the placement
                return (new LaunchResult(option, provider.Config.Name, instance, calledAt), "");
            }
            catch (CloudException e)
            {
                failures.Add($"{option.Provider} {option.InstanceType} in {option.Zone}: {e.Code}");
                LogLaunchRefused(Id, option.Provider, option.InstanceType, option.Zone, e.Code, e.Message);
            }
        }

        S.Launching = null;
        return (null, string.Join("; ", failures));
    }

    private void StartPlacement(LaunchResult result, string reason)
    {
        var option = result.Option;
        var current = new WorkloadPlacement(result.Provider, option.Cloud, option.Region, option.Zone, option.InstanceType, option.Market,
            result.Instance.PricePerHour, result.Instance.InstanceId, Now, Reason: reason);
        RecordPlacementStart(current);
        S.FailedHealthChecks = 0;
        S.Health = EndpointHealth.Unknown;
        AddEvent("LAUNCHED", null, null, $"{current.InstanceId}: {option.InstanceType} {option.Market} in {option.Zone} ({result.Provider}) at {current.PricePerHour} USD/h (why: see its placement)");
    }

    private void EndPlacement(string reason)
    {
        if (S.Current is not { } current) return;
        RecordPlacementEnd(current with { End = Now, EndReason = reason });
        S.Health = EndpointHealth.Unknown;
    }

    /// <summary>Nothing could be launched now: wait in PENDING, saying why, and retry with a doubling delay.</summary>
    private async Task WaitAsync(string code, string detail)
    {
        S.Attempts++;
        var delay = TimeSpan.FromTicks(Math.Min(O.RetryMaxDelay.Ticks, O.RetryInitialDelay.Ticks * (1L << Math.Min(S.Attempts - 1, 20))));
        S.NextAttemptAt = Now + delay;
        SetStatus(WorkloadStatus.Pending, $"{code}: {detail}; retrying in {delay.TotalSeconds:0} s (attempt {S.Attempts})");
        await state.WriteStateAsync();
    }

    private async Task TerminateInstanceAsync(string provider, string instanceId, CancellationToken cancellationToken)
    {
        if (providers.Find(provider) is not { } configured) return;
        try
        {
            await configured.Adapter.TerminateAsync(instanceId, cancellationToken);
            AddEvent("INSTANCE_TERMINATED", null, null, $"{instanceId} on {provider} terminated");
        }
        catch (CloudException e)
        {
            LogTerminateFailed(Id, instanceId, e.Message);
        }
    }

    [LoggerMessage(EventId = 6211, Level = LogLevel.Information, Message = "Workload {WorkloadId}: {Provider} refused {InstanceType} in {Zone} ({Code}): {Message}")]
    private partial void LogLaunchRefused(string workloadId, string provider, string instanceType, string zone, CloudErrorCode code, string message);

    [LoggerMessage(EventId = 6212, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: no replacement for {InstanceId} after {Reason}")]
    private partial void LogNoReplacement(string workloadId, string instanceId, string reason);

    [LoggerMessage(EventId = 6213, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: terminating {InstanceId} failed: {Message}")]
    private partial void LogTerminateFailed(string workloadId, string instanceId, string message);
}
