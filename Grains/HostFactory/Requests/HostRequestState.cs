using Arbitrage.Orleans.Grains.Storage;
using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>
/// A host-factory request as stored (the ledger store, before the 202): its tenant, the template as it was when asked,
/// the provider selection, and the ids of its machines' workloads, fixed at creation so that creating them again after
/// a crash makes the same workloads. Listed by tenant, newest first (<see cref="IListedState"/>); the summary fields
/// are top-level for the list (<see cref="HostRequestCatalog"/>), which shows the status last observed.
/// </summary>
[GenerateSerializer, Alias("arb.HostRequestState")]
public sealed class HostRequestState : IListedState
{
    [Id(0)]
    public string TenantId { get; set; } = "";
    [Id(1)]
    public string TemplateId { get; set; } = "";
    [Id(2)]
    public HostTemplate? Template { get; set; }
    [Id(3)]
    public int RequestedCount { get; set; }
    [Id(4)]
    public ProviderSelection? Selection { get; set; }
    [Id(5)]
    public string ProviderType { get; set; } = "";
    [Id(6)]
    public string ProviderInstance { get; set; } = "";
    [Id(7)]
    public List<string> WorkloadIds { get; set; } = [];
    [Id(8)]
    public string Fingerprint { get; set; } = "";
    [Id(9)]
    public DateTimeOffset CreatedAt { get; set; }
    [Id(10)]
    public long CreatedAtMs { get; set; }
    [Id(11)]
    public string Status { get; set; } = HostRequestStatuses.Pending;
    [Id(12)]
    public string? StatusReason { get; set; }
    [Id(13)]
    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Every machine's workload exists; until then a timer (and, after a crash, the reminder) creates the rest.</summary>
    [Id(14)]
    public bool MachinesCreated { get; set; }

    [Id(15)]
    public DateTimeOffset? CancelledAt { get; set; }

    string IListedState.ListOwner => TenantId;

    long IListedState.ListOrder => CreatedAtMs;
}
