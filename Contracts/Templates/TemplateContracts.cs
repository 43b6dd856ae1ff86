using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Templates;

// The host-factory API is snake_case: multi-word names are spelled with [JsonPropertyName] (the same under any
// options: the server's HTTP options, SnakeCaseJsonContext, a client's own).

/// <summary>
/// A host-factory template (snake_case): the fields every template has, and every other field it carries (kept as
/// given in <see cref="AdditionalFields"/>, as the server keeps them). <see cref="SourceInfo"/> is set on answers only.
/// </summary>
public sealed record Template
{
    [JsonPropertyName("template_id")]
    public required string TemplateId { get; init; }

    [JsonPropertyName("provider_type")]
    public string? ProviderType { get; init; }

    [JsonPropertyName("provider_name")]
    public string? ProviderName { get; init; }

    [JsonPropertyName("provider_api")]
    public string? ProviderApi { get; init; }

    [JsonPropertyName("max_instances")]
    public int? MaxInstances { get; init; }

    [JsonPropertyName("image_id")]
    public string? ImageId { get; init; }

    [JsonPropertyName("source_info")]
    public TemplateSourceInfo? SourceInfo { get; init; }

    /// <summary>The template's other fields (min_cpu, regions, subnet_ids, …) as JSON.</summary>
    [JsonExtensionData]
    public IDictionary<string, JsonElement>? AdditionalFields { get; set; }
}

/// <summary>Where a merged template comes from; <c>override_chain</c> when asked (<c>include_source=true</c>) or after a write.</summary>
public sealed record TemplateSourceInfo(
    [property: JsonPropertyName("source_file")] string SourceFile,
    [property: JsonPropertyName("file_type")] string FileType,
    int Priority,
    [property: JsonPropertyName("override_chain")] IReadOnlyList<TemplateLayer>? OverrideChain = null);

public sealed record TemplateLayer(string File, IReadOnlyList<string> Fields);

/// <summary><c>GET /api/v1/templates</c>: a page of templates, the filters applied, and where the page sits.</summary>
public sealed record TemplateList(IReadOnlyList<Template> Templates, int Total, IReadOnlyDictionary<string, string> Filters, Pagination Pagination);

/// <summary><c>POST /api/v1/templates/{id}/validate</c>: a provider instance (default: the template's provider_name), strict or lenient.</summary>
public sealed record ValidateTemplateRequest(
    [property: JsonPropertyName("provider_instance")] string? ProviderInstance = null,
    [property: JsonPropertyName("validation_level")] string? ValidationLevel = null);

public sealed record TemplateValidationResponse(
    bool Valid,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    [property: JsonPropertyName("validation_level")] string ValidationLevel,
    IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings,
    [property: JsonPropertyName("supported_features")] IReadOnlyList<string> SupportedFeatures,
    [property: JsonPropertyName("unsupported_features")] IReadOnlyList<string> UnsupportedFeatures);

/// <summary><c>POST /api/v1/templates/{id}/validate-multi</c>.</summary>
public sealed record ValidateTemplateMultiRequest(
    [property: JsonPropertyName("provider_instances")] IReadOnlyList<string> ProviderInstances,
    [property: JsonPropertyName("validation_level")] string? ValidationLevel = null);

/// <summary>One provider's verdict in a multi-provider validation.</summary>
public sealed record TemplateValidation(
    bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings,
    [property: JsonPropertyName("supported_features")] IReadOnlyList<string> SupportedFeatures,
    [property: JsonPropertyName("unsupported_features")] IReadOnlyList<string> UnsupportedFeatures);

/// <param name="ValidationResults">Keyed by provider instance name.</param>
public sealed record TemplateMultiValidationResponse(
    [property: JsonPropertyName("template_id")] string TemplateId,
    [property: JsonPropertyName("validation_results")] IReadOnlyDictionary<string, TemplateValidation> ValidationResults,
    [property: JsonPropertyName("compatible_providers")] IReadOnlyList<string> CompatibleProviders,
    [property: JsonPropertyName("incompatible_providers")] IReadOnlyList<string> IncompatibleProviders);

public sealed record TemplateFileCount(string File, [property: JsonPropertyName("file_type")] string FileType, int Templates);

/// <summary><c>POST /api/v1/templates/refresh</c>.</summary>
public sealed record TemplateRefreshResponse(bool Refreshed, int Templates, long Generation, IReadOnlyList<TemplateFileCount> Files);

/// <summary><c>POST /api/v1/templates/migrate</c>: a file's templates into a provider instance's file.</summary>
public sealed record MigrateTemplatesRequest(
    string From,
    [property: JsonPropertyName("to_provider")] string ToProvider,
    [property: JsonPropertyName("dry_run")] bool? DryRun = null,
    bool? Backup = null);

public sealed record TemplateMigrationResult(
    string From, string To,
    [property: JsonPropertyName("dry_run")] bool DryRun,
    IReadOnlyList<string> Moved, IReadOnlyList<string> Merged,
    [property: JsonPropertyName("files_written")] IReadOnlyList<string> FilesWritten,
    IReadOnlyList<string> Backups);
