using System.Globalization;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Providers;

namespace Arbitrage.Orleans.Client;

/// <summary>The host-factory API's providers (<c>/api/v1/providers</c>): list, details, capabilities, validation, a dry run of selection.</summary>
public sealed class ProvidersClient
{
    private readonly ApiTransport _api;

    internal ProvidersClient(ApiTransport api) => _api = api;

    /// <summary>One page of the list (page from 1), with the totals.</summary>
    public Task<ProviderList> GetPageAsync(ProviderListQuery? query = null, int page = 1, CancellationToken cancellationToken = default)
    {
        query ??= new ProviderListQuery();
        string path = ApiTransport.Query("/api/v1/providers",
            ("page", page.ToString(CultureInfo.InvariantCulture)), ("page_size", query.PageSize?.ToString(CultureInfo.InvariantCulture)), ("sort", query.Sort),
            ("type", query.Type), ("enabled", query.Enabled is { } enabled ? (enabled ? "true" : "false") : null));
        return _api.SendAsync(HttpMethod.Get, path, null, SnakeCaseJsonContext.Default.ProviderList, cancellationToken);
    }

    /// <summary>Every provider that matches, following the pages.</summary>
    public IAsyncEnumerable<ProviderSummary> ListAsync(ProviderListQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiTransport.PagesAsync((page, ct) => GetPageAsync(query, page, ct), p => p.Providers, p => p.Pagination, cancellationToken);

    public Task<ProviderDetails> GetAsync(string name, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Path(name), null, SnakeCaseJsonContext.Default.ProviderDetails, cancellationToken);

    public Task<ProviderCapabilities> GetCapabilitiesAsync(string name, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, Path(name) + "/capabilities", null, SnakeCaseJsonContext.Default.ProviderCapabilities, cancellationToken);

    /// <summary>Checks provider definitions (or the configured providers) without applying them.</summary>
    public Task<ProviderDefinitionsResult> ValidateAsync(ValidateProvidersRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/providers/validate", ApiTransport.Json(request, SnakeCaseJsonContext.Default.ValidateProvidersRequest),
            SnakeCaseJsonContext.Default.ProviderDefinitionsResult, cancellationToken);

    /// <summary>A dry run of provider selection for a template (inline or stored).</summary>
    public Task<ProviderSelection> SelectAsync(SelectProviderRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/providers/select", ApiTransport.Json(request, SnakeCaseJsonContext.Default.SelectProviderRequest),
            SnakeCaseJsonContext.Default.ProviderSelection, cancellationToken);

    private static string Path(string name) => "/api/v1/providers/" + ApiTransport.Segment(name);
}
