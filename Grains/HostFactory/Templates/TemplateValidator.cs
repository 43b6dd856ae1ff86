using System.Globalization;
using System.Text.Json;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>
/// A template checked against one provider instance, in the order a person would: the provider exists and is enabled;
/// its type is the template's (a mismatch ends the check: nothing else of the template applies); the template's API is
/// one the provider launches through (its adapter's API or a capability it names); its pricing models; the machine
/// count against the provider's per-request limit; the fleet type; and whether the live market holds an offer fitting
/// the template on that provider now. What may change by itself (the market) is a warning; strict makes warnings errors.
/// </summary>
public sealed class TemplateValidator(ProviderRegistry registry, IPlacementService placement) : ITemplateValidator
{
    /// <summary>The fleet type the product's launches behave as (one machine per call, at once).</summary>
    public const string InstantFleet = "instant";

    private static readonly string[] FleetApis = ["EC2Fleet", "SpotFleet"];

    public Task<TemplateValidation> ValidateAsync(HostTemplate template, string providerInstance, bool strict, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        var errors = new List<string>();
        var warnings = new List<string>();
        var supported = new List<string>();
        var unsupported = new List<string>();
        var provider = registry.All.FirstOrDefault(p => p.Config.Name.Equals(providerInstance, StringComparison.OrdinalIgnoreCase));
        if (provider is null)
        {
            errors.Add($"Provider instance '{providerInstance}' not found in configuration");
            return Task.FromResult(Result(errors, warnings, supported, unsupported, strict));
        }

        var config = provider.Config;
        string type = config.Type.ToLowerInvariant();
        if (!config.Enabled) errors.Add($"Provider '{config.Name}' is disabled");
        if (template.ProviderType is { } wanted && !wanted.Equals(type, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Provider type mismatch: expected '{type}', got '{wanted}'");
            return Task.FromResult(Result(errors, warnings, supported, unsupported, strict));
        }

        if (template.ProviderName is { } named && !named.Equals(config.Name, StringComparison.OrdinalIgnoreCase))
        {
            warnings.Add($"The template names provider '{named}'; checked against '{config.Name}'");
        }

        if (template.ProviderApi is { } api)
        {
            if (Supports(provider, api)) supported.Add($"API: {api}");
            else
            {
                errors.Add($"Provider does not support API '{api}'");
                unsupported.Add($"API: {api}");
            }
        }

        var apis = provider.Adapter.LaunchApis;
        if (template.Requirements.AllowSpot)
        {
            if (apis.Any(a => a.SupportsSpot)) supported.Add("Pricing: Spot instances");
            else
            {
                unsupported.Add("Pricing: Spot instances");
                if (!template.Requirements.AllowOnDemand) errors.Add("Provider does not offer spot instances and the template allows nothing else");
            }
        }

        if (template.Requirements.AllowOnDemand)
        {
            if (apis.Any(a => a.SupportsOnDemand)) supported.Add("Pricing: On-demand instances");
            else unsupported.Add("Pricing: On-demand instances");
        }

        int limit = config.Limits.MaxInstancesPerRequest;
        if (template.MaxInstances <= limit) supported.Add($"Instance count: {template.MaxInstances} (within limit)");
        else
        {
            errors.Add($"Instance count {template.MaxInstances} exceeds the provider's limit of {limit} per request");
            unsupported.Add($"Instance count: {template.MaxInstances}");
        }

        FleetType(template, type, supported, unsupported, warnings);
        Market(template, config.Name, supported, warnings);
        return Task.FromResult(Result(errors, warnings, supported, unsupported, strict));
    }

    private static void FleetType(HostTemplate template, string type, List<string> supported, List<string> unsupported, List<string> warnings)
    {
        string? fleet = null;
        using (var fields = JsonDocument.Parse(template.FieldsJson))
        {
            if (fields.RootElement.TryGetProperty("fleet_type", out var value) && value.ValueKind == JsonValueKind.String) fleet = value.GetString();
        }

        bool fleetApi = template.ProviderApi is { } api && FleetApis.Contains(api, StringComparer.OrdinalIgnoreCase);
        if (fleet is null && !fleetApi) return;
        fleet ??= InstantFleet;
        if (fleet.Equals(InstantFleet, StringComparison.OrdinalIgnoreCase) && type == "aws")
        {
            supported.Add($"Fleet type: {InstantFleet}");
            return;
        }

        unsupported.Add($"Fleet type: {fleet}");
        warnings.Add(type == "aws"
            ? $"Fleet type '{fleet}' is not used: machines are launched one by one, at once ({InstantFleet}), and replaced on interruption by the product"
            : $"Fleet type '{fleet}' applies to AWS fleets only; ignored on a {type} provider");
    }

    private void Market(HostTemplate template, string provider, List<string> supported, List<string> warnings)
    {
        PlacementEstimate estimate;
        try
        {
            estimate = placement.Estimate(template.Requirements with { Providers = [provider] }, alternatives: 0);
        }
        catch (PlacementValidationException e)
        {
            warnings.Add($"The market cannot be searched for this template: {e.Message}");
            return;
        }

        if (estimate.Recommended is { } offer)
        {
            supported.Add(string.Create(CultureInfo.InvariantCulture,
                $"Market: {offer.InstanceType} {offer.Market} in {offer.Zone} at ${offer.PricePerHour:0.####}/h"));
        }
        else
        {
            // Other providers' offers are left out by asking for this one: that is not why nothing fits.
            var reason = estimate.Rejections.FirstOrDefault(r => r.Constraint != "providers")?.Message ?? "the provider has no offers";
            warnings.Add($"No offer on '{provider}' fits the template in the live market now ({reason})");
        }
    }

    private static bool Supports(ConfiguredProvider provider, string api) =>
        provider.Adapter.LaunchApis.Select(a => a.Name).Concat(provider.Config.Capabilities).Any(a => a.Equals(api, StringComparison.OrdinalIgnoreCase)
            || (a.LastIndexOf(':') is var colon and >= 0 && a[(colon + 1)..].Equals(api, StringComparison.OrdinalIgnoreCase)));

    private static TemplateValidation Result(List<string> errors, List<string> warnings, List<string> supported, List<string> unsupported, bool strict)
    {
        if (strict)
        {
            errors.AddRange(warnings);
            warnings.Clear();
        }

        return new TemplateValidation(errors.Count == 0, errors, warnings, supported, unsupported);
    }
}
