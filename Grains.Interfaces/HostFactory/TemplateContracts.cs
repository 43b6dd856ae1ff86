using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans;
using Orleans.Concurrency;

namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>The kinds of template source, as the host-factory API's <c>file_type</c> spells them, most general first.</summary>
public static class TemplateSourceTypes
{
    /// <summary>The main templates file (<c>templates.json</c>).</summary>
    public const string Main = "main";

    /// <summary>A provider type's file (<c>awsprov_templates.json</c>).</summary>
    public const string ProviderType = "provider_type";

    /// <summary>A provider instance's file (<c>aws-us-east-1_templates.json</c>).</summary>
    public const string ProviderInstance = "provider_instance";

    /// <summary>Written over the API and kept in grain state; it overrides every file.</summary>
    public const string Api = "api";

    /// <summary>
    /// A source kind's priority (0 is the most specific file): provider_instance 0, provider_type 1, main 2; the API
    /// layer, above every file, is -1.
    /// </summary>
    public static int PriorityOf(string fileType) => fileType switch
    {
        Api => -1,
        ProviderInstance => 0,
        ProviderType => 1,
        _ => 2,
    };
}

/// <summary>One layer of a template's override chain: the source and the fields it set (fields a later layer sets again are overridden).</summary>
[GenerateSerializer, Alias("arb.TemplateLayer")]
public sealed record TemplateLayer([property: Id(0)] string File, [property: Id(1)] string FileType, [property: Id(2)] IReadOnlyList<string> Fields);

/// <summary>
/// Where a template comes from: its primary source (the last layer of the chain), that source's kind and priority
/// (0 is the most specific), and the override chain, most general first.
/// </summary>
[GenerateSerializer, Alias("arb.TemplateSourceInfo")]
public sealed record TemplateSourceInfo(
    [property: Id(0)] string SourceFile,
    [property: Id(1)] string FileType,
    [property: Id(2)] int Priority,
    [property: Id(3)] IReadOnlyList<TemplateLayer> OverrideChain);

/// <summary>
/// A host-factory template after its override chain is merged field by field: the seed's fields, and what they map
/// onto in the product (the placement requirements and the workload config a request's machines are created with).
/// </summary>
/// <param name="FieldsJson">The merged template as a JSON object (every field, including ones the product does not interpret), snake_case.</param>
[GenerateSerializer, Alias("arb.HostTemplate")]
public sealed record HostTemplate(
    [property: Id(0)] string TemplateId,
    [property: Id(1)] string? ProviderType,
    [property: Id(2)] string? ProviderName,
    [property: Id(3)] string? ProviderApi,
    [property: Id(4)] string? ImageId,
    [property: Id(5)] IReadOnlyList<string> SubnetIds,
    [property: Id(6)] int MaxInstances,
    [property: Id(7)] PlacementRequirements Requirements,
    [property: Id(8)] WorkloadConfig Config,
    [property: Id(9)] TemplateSourceInfo Source,
    [property: Id(10)] string FieldsJson);

/// <summary>
/// The templates every silo sees: the layered files merged with the templates written over the API. A silo service;
/// refusals are <see cref="HostFactoryException"/> with the seed's codes.
/// </summary>
public interface ITemplateCatalog
{
    /// <summary>The merged template, or null when no source defines it.</summary>
    Task<HostTemplate?> FindAsync(string templateId, CancellationToken cancellationToken);

    /// <summary>Every merged template, ordered by id.</summary>
    Task<IReadOnlyList<HostTemplate>> ListAsync(CancellationToken cancellationToken);
}

/// <summary>A template's fields as written over the API (the API layer of its chain), snake_case JSON.</summary>
[GenerateSerializer, Alias("arb.StoredTemplate")]
public sealed record StoredTemplate([property: Id(0)] string TemplateId, [property: Id(1)] string FieldsJson, [property: Id(2)] DateTimeOffset UpdatedAt);

/// <summary>
/// The counters a silo's template catalog compares with its own: <see cref="Templates"/> moves on every API write,
/// <see cref="Files"/> on every refresh of the files (through any silo).
/// </summary>
[GenerateSerializer, Alias("arb.TemplateGenerations")]
public sealed record TemplateGenerations([property: Id(0)] long Templates, [property: Id(1)] long Files);

/// <summary>The API layer of every template and the generations it belongs to.</summary>
[GenerateSerializer, Alias("arb.TemplateStoreSnapshot")]
public sealed record TemplateStoreSnapshot([property: Id(0)] TemplateGenerations Generations, [property: Id(1)] IReadOnlyList<StoredTemplate> Templates);

/// <summary>What a write to the store did: stored, refused because the id exists (create only), refused because the store is full, or nothing to remove.</summary>
[GenerateSerializer, Alias("arb.TemplateStoreOutcome")]
public enum TemplateStoreOutcome
{
    Stored = 0,
    Exists = 1,
    Full = 2,
    Missing = 3,
}

[GenerateSerializer, Alias("arb.TemplateStoreWrite")]
public sealed record TemplateStoreWrite([property: Id(0)] TemplateStoreOutcome Outcome, [property: Id(1)] bool Created, [property: Id(2)] TemplateGenerations Generations);

/// <summary>
/// The templates written over the API (key <see cref="DefaultKey"/>), kept in PostgreSQL and bounded in number, and the
/// generations every silo's catalog checks so a write or a refresh through one silo is seen by the others.
/// </summary>
[Alias("arb.ITemplateStoreGrain")]
public interface ITemplateStoreGrain : IGrainWithStringKey
{
    public const string DefaultKey = "templates";

    [ReadOnly]
    [Alias("GetGenerations")]
    Task<TemplateGenerations> GetGenerations();

    [ReadOnly]
    [Alias("GetSnapshot")]
    Task<TemplateStoreSnapshot> GetSnapshot();

    /// <summary>Stores the API layer of a template; with <paramref name="createOnly"/>, refuses (Exists) when the API layer has it.</summary>
    [Alias("Put")]
    Task<TemplateStoreWrite> Put(StoredTemplate template, bool createOnly);

    /// <summary>Removes the API layer of a template (Missing when it has none).</summary>
    [Alias("Remove")]
    Task<TemplateStoreWrite> Remove(string templateId);

    /// <summary>Says the files were re-read (a refresh or a migration): every silo's catalog re-reads them.</summary>
    [Alias("FilesChanged")]
    Task<TemplateGenerations> FilesChanged();
}

/// <summary>How many templates one source file holds.</summary>
public sealed record TemplateFileCount(string File, string FileType, int Templates);

/// <summary>A refresh: the merged templates now seen and the templates of each file read.</summary>
public sealed record TemplateRefreshResult(int Templates, IReadOnlyList<TemplateFileCount> Files, long Generation);

/// <summary>A template write over the API: whether it created the API layer, and the merged template now seen.</summary>
public sealed record TemplateWriteResult(bool Created, HostTemplate Template);

/// <summary>
/// Moves the templates of one source file into a provider instance's file (<c>&lt;to_provider&gt;_templates.json</c>),
/// merging with what that file holds; <paramref name="Backup"/> copies both files first; a dry run writes nothing.
/// </summary>
public sealed record TemplateMigration(string From, string ToProvider, bool DryRun, bool Backup);

/// <summary>What a migration moved (or would move): the ids, those merged into templates the target already held, the files written and the backups made.</summary>
public sealed record TemplateMigrationResult(
    string From,
    string To,
    bool DryRun,
    IReadOnlyList<string> Moved,
    IReadOnlyList<string> Merged,
    IReadOnlyList<string> FilesWritten,
    IReadOnlyList<string> Backups);

/// <summary>Writes to the templates: the API layer, a refresh of the files, a migration between files (a silo service).</summary>
public interface ITemplateAdministration
{
    /// <summary>Re-reads the files; a file that does not parse refuses the refresh and the previous templates stay.</summary>
    Task<TemplateRefreshResult> RefreshAsync(CancellationToken cancellationToken);

    /// <summary>Stores <paramref name="fieldsJson"/> (a JSON object) as the API layer of the template, checked merged with its files first.</summary>
    Task<TemplateWriteResult> PutAsync(string templateId, string fieldsJson, bool createOnly, CancellationToken cancellationToken);

    /// <summary>Removes the API layer of the template; the merged template of its files (null when none) shows through.</summary>
    Task<HostTemplate?> DeleteAsync(string templateId, CancellationToken cancellationToken);

    Task<TemplateMigrationResult> MigrateAsync(TemplateMigration migration, CancellationToken cancellationToken);
}

/// <summary>One template checked against one provider instance: errors make it invalid, warnings do not (strict makes them errors).</summary>
public sealed record TemplateValidation(
    bool Valid,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<string> SupportedFeatures,
    IReadOnlyList<string> UnsupportedFeatures);

/// <summary>
/// Checks a template against a provider instance: the provider exists and is enabled, its type, the template's API,
/// pricing models, the machine count against the provider's per-request limit, the fleet type, and a fitting offer in
/// the live market.
/// </summary>
public interface ITemplateValidator
{
    Task<TemplateValidation> ValidateAsync(HostTemplate template, string providerInstance, bool strict, CancellationToken cancellationToken);
}
