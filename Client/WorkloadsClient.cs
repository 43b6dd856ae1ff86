using System.Globalization;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Workloads;

namespace Arbitrage.Orleans.Client;

/// <summary>
/// The Compute Arbitrage API's workloads (<c>/v1/workloads</c>): create (accepted, then placed in the background), read,
/// list, terminate, the endpoint, the audit trail and the placements. Lists follow <c>nextCursor</c>.
/// </summary>
public sealed class WorkloadsClient
{
    private readonly ApiTransport _api;

    internal WorkloadsClient(ApiTransport api) => _api = api;

    /// <summary>
    /// Accepts a workload (PENDING); it is placed in the background. With an <paramref name="idempotencyKey"/>, a repeat
    /// answers the first result (and may be retried after a transient failure); the same key with a different body is a
    /// 409 IDEMPOTENCY_KEY_REUSED. Without one the call is never retried.
    /// </summary>
    public Task<WorkloadResponse> CreateAsync(CreateWorkloadRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/v1/workloads", ApiTransport.Json(request, CamelCaseJsonContext.Default.CreateWorkloadRequest),
            CamelCaseJsonContext.Default.WorkloadResponse, cancellationToken, idempotencyKey);

    /// <summary>The workload in full: status and why, requirements, placement, the latest placements, cost to date.</summary>
    public Task<WorkloadDetailResponse> GetAsync(string workloadId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Path(workloadId), null, CamelCaseJsonContext.Default.WorkloadDetailResponse, cancellationToken);

    /// <summary>One page of the tenant's workloads, newest first; <paramref name="status"/> (RUNNING, …) filters, <paramref name="limit"/> is 1 to 200.</summary>
    public Task<WorkloadListResponse> GetPageAsync(string? status = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, ApiTransport.Query("/v1/workloads", ("status", status), ("limit", Number(limit)), ("cursor", cursor)), null,
            CamelCaseJsonContext.Default.WorkloadListResponse, cancellationToken);

    /// <summary>Every workload of the tenant (with <paramref name="status"/>, only those), newest first, following the cursors.</summary>
    public IAsyncEnumerable<WorkloadResponse> ListAsync(string? status = null, int? pageSize = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetPageAsync(status, pageSize, cursor, ct), p => p.Workloads, p => p.NextCursor, cancellationToken);

    /// <summary>Starts the termination (the workload is STOPPING); a workload that has already ended is a 400 WORKLOAD_ALREADY_TERMINATED.</summary>
    public Task<TerminateWorkloadResponse> TerminateAsync(string workloadId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, Path(workloadId), null, CamelCaseJsonContext.Default.TerminateWorkloadResponse, cancellationToken);

    /// <summary>The workload's stable endpoint and its health.</summary>
    public Task<WorkloadEndpointResponse> GetEndpointAsync(string workloadId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Path(workloadId) + "/endpoint", null, CamelCaseJsonContext.Default.WorkloadEndpointResponse, cancellationToken);

    /// <summary>One page of the audit trail, oldest first.</summary>
    public Task<WorkloadEventListResponse> GetEventPageAsync(string workloadId, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, ApiTransport.Query(Path(workloadId) + "/events", ("limit", Number(limit)), ("cursor", cursor)), null,
            CamelCaseJsonContext.Default.WorkloadEventListResponse, cancellationToken);

    /// <summary>The whole audit trail, oldest first: every state change, launch, interruption and charge, with its reason.</summary>
    public IAsyncEnumerable<WorkloadEvent> ListEventsAsync(string workloadId, int? pageSize = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetEventPageAsync(workloadId, pageSize, cursor, ct), p => p.Events, p => p.NextCursor, cancellationToken);

    /// <summary>One page of the placements, oldest first.</summary>
    public Task<WorkloadPlacementListResponse> GetPlacementPageAsync(string workloadId, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, ApiTransport.Query(Path(workloadId) + "/placements", ("limit", Number(limit)), ("cursor", cursor)), null,
            CamelCaseJsonContext.Default.WorkloadPlacementListResponse, cancellationToken);

    /// <summary>Every placement, oldest first, the current one last, each with why it was chosen and how it ended.</summary>
    public IAsyncEnumerable<WorkloadPlacement> ListPlacementsAsync(string workloadId, int? pageSize = null, CancellationToken cancellationToken = default) =>
        ApiTransport.CursorPagesAsync((cursor, ct) => GetPlacementPageAsync(workloadId, pageSize, cursor, ct), p => p.Placements, p => p.NextCursor, cancellationToken);

    private static string Path(string workloadId) => "/v1/workloads/" + ApiTransport.Segment(workloadId);

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
