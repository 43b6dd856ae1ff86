using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Grains.Tenancy;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Arbitrage.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains.Workloads;

/// <summary>
/// One workload through its lifecycle: PENDING (waiting for an offer, capacity or credit) → PROVISIONING (an instance
/// is booting) → RUNNING (it passes its health check) → STOPPING → TERMINATED, or FAILED. A grain timer drives it (fast
/// while placing or booting, every health-check interval while running); the durable keep-alive reminder brings it
/// back after a restart or failover. Placement is in <c>WorkloadGrain.Placement.cs</c>, health and interruptions in
/// <c>WorkloadGrain.Health.cs</c>, money in <c>WorkloadGrain.Billing.cs</c>.
/// </summary>
[GrainType("workload")]
public sealed partial class WorkloadGrain(
    [PersistentState("workload", LedgerStorage.Name)] IPersistentState<WorkloadState> state,
    IPlacementService placement,
    ProviderRegistry providers,
    IGrainJournalReader journal,
    IOptions<WorkloadOptions> options,
    TimeProvider time,
    ILogger<WorkloadGrain> logger) : Grain, IWorkloadGrain, IRemindable
{
    public const string KeepAliveReminder = "keep-alive";

    private IGrainTimer? _ticker;
    private bool _unsaved; // a step's write failed on an unreachable database: the state in memory is ahead, save it first
    private TimeSpan _tickPeriod;

    private WorkloadOptions O => options.Value;
    private WorkloadState S => state.State;
    private string Id => this.GetPrimaryKeyString();
    private DateTimeOffset Now => time.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.RecordExists && !S.IsTerminal) Arm(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public async Task<WorkloadSummary> Create(CreateWorkload request)
    {
        if (state.RecordExists)
        {
            if (S.TenantId != request.TenantId || S.Fingerprint != request.Fingerprint)
            {
                throw new IdempotencyConflictException($"The Idempotency-Key was already used for a different request (workload {Id}); use a new key for a new workload.");
            }

            // A retry after a create whose state was written but whose reminder was not: make sure it runs.
            if (!S.IsTerminal && _ticker is null)
            {
                await RegisterKeepAlive();
                Arm(TimeSpan.Zero);
            }

            return Summary();
        }

        await Tenant(request.TenantId).AdmitWorkload(Id);
        var now = Now;
        state.State = new WorkloadState
        {
            TenantId = request.TenantId,
            Name = request.Spec.Name,
            Status = WorkloadStatus.Pending,
            StatusReason = "waiting for placement",
            Endpoint = $"{Id}.{O.EndpointDomain}",
            CreatedAt = now,
            CreatedAtMs = now.ToUnixTimeMilliseconds(),
            Fingerprint = request.Fingerprint,
            ProjectId = request.Spec.Metadata.GetValueOrDefault("project_id") ?? request.TenantId,
            Spec = request.Spec,
            HistoryJournaled = true,
        };
        AddEvent("CREATED", null, WorkloadStatus.Pending, $"accepted; cost is charged to wallet '{S.ProjectId}'");
        // The state and the keep-alive reminder are written at once: one round trip and one commit when the store batches.
        await Task.WhenAll(state.WriteStateAsync(), RegisterKeepAlive());
        Arm(TimeSpan.Zero);
        return Summary();
    }

    private Task<IGrainReminder> RegisterKeepAlive() => this.RegisterOrUpdateReminder(KeepAliveReminder, O.KeepAlivePeriod, O.KeepAlivePeriod);

    // Local calls hand results over by reference: lists are copied so a later turn cannot change them under the caller.
    public Task<WorkloadDetails?> Get(string tenantId) =>
        Task.FromResult(Owns(tenantId)
            ? new WorkloadDetails(Id, S.Name, S.Status, S.StatusReason, S.Endpoint, S.Spec!.Requirements, S.Spec.Config, S.Spec.Metadata, S.ProjectId,
                S.Current, S.Placements.ToList(), CostToDate(), S.CommittedCost, S.CreatedAt, S.StartedAt, S.TerminatedAt, S.PlacementsStarted)
            : null);

    public Task<WorkloadEndpoint?> GetEndpoint(string tenantId) =>
        Task.FromResult(Owns(tenantId)
            ? new WorkloadEndpoint(S.Endpoint, $"tcp-{S.Endpoint}", S.Status is WorkloadStatus.Running or WorkloadStatus.Provisioning ? S.Health : EndpointHealth.Unknown)
            : null);

    public async Task<TerminateOutcome> Terminate(string tenantId, string reason)
    {
        if (!Owns(tenantId)) return TerminateOutcome.NotFound;
        if (S.IsTerminal) return TerminateOutcome.AlreadyTerminated;
        if (S.Status == WorkloadStatus.Stopping) return TerminateOutcome.Accepted;
        SetStatus(WorkloadStatus.Stopping, reason);
        await state.WriteStateAsync();
        Arm(TimeSpan.Zero);
        return TerminateOutcome.Accepted;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != KeepAliveReminder) return;
        if (!state.RecordExists || S.IsTerminal)
        {
            if (await this.GetReminder(KeepAliveReminder) is { } reminder) await this.UnregisterReminder(reminder);
            return;
        }

        if (_ticker is null) Arm(TimeSpan.Zero);
    }

    private bool Owns(string tenantId) => state.RecordExists && S.TenantId == tenantId;

    private WorkloadSummary Summary() => new(Id, S.Name, S.Status, S.StatusReason, S.Endpoint, S.CreatedAt);

    /// <summary>One step of the lifecycle; a failure is logged and the next tick tries again.</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_unsaved)
            {
                // What the last step found (an instance that became healthy, say) is still true: keep it, now that it can be saved.
                await state.WriteStateAsync();
                _unsaved = false;
            }

            if (S.Launching is not null) await ResolveLaunchIntentAsync(cancellationToken);
            await RenewBillingIfDueAsync();
            switch (S.Status)
            {
                case WorkloadStatus.Pending when S.NextAttemptAt is not { } at || Now >= at:
                    await PlaceAsync(cancellationToken);
                    break;
                case WorkloadStatus.Provisioning or WorkloadStatus.Running when S.Current is null:
                    await PlaceAsync(cancellationToken);
                    break;
                case WorkloadStatus.Provisioning or WorkloadStatus.Running:
                    await CheckHealthAsync(cancellationToken);
                    await SettleIfDueAsync(cancellationToken);
                    await RetireAsync(cancellationToken);
                    await RebalanceIfDueAsync(cancellationToken);
                    break;
                case WorkloadStatus.Stopping:
                    await StopAsync(cancellationToken);
                    break;
            }
        }
        catch (InconsistentStateException e)
        {
            // Another activation wrote after this one read: its state is the truth, so start again from storage.
            LogStaleActivation(e, Id);
            DeactivateOnIdle();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (DatabaseOutageException.IsOutage(e)) _unsaved = true;
            LogStepFailed(e, Id, S.Status);
        }
        finally
        {
            if (S.IsTerminal) Disarm();
            else if (PeriodFor(S.Status) != _tickPeriod) Arm(PeriodFor(S.Status));
        }
    }

    private TimeSpan PeriodFor(WorkloadStatus status) => status == WorkloadStatus.Running ? O.HealthCheckInterval : O.ProvisioningPollInterval;

    private void Arm(TimeSpan dueTime)
    {
        _tickPeriod = PeriodFor(S.Status);
        if (_ticker is null) _ticker = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(dueTime, _tickPeriod) { KeepAlive = true });
        else _ticker.Change(dueTime, _tickPeriod);
    }

    private void Disarm()
    {
        _ticker?.Dispose();
        _ticker = null;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        string reason = S.StatusReason ?? WorkloadReasons.UserRequested;
        if (S.Current is { } current)
        {
            await TerminateInstanceAsync(current.Provider, current.InstanceId, cancellationToken);
            EndPlacement(WorkloadReasons.UserRequested);
        }

        await RetireAllAsync(cancellationToken);
        await CloseBillingAsync();
        await FinishAsync(WorkloadStatus.Terminated, reason);
    }

    /// <summary>Ends the workload: final status and reason, no more ticks or reminders.</summary>
    private ITenantGrain Tenant(string tenantId) => GrainFactory.GetGrain<ITenantGrain>(tenantId);

    private async Task FinishAsync(WorkloadStatus status, string reason)
    {
        SetStatus(status, reason);
        S.TerminatedAt = Now;
        S.Health = EndpointHealth.Unknown;
        await state.WriteStateAsync();
        if (await this.GetReminder(KeepAliveReminder) is { } reminder) await this.UnregisterReminder(reminder);
        Disarm();
        await Tenant(S.TenantId).WorkloadEnded(Id);
        LogFinished(Id, status, reason);
    }

    private void SetStatus(WorkloadStatus status, string reason)
    {
        var from = S.Status;
        S.Status = status;
        S.StatusReason = reason;
        if (from != status) AddEvent("STATUS_CHANGED", from, status, reason);
    }

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Workload {WorkloadId} could not advance from {Status}; the next tick retries")]
    private partial void LogStepFailed(Exception exception, string workloadId, WorkloadStatus status);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Warning, Message = "Workload {WorkloadId}: its stored state changed under this activation; it deactivates and reads it again")]
    private partial void LogStaleActivation(Exception exception, string workloadId);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "Workload {WorkloadId} ended {Status}: {Reason}")]
    private partial void LogFinished(string workloadId, WorkloadStatus status, string reason);
}
