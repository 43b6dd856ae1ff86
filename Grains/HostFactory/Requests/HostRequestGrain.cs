using Arbitrage.Orleans.Grains.Storage;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>
/// One host-factory request: <see cref="HostRequestState.RequestedCount"/> machines of a template on the chosen provider,
/// each a workload of the product's lifecycle (placed on that provider, health checked, moved on interruption, billed).
/// The request, its selection and its machines' workload ids are stored before the answer; the workloads are created
/// right after it (<see cref="HostRequestOptions.CreationDelay"/>), by a grain timer. No reminder is written per
/// request: after a crash, the <see cref="UnfinishedRequestSweeper"/> of every silo finds the stored requests whose
/// machines are not all created and wakes them (creating a workload again is a no-op: same id, same fingerprint). The request's status follows its machines: completed once all run (it stays
/// completed while an interrupted machine is replaced), failed once none is still on its way and some do not run.
/// </summary>
[GrainType(GrainTypeName)]
public sealed partial class HostRequestGrain(
    [PersistentState(HostRequestGrain.StateName, LedgerStorage.Name)] IPersistentState<HostRequestState> state,
    IOptions<WorkloadOptions> options,
    IOptions<HostRequestOptions> requestOptions,
    TimeProvider time,
    ILogger<HostRequestGrain> logger) : Grain, IHostRequestGrain, IRemindable
{
    public const string GrainTypeName = "hostrequest";
    public const string StateName = "request";
    /// <summary>The reminder earlier versions registered per request; one still registered is removed when it fires.</summary>
    public const string CreationReminder = "create-machines";

    private IGrainTimer? _creator;
    private readonly Dictionary<string, string> _creationErrors = new(StringComparer.Ordinal);

    private HostRequestState S => state.State;
    private string Id => this.GetPrimaryKeyString();
    private bool Creating => state.RecordExists && !S.MachinesCreated && S.CancelledAt is null;

    /// <summary>The id of a request's <paramref name="index"/>-th machine's workload: the same on every try.</summary>
    public static string MachineWorkloadId(string requestId, int index) => "wk-" + TextDigest.Sha256Hex($"{requestId}\n{index}")[..16];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Creating) ArmCreation(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task Resume()
    {
        if (Creating && _creator is null) ArmCreation(TimeSpan.Zero);
        return Task.CompletedTask;
    }

    public Task<HostRequestSummary?> Replay(string tenantId, string fingerprint) =>
        Task.FromResult(state.RecordExists ? Repeated(tenantId, fingerprint) : null);

    public async Task<HostRequestSummary> Create(CreateHostRequest request)
    {
        if (state.RecordExists) return Repeated(request.TenantId, request.Fingerprint);

        var now = time.GetUtcNow();
        state.State = new HostRequestState
        {
            TenantId = request.TenantId,
            TemplateId = request.Template.TemplateId,
            Template = request.Template,
            RequestedCount = request.MachineCount,
            Selection = request.Selection,
            ProviderType = request.Selection.ProviderType,
            ProviderInstance = request.Selection.ProviderInstance,
            WorkloadIds = Enumerable.Range(0, request.MachineCount).Select(i => MachineWorkloadId(Id, i)).ToList(),
            Fingerprint = request.Fingerprint,
            CreatedAt = now,
            CreatedAtMs = now.ToUnixTimeMilliseconds(),
        };
        // One write: after a crash, the sweep of unfinished requests finds it by its stored state.
        await state.WriteStateAsync();
        ArmCreation(requestOptions.Value.CreationDelay);
        return Summary();
    }

    public async Task<HostRequestDetails?> Get(string tenantId)
    {
        if (!Owns(tenantId)) return null;
        var machines = await MachinesAsync();
        await ObserveAsync(machines);
        return Details(machines);
    }

    public async Task<HostRequestDetails?> Cancel(string tenantId)
    {
        if (!Owns(tenantId)) return null;
        if (S.CancelledAt is null)
        {
            S.CancelledAt = time.GetUtcNow();
            S.Status = HostRequestStatuses.Cancelled;
            S.StatusReason = "the machines were returned (DELETE)";
            await state.WriteStateAsync();
            StopCreation();
        }

        // Every machine's workload is asked to end, again on a repeat (a no-op for those already ending).
        await Task.WhenAll(S.WorkloadIds.Select(id => Workload(id).Terminate(S.TenantId, WorkloadReasons.UserRequested)));
        return Details(await MachinesAsync());
    }

    /// <summary>A reminder left by an earlier version: the request resumes if it must, and the reminder goes.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Creating && _creator is null) ArmCreation(TimeSpan.Zero);
        if (await this.GetReminder(reminderName) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private void ArmCreation(TimeSpan dueTime)
    {
        var retry = options.Value.RetryInitialDelay;
        if (_creator is null) _creator = this.RegisterGrainTimer(CreateMachinesAsync, new GrainTimerCreationOptions(dueTime, retry) { KeepAlive = true });
        else _creator.Change(dueTime, retry);
    }

    private void StopCreation()
    {
        _creator?.Dispose();
        _creator = null;
    }

    /// <summary>Creates every machine's workload (again: a no-op for those that exist); once all exist, the request stops creating.</summary>
    private async Task CreateMachinesAsync(CancellationToken cancellationToken)
    {
        if (!Creating)
        {
            StopCreation();
            return;
        }

        var template = S.Template!;
        var requirements = template.Requirements with { Providers = [S.ProviderInstance] };
        var metadata = new Dictionary<string, string>
        {
            ["request_id"] = Id,
            ["template_id"] = template.TemplateId,
            ["provider_instance"] = S.ProviderInstance,
        };
        if (template.SubnetIds.Count > 0) metadata["subnet_ids"] = string.Join(",", template.SubnetIds);
        var results = await Task.WhenAll(S.WorkloadIds.Select(async (id, i) =>
        {
            string name = $"{template.TemplateId}-{i + 1}";
            if (name.Length > 128) name = name[^128..];
            var spec = new WorkloadSpec(name, requirements, template.Config, metadata);
            try
            {
                await Workload(id).Create(new CreateWorkload(S.TenantId, spec, TextDigest.Sha256Hex($"{Id}\n{i}\n{S.Fingerprint}")));
                return (id, (string?)null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (id, e.Message);
            }
        }));

        _creationErrors.Clear();
        foreach (var (id, error) in results)
        {
            if (error is not null) _creationErrors[id] = error;
        }

        if (_creationErrors.Count > 0)
        {
            LogCreationIncomplete(Id, _creationErrors.Count, S.WorkloadIds.Count, _creationErrors.Values.First());
            return; // the timer tries again
        }

        S.MachinesCreated = true;
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            S.MachinesCreated = false; // the next tick writes it (the workloads exist; creating them again is a no-op)
            LogCreationIncomplete(Id, 0, S.WorkloadIds.Count, e.Message);
            return;
        }

        StopCreation();
    }

    private async Task<List<HostMachine>> MachinesAsync()
    {
        var details = await Task.WhenAll(S.WorkloadIds.Select(id => Workload(id).Get(S.TenantId)));
        return S.WorkloadIds.Select((id, i) => Machine(id, details[i])).ToList();
    }

    private HostMachine Machine(string workloadId, WorkloadDetails? w)
    {
        if (w is null)
        {
            string reason = _creationErrors.TryGetValue(workloadId, out var error) ? $"not created yet: {error}" : "being created";
            return new HostMachine(workloadId, workloadId, S.ProviderInstance, S.CancelledAt is null ? MachineStatuses.Pending : MachineStatuses.Terminated, reason, S.CreatedAt);
        }

        string status = w.Status switch
        {
            WorkloadStatus.Pending => MachineStatuses.Pending,
            WorkloadStatus.Provisioning => MachineStatuses.Provisioning,
            WorkloadStatus.Running => MachineStatuses.Running,
            WorkloadStatus.Stopping => MachineStatuses.Terminating,
            WorkloadStatus.Terminated => MachineStatuses.Terminated,
            _ => MachineStatuses.Failed,
        };
        var placement = w.Placement;
        return new HostMachine(placement?.InstanceId ?? w.Id, w.Id, placement?.Provider ?? S.ProviderInstance, status,
            status == MachineStatuses.Running ? null : w.StatusReason, placement?.Start ?? w.CreatedAt);
    }

    /// <summary>Stores what the machines say of the request: completed once all run, failed once none is on its way and some do not run.</summary>
    private async Task ObserveAsync(List<HostMachine> machines)
    {
        if (S.CancelledAt is not null || S.Status == HostRequestStatuses.Completed) return;
        string status = S.Status;
        string? reason = S.StatusReason;
        DateTimeOffset? completedAt = S.CompletedAt;
        if (machines.All(m => m.Status == MachineStatuses.Running))
        {
            status = HostRequestStatuses.Completed;
            reason = null;
            completedAt = time.GetUtcNow();
        }
        else if (machines.All(m => m.Status is not (MachineStatuses.Pending or MachineStatuses.Provisioning)))
        {
            var down = machines.Where(m => m.Status != MachineStatuses.Running).ToList();
            status = HostRequestStatuses.Failed;
            reason = $"{down.Count} of {machines.Count} machines do not run: " + string.Join("; ", down.Take(5).Select(m => $"{m.WorkloadId} {m.Status}: {m.Reason ?? "-"}"));
        }
        else
        {
            status = HostRequestStatuses.Pending;
            reason = null;
        }

        if (status == S.Status && reason == S.StatusReason) return;
        (S.Status, S.StatusReason, S.CompletedAt) = (status, reason, completedAt);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException and not InconsistentStateException)
        {
            // The answer stands; the list shows the change once a later read stores it.
            LogStatusNotStored(Id, status, e.Message);
        }
    }

    private bool Owns(string tenantId) => state.RecordExists && S.TenantId == tenantId;

    private IWorkloadGrain Workload(string id) => GrainFactory.GetGrain<IWorkloadGrain>(id);

    /// <summary>The first answer to a repeat of the request (the same tenant and body); another body is a conflict.</summary>
    private HostRequestSummary Repeated(string tenantId, string fingerprint)
    {
        if (S.TenantId != tenantId || S.Fingerprint != fingerprint)
        {
            throw new IdempotencyConflictException($"The Idempotency-Key was already used for a different request (request {Id}); use a new key for a new request.");
        }

        if (Creating && _creator is null) ArmCreation(TimeSpan.Zero);
        return Summary();
    }

    private HostRequestSummary Summary() => new(Id, S.TemplateId, S.RequestedCount, S.Selection!, S.Status, S.CreatedAt);

    private HostRequestDetails Details(List<HostMachine> machines) => new(Summary(), machines, S.CompletedAt, S.StatusReason);

    [LoggerMessage(EventId = 6401, Level = LogLevel.Warning, Message = "Request {RequestId}: {Missing} of {Total} machines not created yet, retrying: {Message}")]
    private partial void LogCreationIncomplete(string requestId, int missing, int total, string message);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Warning, Message = "Request {RequestId}: status {Status} not stored: {Message}")]
    private partial void LogStatusNotStored(string requestId, string status, string message);
}
