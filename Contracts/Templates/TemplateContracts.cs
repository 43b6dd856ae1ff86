using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Templates;

/// <summary>
/// A host-factory template (snake_case): the fields every template has, and every other field it carries (kept as
/// given in <see cref="AdditionalFields"/>, as the server keeps them). <see cref="SourceInfo"/> is set on answers only.
/// </summary>
public sealed record Template
{
    public required string TemplateId { get; init; }
    public string? ProviderType { get; init; }
    public string? ProviderName { get; init; }
    public string? ProviderApi { get; init; }
    public int? MaxInstances { get; init; }
    public string? ImageId { get; init; }
    public TemplateSourceInfo? SourceInfo { get; init; }

    /// <summary>The template's other fields (min_cpu, regions, subnet_ids, …) as JSON.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? AdditionalFields { get; set; }
}

/// <summary>Where a merged template comes from; <c>override_chain</c> when asked (<c>include_source=true</c>) or after a write.</summary>
public sealed record TemplateSourceInfo(string SourceFile, string FileType, int Priority, IReadOnlyList<TemplateLayer>? OverrideChain = null);

public sealed record TemplateLayer(string File, IReadOnlyList<string> Fields);

/// <summary><c>GET /api/v1/templates</c>: a page of templates, the filters applied, and where the page sits.</summary>
public sealed record TemplateList(IReadOnlyList<Template> Templates, int Total, IReadOnlyDictionary<string, string> Filters, Pagination Pagination);

/// <summary><c>POST /api/v1/templates/{id}/validate</c>: a provider instance (default: the template's provider_name), strict or lenient.</summary>
public sealed record ValidateTemplateRequest(string? ProviderInstance = null, string? ValidationLevel = null);

public sealed record TemplateValidationResponse(
    bool Valid, string ProviderInstance, string ValidationLevel, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings,
    IReadOnlyList<string> SupportedFeatures, IReadOnlyList<string> UnsupportedFeatures);

/// <summary><c>POST /api/v1/templates/{id}/validate-multi</c>.</summary>
public sealed record ValidateTemplateMultiRequest(IReadOnlyList<string> ProviderInstances, string? ValidationLevel = null);

/// <summary>One provider's verdict in a multi-provider validation.</summary>
public sealed record TemplateValidation(bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings, IReadOnlyList<string> SupportedFeatures, IReadOnlyList<string> UnsupportedFeatures);

/// <param name="ValidationResults">Keyed by provider instance name.</param>
public sealed record TemplateMultiValidationResponse(
    string TemplateId, IReadOnlyDictionary<string, TemplateValidation> ValidationResults, IReadOnlyList<string> CompatibleProviders, IReadOnlyList<string> IncompatibleProviders);

public sealed record TemplateFileCount(string File, string FileType, int Templates);

/// <summary><c>POST /api/v1/templates/refresh</c>.</summary>
public sealed record TemplateRefreshResponse(bool Refreshed, int Templates, long Generation, IReadOnlyList<TemplateFileCount> Files);

/// <summary><c>POST /api/v1/templates/migrate</c>: a file's templates into a provider instance's file.</summary>
public sealed record MigrateTemplatesRequest(string From, string ToProvider, bool? DryRun = null, bool? Backup = null);

public sealed record TemplateMigrationResult(
    string From, string To, bool DryRun, IReadOnlyList<string> Moved, IReadOnlyList<string> Merged, IReadOnlyList<string> FilesWritten, IReadOnlyList<string> Backups);
