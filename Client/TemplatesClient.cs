using System.Globalization;
using System.Net;
using Arbitrage.Orleans.Client.Internal;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Templates;

namespace Arbitrage.Orleans.Client;

/// <summary>
/// The host-factory API's templates (<c>/api/v1/templates</c>): the merged templates, their API layer (create, replace,
/// delete: operators only), validation against providers, a refresh of the files, a migration between files.
/// </summary>
public sealed class TemplatesClient
{
    private readonly ApiTransport _api;

    internal TemplatesClient(ApiTransport api) => _api = api;

    /// <summary>One page of the list (page from 1), with the total and the filters applied.</summary>
    public Task<TemplateList> GetPageAsync(TemplateListQuery? query = null, int page = 1, CancellationToken cancellationToken = default)
    {
        query ??= new TemplateListQuery();
        string path = ApiTransport.Query("/api/v1/templates",
            ("page", page.ToString(CultureInfo.InvariantCulture)), ("page_size", query.PageSize?.ToString(CultureInfo.InvariantCulture)), ("sort", query.Sort),
            ("provider_type", query.ProviderType), ("provider_name", query.ProviderName), ("provider_api", query.ProviderApi));
        return _api.SendAsync(HttpMethod.Get, path, null, SnakeCaseJsonContext.Default.TemplateList, cancellationToken);
    }

    /// <summary>Every template that matches, following the pages.</summary>
    public IAsyncEnumerable<Template> ListAsync(TemplateListQuery? query = null, CancellationToken cancellationToken = default) =>
        ApiTransport.PagesAsync((page, ct) => GetPageAsync(query, page, ct), p => p.Templates, p => p.Pagination, cancellationToken);

    /// <summary>One merged template; <paramref name="includeSource"/> adds its override chain.</summary>
    public Task<Template> GetAsync(string templateId, bool includeSource = false, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, ApiTransport.Query(Path(templateId), ("include_source", includeSource ? "true" : null)), null,
            SnakeCaseJsonContext.Default.Template, cancellationToken);

    /// <summary>Creates the template's API layer (409 CONFLICT when it has one); answers the merged template.</summary>
    public Task<Template> CreateAsync(Template template, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/templates", ApiTransport.Json(template with { SourceInfo = null }, SnakeCaseJsonContext.Default.Template),
            SnakeCaseJsonContext.Default.Template, cancellationToken);

    /// <summary>Creates or replaces the template's API layer (the body's fields; its id is the path's).</summary>
    public Task<Template> PutAsync(Template template, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Put, Path(template.TemplateId), ApiTransport.Json(template with { SourceInfo = null }, SnakeCaseJsonContext.Default.Template),
            SnakeCaseJsonContext.Default.Template, cancellationToken);

    /// <summary>Removes the template's API layer: the template its files now make, or null when no file defines it.</summary>
    public async Task<Template?> DeleteAsync(string templateId, CancellationToken cancellationToken = default)
    {
        using var response = await _api.SendAsync(HttpMethod.Delete, Path(templateId), null, cancellationToken);
        return response.StatusCode == HttpStatusCode.NoContent ? null : await ApiTransport.ReadAsync(response, SnakeCaseJsonContext.Default.Template, cancellationToken);
    }

    public Task<TemplateValidationResponse> ValidateAsync(string templateId, ValidateTemplateRequest? request = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, Path(templateId) + "/validate",
            ApiTransport.Json(request ?? new ValidateTemplateRequest(), SnakeCaseJsonContext.Default.ValidateTemplateRequest),
            SnakeCaseJsonContext.Default.TemplateValidationResponse, cancellationToken);

    public Task<TemplateMultiValidationResponse> ValidateMultiAsync(string templateId, ValidateTemplateMultiRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, Path(templateId) + "/validate-multi", ApiTransport.Json(request, SnakeCaseJsonContext.Default.ValidateTemplateMultiRequest),
            SnakeCaseJsonContext.Default.TemplateMultiValidationResponse, cancellationToken);

    /// <summary>Re-reads the template files on every silo (operators only).</summary>
    public Task<TemplateRefreshResponse> RefreshAsync(CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/templates/refresh", null, SnakeCaseJsonContext.Default.TemplateRefreshResponse, cancellationToken);

    /// <summary>Moves a file's templates into a provider instance's file (operators only).</summary>
    public Task<TemplateMigrationResult> MigrateAsync(MigrateTemplatesRequest request, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Post, "/api/v1/templates/migrate", ApiTransport.Json(request, SnakeCaseJsonContext.Default.MigrateTemplatesRequest),
            SnakeCaseJsonContext.Default.TemplateMigrationResult, cancellationToken);

    private static string Path(string templateId) => "/api/v1/templates/" + ApiTransport.Segment(templateId);
}
