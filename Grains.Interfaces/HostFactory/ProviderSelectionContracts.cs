using System.Text.Json;
using Arbitrage.Orleans.Grains.Market;
using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>How a provider instance is chosen for a template (the host-factory API's <c>selection_strategy</c>).</summary>
public static class SelectionStrategies
{
    /// <summary>The named instance, or a refusal saying why not.</summary>
    public const string Explicit = "explicit";

    /// <summary>Weighted across the enabled, healthy instances of a type.</summary>
    public const string LoadBalanced = "load_balanced";

    /// <summary>The instances that support the template's API.</summary>
    public const string ApiBased = "api_based";

    /// <summary>Every enabled, healthy instance: the market decides, then priority, then weight.</summary>
    public const string Default = "default";

    public static IReadOnlyList<string> All { get; } = new[] { Explicit, LoadBalanced, ApiBased, Default };
}

/// <summary>
/// What provider selection is asked: a strategy, the filters a template carries (instance, type, API), how many machines
/// one request may ask for, and the workload requirements the template maps onto (what the market is searched for).
/// </summary>
[GenerateSerializer, Alias("arb.ProviderSelectionRequest")]
public sealed record ProviderSelectionRequest(
    [property: Id(0)] string Strategy,
    [property: Id(1)] string? ProviderInstance,
    [property: Id(2)] string? ProviderType,
    [property: Id(3)] string? ProviderApi,
    [property: Id(4)] int MaxInstances,
    [property: Id(5)] PlacementRequirements Requirements,
    [property: Id(6)] string? TemplateId);

/// <summary>An eligible-looking provider that selection passed by, and why (circuit open, unhealthy, no fitting offer).</summary>
[GenerateSerializer, Alias("arb.SkippedProvider")]
public sealed record SkippedProvider([property: Id(0)] string Provider, [property: Id(1)] string Reason);

/// <summary>Whether the chosen provider can serve the template, and what of it is supported.</summary>
[GenerateSerializer, Alias("arb.SelectionValidation")]
public sealed record SelectionValidation(
    [property: Id(0)] bool Valid,
    [property: Id(1)] IReadOnlyList<string> SupportedFeatures,
    [property: Id(2)] IReadOnlyList<string> Errors,
    [property: Id(3)] IReadOnlyList<string> Warnings);

/// <summary>
/// The chosen provider (the seed's shape: type, instance, reason, confidence, alternatives, selection time, validation),
/// plus the strategy used, the cheapest fitting offer of the chosen provider and the providers passed by.
/// </summary>
[GenerateSerializer, Alias("arb.ProviderSelection")]
public sealed record ProviderSelection(
    [property: Id(0)] string ProviderType,
    [property: Id(1)] string ProviderInstance,
    [property: Id(2)] string SelectionReason,
    [property: Id(3)] double Confidence,
    [property: Id(4)] IReadOnlyList<string> Alternatives,
    [property: Id(5)] double SelectionTimeMs,
    [property: Id(6)] SelectionValidation ValidationResult,
    [property: Id(7)] string Strategy,
    [property: Id(8)] PlacementOption? CheapestOffer,
    [property: Id(9)] IReadOnlyList<SkippedProvider> Skipped);

/// <summary>
/// Chooses a provider instance for a template (a silo service: the registry, the providers' grains and this silo's offer
/// book). Refuses with <see cref="HostFactoryException"/> when no provider is eligible, before anything is created.
/// </summary>
public interface IProviderSelector
{
    Task<ProviderSelection> SelectAsync(ProviderSelectionRequest request, CancellationToken cancellationToken);
}

/// <summary>One provider definition's verdict: errors make it invalid, warnings do not.</summary>
public sealed record ProviderDefinitionResult(string Name, bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

/// <summary>The verdict on a list of provider definitions: valid when every one is.</summary>
public sealed record ProviderDefinitionsResult(bool Valid, IReadOnlyList<ProviderDefinitionResult> Providers);

/// <summary>Checks provider definitions (as JSON, the providers file's fields) by the rules the providers file is held to at start, without applying them.</summary>
public interface IProviderDefinitionValidator
{
    ProviderDefinitionsResult Validate(IReadOnlyList<JsonElement> definitions);

    /// <summary>
    /// Checks the configured providers (all, or those named) by the same rules, with a warning for each one whose
    /// status is not healthy; an unknown name is refused as PROVIDER_NOT_FOUND.
    /// </summary>
    Task<ProviderDefinitionsResult> ValidateConfiguredAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);
}
