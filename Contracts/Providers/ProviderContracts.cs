using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Contracts.Providers;

// The host-factory API is snake_case: multi-word names are spelled with [JsonPropertyName] (the same under any
// options); a field always sent, null when it has no value, says so with [JsonIgnore(Condition = Never)].

/// <summary>A provider as <c>GET /api/v1/providers</c> lists it.</summary>
public sealed record ProviderSummary(string Name, string Type, bool Enabled, int Priority, int Weight, IReadOnlyList<string> Capabilities, string Status);

public sealed record ProviderList(IReadOnlyList<ProviderSummary> Providers, int Total, int Enabled, Pagination Pagination);

public sealed record ProviderLimits(
    [property: JsonPropertyName("max_instances_per_request")] int MaxInstancesPerRequest,
    [property: JsonPropertyName("max_concurrent_requests")] int MaxConcurrentRequests);

public sealed record ProviderStatistics(
    [property: JsonPropertyName("total_requests")] long TotalRequests,
    [property: JsonPropertyName("successful_requests")] long SuccessfulRequests,
    [property: JsonPropertyName("failed_requests")] long FailedRequests,
    [property: JsonPropertyName("average_response_time_ms")] double AverageResponseTimeMs);

/// <summary><c>GET /api/v1/providers/{name}</c>: configuration, limits, health from the last probe, statistics.</summary>
public sealed record ProviderDetails(
    string Name, string Type, bool Enabled, int Priority, int Weight, IReadOnlyList<string> Capabilities, string Status,
    [property: JsonPropertyName("status_reason"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? StatusReason,
    [property: JsonPropertyName("last_probe_at"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? LastProbeAt,
    IReadOnlyDictionary<string, string> Configuration, ProviderLimits Limits, ProviderStatistics Statistics);

/// <summary>A launch API and what it can do.</summary>
public sealed record ProviderApi(
    string Name,
    [property: JsonPropertyName("supports_spot")] bool SupportsSpot,
    [property: JsonPropertyName("supports_on_demand")] bool SupportsOnDemand,
    [property: JsonPropertyName("max_instances")] int MaxInstances,
    [property: JsonPropertyName("supported_fleet_types")] IReadOnlyList<string> SupportedFleetTypes);

/// <summary><c>GET /api/v1/providers/{name}/capabilities</c>.</summary>
public sealed record ProviderCapabilities(
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    [property: JsonPropertyName("supported_apis")] IReadOnlyList<ProviderApi> SupportedApis,
    [property: JsonPropertyName("pricing_models")] IReadOnlyList<string> PricingModels,
    IReadOnlyList<string> Regions,
    [property: JsonPropertyName("availability_zones")] IReadOnlyList<string> AvailabilityZones);

/// <summary>
/// <c>POST /api/v1/providers/validate</c>: provider definitions (the providers file's fields), or <c>configured: true</c>
/// (narrowed by <c>provider_names</c>) to check the configured providers.
/// </summary>
public sealed record ValidateProvidersRequest(
    IReadOnlyList<JsonElement>? Providers = null, bool? Configured = null,
    [property: JsonPropertyName("provider_names")] IReadOnlyList<string>? ProviderNames = null);

public sealed record ProviderDefinitionResult(string Name, bool Valid, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

public sealed record ProviderDefinitionsResult(bool Valid, IReadOnlyList<ProviderDefinitionResult> Providers);

/// <summary>
/// <c>POST /api/v1/providers/select</c>, a dry run: an inline <c>template</c> (the template's snake_case fields) or a stored
/// <c>template_id</c>, with a <c>selection_strategy</c> and provider filters that override the template's.
/// </summary>
public sealed record SelectProviderRequest(
    JsonObject? Template = null,
    [property: JsonPropertyName("template_id")] string? TemplateId = null,
    [property: JsonPropertyName("selection_strategy")] string? SelectionStrategy = null,
    [property: JsonPropertyName("provider_instance")] string? ProviderInstance = null,
    [property: JsonPropertyName("provider_type")] string? ProviderType = null,
    [property: JsonPropertyName("provider_api")] string? ProviderApi = null);

public sealed record SelectionValidation(
    bool Valid,
    [property: JsonPropertyName("supported_features")] IReadOnlyList<string> SupportedFeatures,
    IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

public sealed record SkippedProvider(string Provider, string Reason);

/// <summary>The chosen provider, why, the alternatives, and the cheapest fitting offer of the chosen provider (the pricing face's offer, snake_case; null when none fits).</summary>
public sealed record ProviderSelection(
    [property: JsonPropertyName("provider_type")] string ProviderType,
    [property: JsonPropertyName("provider_instance")] string ProviderInstance,
    [property: JsonPropertyName("selection_reason")] string SelectionReason,
    double Confidence, IReadOnlyList<string> Alternatives,
    [property: JsonPropertyName("selection_time_ms")] double SelectionTimeMs,
    [property: JsonPropertyName("validation_result")] SelectionValidation ValidationResult,
    string Strategy,
    [property: JsonPropertyName("cheapest_offer"), JsonIgnore(Condition = JsonIgnoreCondition.Never)] JsonElement? CheapestOffer,
    IReadOnlyList<SkippedProvider> Skipped);
