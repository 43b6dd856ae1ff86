using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans;

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
