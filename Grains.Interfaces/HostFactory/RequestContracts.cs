using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>A host-factory request's status as the API spells it: pending until every machine runs, then completed; failed when a machine cannot run; cancelled once its machines are returned.</summary>
public static class HostRequestStatuses
{
    public const string Pending = "pending";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>A machine's status as the API spells it (its workload's lifecycle, in the host-factory's words).</summary>
public static class MachineStatuses
{
    public const string Pending = "pending";
    public const string Provisioning = "provisioning";
    public const string Running = "running";
    public const string Terminating = "terminating";
    public const string Terminated = "terminated";
    public const string Failed = "failed";
}

/// <summary>What the gateway hands the request grain once the request passed every check: the template, the chosen provider and how many machines.</summary>
/// <param name="Fingerprint">A digest of the request body, so a retried Idempotency-Key with a different body is refused.</param>
[GenerateSerializer, Alias("arb.CreateHostRequest")]
public sealed record CreateHostRequest(
    [property: Id(0)] string TenantId,
    [property: Id(1)] HostTemplate Template,
    [property: Id(2)] int MachineCount,
    [property: Id(3)] ProviderSelection Selection,
    [property: Id(4)] string Fingerprint);

/// <summary>The answer to a new request (the seed's shape): pending, with its provider selection.</summary>
[GenerateSerializer, Alias("arb.HostRequestSummary")]
public sealed record HostRequestSummary(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string TemplateId,
    [property: Id(2)] int RequestedCount,
    [property: Id(3)] ProviderSelection Selection,
    [property: Id(4)] string Status,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>One machine of a request: the instance once placed (else its workload's id), its workload, where and how it is.</summary>
/// <param name="Reason">Why it is not running (its workload's status reason), for failed and waiting machines.</param>
[GenerateSerializer, Alias("arb.HostMachine")]
public sealed record HostMachine(
    [property: Id(0)] string MachineId,
    [property: Id(1)] string WorkloadId,
    [property: Id(2)] string ProviderInstance,
    [property: Id(3)] string Status,
    [property: Id(4)] string? Reason,
    [property: Id(5)] DateTimeOffset CreatedAt);

/// <summary>A request with its machines and their states.</summary>
[GenerateSerializer, Alias("arb.HostRequestDetails")]
public sealed record HostRequestDetails(
    [property: Id(0)] HostRequestSummary Summary,
    [property: Id(1)] IReadOnlyList<HostMachine> Machines,
    [property: Id(2)] DateTimeOffset? CompletedAt,
    [property: Id(3)] string? StatusReason);

/// <summary>
/// One host-factory request, keyed by its id (<c>req-…</c>): it launches its machines as workloads (placed, health
/// checked, moved on interruption and billed like any workload) and answers their states. Every call takes the
/// caller's tenant: another tenant's request answers exactly as a missing one does (null).
/// </summary>
[Alias("arb.IHostRequestGrain")]
public interface IHostRequestGrain : IGrainWithStringKey
{
    /// <summary>Records the request durably, then creates its machines; a repeat with the same fingerprint returns the first answer.</summary>
    /// <exception cref="Workloads.IdempotencyConflictException">The id was used for a different request.</exception>
    [Alias("Create")]
    Task<HostRequestSummary> Create(CreateHostRequest request);

    /// <summary>
    /// The first answer to a request retried with its Idempotency-Key (the same tenant and body), or null when there
    /// is no such request yet: a retry is answered before the template or the providers are asked again.
    /// </summary>
    /// <exception cref="Workloads.IdempotencyConflictException">The id was used for a different request.</exception>
    [Alias("Replay")]
    Task<HostRequestSummary?> Replay(string tenantId, string fingerprint);

    /// <summary>The request with its machines' states (and, when they changed its status, the change stored for the list).</summary>
    [Alias("Get")]
    Task<HostRequestDetails?> Get(string tenantId);

    /// <summary>Returns the machines (terminates their workloads); a repeat is harmless.</summary>
    [Alias("Cancel")]
    Task<HostRequestDetails?> Cancel(string tenantId);

    /// <summary>Wakes the request: one whose machines are not all created goes on creating them (after its silo died, say).</summary>
    [Alias("Resume")]
    Task Resume();
}

/// <summary>What a caller asks of a new request, as read from the body, with the request's id (from the Idempotency-Key, or new).</summary>
/// <param name="Fingerprint">A digest of the body: a retried key with another body is refused.</param>
/// <param name="Retryable">The id comes from an Idempotency-Key: a request with it may exist already.</param>
public sealed record HostRequestAsk(
    string TenantId, string RequestId, string TemplateId, int MaxNumber, string? Strategy, string? ProviderInstance, string? ProviderType, string? ProviderApi, string Fingerprint,
    bool Retryable = false);

/// <summary>
/// Creates host-factory requests (a silo service): the template, the machine count against the template's
/// max_instances and the provider's limit, and an eligible provider are all checked before anything is created.
/// Refusals are <see cref="HostFactoryException"/> with the seed's codes, or <see cref="ArgumentException"/> naming the field.
/// </summary>
public interface IHostRequestService
{
    Task<HostRequestSummary> CreateAsync(HostRequestAsk ask, CancellationToken cancellationToken);
}

/// <summary>A tenant's requests as last stored, newest first, without activating them.</summary>
public interface IHostRequestCatalog
{
    Task<IReadOnlyList<HostRequestListItem>> ListAsync(string tenantId, CancellationToken cancellationToken);
}

/// <summary>A request as the list shows it.</summary>
public sealed record HostRequestListItem(
    string RequestId, string TemplateId, int RequestedCount, string ProviderType, string ProviderInstance, string Status, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt);
