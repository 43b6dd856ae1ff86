using System.Text.Json;
using System.Text.Json.Nodes;

namespace Arbitrage.Orleans.Contracts.Providers;

/// <summary>A provider as <c>GET /api/v1/providers</c> lists it.</summary>
public sealed record ProviderSummary(string Name, string Type, bool Enabled, int Priority, int Weight, IReadOnlyList<string> Capabilities, string Status);

public sealed record ProviderList(IReadOnlyList<ProviderSummary> Providers, int Total, int Enabled, Pagination Pagination);

public sealed record ProviderLimits(int MaxInstancesPerRequest, int MaxConcurrentRequests);

public sealed record ProviderStatistics(long TotalRequests, long SuccessfulRequests, long FailedRequests, double AverageResponseTimeMs);

/// <summary><c>GET /api/v1/providers/{name}</c>: configuration, limits, health from the last probe, statistics.</summary>
public sealed record ProviderDetails(
    string Name, string Type, bool Enabled, int Priority, int Weight, IReadOnlyList<string> Capabilities, string Status, string? StatusReason,
    DateTimeOffset? LastProbeAt, IReadOnlyDictionary<string, string> Configuration, ProviderLimits Limits, ProviderStatistics Statistics);

/// <summary>A launch API and what it can do.</summary>
public sealed record ProviderApi(string Name, bool SupportsSpot, bool SupportsOnDemand, int MaxInstances, IReadOnlyList<string> SupportedFleetTypes);

/// <summary><c>GET /api/v1/providers/{name}/capabilities</c>.</summary>
public sealed record ProviderCapabilities(
    string ProviderInstance, IReadOnlyList<ProviderApi> SupportedApis, IReadOnlyList<string> PricingModels, IReadOnlyList<string> Regions,
    IReadOnlyList<string> AvailabilityZones);

/// <summary>
/// <c>POST /api/v1/providers/validate</c>: provider definitions (the providers file's fields), or <c>configured: true</c>
/// (narrowed by <c>provider_names</c>) to check the configured providers.
/// </summary>
public sealed record ValidateProvidersRequest(IReadOnlyList<JsonElement>? Providers = null, bool? Configured = null, IReadOnlyList<string>? ProviderNames = null);

public sealed record ProviderDefinitionResult(string Name, bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

public sealed record ProviderDefinitionsResult(bool Valid, IReadOnlyList<ProviderDefinitionResult> Providers);

/// <summary>
/// <c>POST /api/v1/providers/select</c>, a dry run: an inline <c>template</c> (the template's snake_case fields) or a stored
/// <c>template_id</c>, with a <c>selection_strategy</c> and provider filters that override the template's.
/// </summary>
public sealed record SelectProviderRequest(
    JsonObject? Template = null, string? TemplateId = null, string? SelectionStrategy = null, string? ProviderInstance = null, string? ProviderType = null,
    string? ProviderApi = null);

public sealed record SelectionValidation(bool Valid, IReadOnlyList<string> SupportedFeatures, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

public sealed record SkippedProvider(string Provider, string Reason);

/// <summary>The chosen provider, why, the alternatives, and the cheapest fitting offer of the chosen provider (the pricing face's offer).</summary>
public sealed record ProviderSelection(
    string ProviderType, string ProviderInstance, string SelectionReason, double Confidence, IReadOnlyList<string> Alternatives, double SelectionTimeMs,
    SelectionValidation ValidationResult, string Strategy, JsonElement? CheapestOffer, IReadOnlyList<SkippedProvider> Skipped);
