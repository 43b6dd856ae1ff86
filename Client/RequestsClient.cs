using System.Globalization;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Requests;

namespace Arbitrage.Orleans.Client;

/// <summary>The host-factory API's requests for machines (<c>/api/v1/requests</c>).</summary>
public sealed class RequestsClient
{
    private readonly ApiTransport _api;

    internal RequestsClient(ApiTransport api) => _api = api;

    /// <summary>
    /// Requests machines of a template (202, pending). With an <paramref name="idempotencyKey"/> a repeat answers the first
    /// request and creates nothing, so the call is retried on a transient failure; without one it is never retried.
    /// </summary>
    public Task<CreatedRequest> CreateAsync(CreateMachinesRequest request, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/requests", ApiTransport.Json(request, SnakeCaseJsonContext.Default.CreateMachinesRequest),
            SnakeCaseJsonContext.Default.CreatedRequest, cancellationToken, idempotencyKey);

    /// <summary>One page of the tenant's requests (page from 1).</summary>
    public Task<RequestList> GetPageAsync(RequestListQuery? query = null, int page = 1, CancellationToken cancellationToken = default)
    {
        query ??= new RequestListQuery();
        string path = ApiTransport.Query("/api/v1/requests",
            ("page", page.ToString(CultureInfo.InvariantCulture)), ("page_size", query.PageSize?.ToString(CultureInfo.InvariantCulture)), ("sort", query.Sort));
        return _api.SendAsync(HttpMethod.Get, path, null, SnakeCaseJsonContext.Default.RequestList, cancellationToken);
    }

    /// <summary>Every request of the tenant, newest first unless sorted, following the pages.</summary>
    public IAsyncEnumerable<RequestListItem> ListAsync(RequestListQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiTransport.PagesAsync((page, ct) => GetPageAsync(query, page, ct), p => p.Data, p => p.Pagination, cancellationToken);

    /// <summary>The request with its machines and their states.</summary>
    public Task<RequestDetails> GetAsync(string requestId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Path(requestId), null, SnakeCaseJsonContext.Default.RequestDetails, cancellationToken);

    /// <summary>Returns the request's machines (a repeat is harmless).</summary>
    public Task<CancelledRequest> CancelAsync(string requestId, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, Path(requestId), null, SnakeCaseJsonContext.Default.CancelledRequest, cancellationToken);

    private static string Path(string requestId) => "/api/v1/requests/" + ApiTransport.Segment(requestId);
}
