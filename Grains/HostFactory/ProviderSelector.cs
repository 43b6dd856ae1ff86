using System.Diagnostics;
using System.Globalization;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>
/// Provider selection for a template. The strategy gives the candidates (the named instance; the instances of a type;
/// those supporting an API; every enabled one), each narrowed by the template's type, API and machine count, in that
/// order, so a refusal names the first thing no provider met. Candidates whose circuit is open on this silo or whose
/// grain reports them unhealthy (as this silo's <see cref="ProviderHealthView"/> last heard it) are passed by, as are those with no offer that fits the template in the live market;
/// the answer lists them with the reason. Among the rest: <c>load_balanced</c> spreads templates by weight
/// (a stable hash of the template picks a point on the cumulative weights, so the same template lands on the same
/// provider and many templates split as the weights do); every other strategy prefers the lowest expected cost of an
/// hour of the cheapest fitting offer (<see cref="IPlacementService.CheapestByProvider"/>), then priority, then weight.
/// </summary>
public sealed class ProviderSelector(ProviderRegistry registry, IPlacementService placement, ProviderHealthView health) : IProviderSelector
{
    /// <summary>Two expected costs closer than this (relative) make a close call: the answer's confidence says so.</summary>
    public const double CloseCall = 0.05;

    public async Task<ProviderSelection> SelectAsync(ProviderSelectionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long started = Stopwatch.GetTimestamp();
        var candidates = Candidates(request);
        var skipped = new List<SkippedProvider>();
        // The providers' health from this silo's view (their grains are asked only when it is stale).
        var statuses = health.GetAsync(candidates, cancellationToken);
        // The live market: each candidate's cheapest offer fitting the template, in one pass over the candidates' part of the offer book.
        var offers = placement.CheapestByProvider(request.Requirements with { Providers = candidates.Select(p => p.Config.Name).ToList() })
            .ToDictionary(o => o.Provider, StringComparer.OrdinalIgnoreCase);
        var healthy = Healthy(candidates, await statuses, skipped);
        if (healthy.Count == 0)
        {
            throw Refuse(HostFactoryErrorCodes.NoEnabledProviders,
                $"No eligible provider is healthy: {string.Join("; ", skipped.Select(s => $"{s.Provider}: {s.Reason}"))}.",
                skipped, "Retry when the providers recover; 'GET /api/v1/providers' shows their status");
        }

        var priced = new List<(ConfiguredProvider Provider, PlacementOption Offer)>();
        foreach (var candidate in healthy)
        {
            if (offers.TryGetValue(candidate.Config.Name, out var offer)) priced.Add((candidate, offer));
            else skipped.Add(new SkippedProvider(candidate.Config.Name, $"no offer in its market fits the template ({Describe(request.Requirements)})"));
        }

        if (priced.Count == 0)
        {
            throw Refuse(HostFactoryErrorCodes.TemplateInvalid,
                $"No eligible provider has an offer that fits the template ({Describe(request.Requirements)}).",
                skipped, "Ask for fewer CPUs, less memory or other GPUs, or allow spot and on-demand");
        }

        var (chosen, reason, confidence, alternatives) = request.Strategy switch
        {
            SelectionStrategies.Explicit => (priced[0], $"Explicitly specified in request; {OfferText(priced[0].Offer)}", 1.0, new List<string>()),
            SelectionStrategies.LoadBalanced => LoadBalanced(request, priced),
            _ => Cheapest(request, priced),
        };
        var (provider, cheapest) = chosen;
        double elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new ProviderSelection(
            provider.Config.Type.ToLowerInvariant(), provider.Config.Name, reason, confidence, alternatives, Math.Round(elapsed, 3),
            Validation(request, provider, cheapest), request.Strategy, cheapest, skipped);
    }

    /// <summary>The candidates of the strategy, narrowed by type, API and machine count; a refusal names what none met.</summary>
    private List<ConfiguredProvider> Candidates(ProviderSelectionRequest request)
    {
        var all = registry.All;
        if (all.Count == 0) throw Refuse(HostFactoryErrorCodes.NoEnabledProviders, "No provider is configured.", [], "Add providers to the providers file (Market:ProvidersFile)");
        List<ConfiguredProvider> pool;
        if (request.Strategy == SelectionStrategies.Explicit)
        {
            string name = request.ProviderInstance ?? throw new ArgumentException("provider_instance is required by the explicit strategy.", "provider_instance");
            var named = registry.Find(name) ?? throw HostFactoryException.ProviderNotFound(name, all.Select(p => p.Config.Name));
            if (!named.Config.Enabled)
            {
                throw new HostFactoryException(HostFactoryErrorCodes.ProviderDisabled, $"Provider instance '{named.Config.Name}' is disabled.",
                    new Dictionary<string, object?>
                    {
                        ["requested_provider"] = named.Config.Name,
                        ["available_providers"] = all.Where(p => p.Config.Enabled).Select(p => p.Config.Name).ToList(),
                        ["suggestion"] = "Choose an enabled provider, or enable this one in the providers file",
                    });
            }

            pool = [named];
        }
        else
        {
            pool = all.Where(p => p.Config.Enabled).ToList();
            if (pool.Count == 0)
            {
                throw Refuse(HostFactoryErrorCodes.NoEnabledProviders, "Every configured provider is disabled.", [], "Enable a provider in the providers file");
            }
        }

        if (request.ProviderType is { } type)
        {
            var ofType = pool.Where(p => p.Config.Type.Equals(type, StringComparison.OrdinalIgnoreCase)).ToList();
            if (ofType.Count == 0)
            {
                throw new HostFactoryException(HostFactoryErrorCodes.ProviderTypeMismatch,
                    request.Strategy == SelectionStrategies.Explicit
                        ? $"Provider type mismatch: the template asks for '{type}', provider '{pool[0].Config.Name}' is '{pool[0].Config.Type.ToLowerInvariant()}'."
                        : $"No enabled provider is of type '{type}'.",
                    new Dictionary<string, object?>
                    {
                        ["requested_type"] = type,
                        ["available_types"] = pool.Select(p => p.Config.Type.ToLowerInvariant()).Distinct().ToList(),
                        ["available_providers"] = pool.Select(p => p.Config.Name).ToList(),
                        ["suggestion"] = "Use a provider_type that an enabled provider has, or omit it",
                    });
            }

            pool = ofType;
        }

        if (request.ProviderApi is { } api)
        {
            var supporting = pool.Where(p => Supports(p, api)).ToList();
            if (supporting.Count == 0)
            {
                throw new HostFactoryException(HostFactoryErrorCodes.ApiNotSupported, $"No eligible provider supports API '{api}'.",
                    new Dictionary<string, object?>
                    {
                        ["required_api"] = api,
                        ["available_apis"] = pool.SelectMany(Apis).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                        ["available_providers"] = pool.Select(p => p.Config.Name).ToList(),
                        ["suggestion"] = "Use one of available_apis as provider_api, or declare the API in the provider's capabilities",
                    });
            }

            pool = supporting;
        }

        var withinLimit = pool.Where(p => request.MaxInstances <= p.Config.Limits.MaxInstancesPerRequest).ToList();
        if (withinLimit.Count == 0)
        {
            throw new HostFactoryException(HostFactoryErrorCodes.InstanceLimitExceeded,
                $"{request.MaxInstances} machines exceed the per-request limit of every eligible provider (at most {pool.Max(p => p.Config.Limits.MaxInstancesPerRequest)}).",
                new Dictionary<string, object?>
                {
                    ["requested_instances"] = request.MaxInstances,
                    ["provider_limits"] = pool.ToDictionary(p => p.Config.Name, p => (object?)p.Config.Limits.MaxInstancesPerRequest),
                    ["suggestion"] = "Ask for fewer machines per request",
                });
        }

        return withinLimit;
    }

    private static List<ConfiguredProvider> Healthy(List<ConfiguredProvider> candidates, ProviderHealth[] details, List<SkippedProvider> skipped)
    {
        var healthy = new List<ConfiguredProvider>(candidates.Count);
        for (int i = 0; i < candidates.Count; i++)
        {
            var provider = candidates[i];
            if (provider.Adapter.Unwrap<ResilientCloudAdapter>() is { Available: false })
            {
                skipped.Add(new SkippedProvider(provider.Config.Name, "circuit open: calls to its cloud are paused after repeated failures"));
            }
            else if (details[i].Status == ProviderStatus.Unhealthy)
            {
                skipped.Add(new SkippedProvider(provider.Config.Name, $"unhealthy: {details[i].Reason ?? "its health probe fails"}"));
            }
            else
            {
                healthy.Add(provider);
            }
        }

        return healthy;
    }

    private static ((ConfiguredProvider, PlacementOption), string, double, List<string>) Cheapest(
        ProviderSelectionRequest request, List<(ConfiguredProvider Provider, PlacementOption Offer)> priced)
    {
        var ranked = priced.OrderBy(p => p.Offer.ExpectedCostPerHour).ThenBy(p => p.Provider.Config.Priority).ThenByDescending(p => p.Provider.Config.Weight)
            .ThenBy(p => p.Provider.Config.Name, StringComparer.Ordinal).ToList();
        var best = ranked[0];
        string scope = request.Strategy == SelectionStrategies.ApiBased ? $"providers supporting API '{request.ProviderApi}'" : "eligible providers";
        string reason;
        double confidence;
        if (ranked.Count == 1)
        {
            reason = $"Only one of the {scope} is healthy with a fitting offer; {OfferText(best.Offer)}";
            confidence = 0.8;
        }
        else
        {
            var second = ranked[1];
            decimal a = best.Offer.ExpectedCostPerHour, b = second.Offer.ExpectedCostPerHour;
            bool tie = a == b;
            bool close = b > 0 && (double)((b - a) / b) < CloseCall;
            reason = tie
                ? $"Lowest expected cost among {ranked.Count} {scope}, tied with {second.Provider.Config.Name} at ${Money(a)}/h; priority {best.Provider.Config.Priority} then weight {best.Provider.Config.Weight} decide; {OfferText(best.Offer)}"
                : $"Lowest expected cost among {ranked.Count} {scope}: ${Money(a)}/h against ${Money(b)}/h on {second.Provider.Config.Name} ({Percent((double)((b - a) / b))} cheaper); {OfferText(best.Offer)}";
            confidence = tie ? 0.6 : close ? 0.75 : 0.9;
        }

        return (best, reason, confidence, ranked.Skip(1).Select(p => p.Provider.Config.Name).ToList());
    }

    private static ((ConfiguredProvider, PlacementOption), string, double, List<string>) LoadBalanced(
        ProviderSelectionRequest request, List<(ConfiguredProvider Provider, PlacementOption Offer)> priced)
    {
        // Weights of 0 count only when every candidate has 0 (then they share equally).
        bool anyWeight = priced.Any(p => p.Provider.Config.Weight > 0);
        var weighted = priced.Select(p => (p.Provider, p.Offer, Weight: anyWeight ? p.Provider.Config.Weight : 1)).Where(p => p.Weight > 0)
            .OrderByDescending(p => p.Weight).ThenBy(p => p.Provider.Config.Name, StringComparer.Ordinal).ToList();
        long total = weighted.Sum(p => (long)p.Weight);
        long point = (long)(StableHash(request) % (ulong)total);
        var chosen = weighted[^1];
        foreach (var candidate in weighted)
        {
            if (point < candidate.Weight)
            {
                chosen = candidate;
                break;
            }

            point -= candidate.Weight;
        }

        string type = request.ProviderType ?? "eligible";
        string reason = $"Load balanced across {weighted.Count} {type.ToUpperInvariant()} providers (weight: {chosen.Weight}/{total}); {OfferText(chosen.Offer)}";
        var alternatives = weighted.Where(p => p.Provider != chosen.Provider).Select(p => p.Provider.Config.Name).ToList();
        return ((chosen.Provider, chosen.Offer), reason, weighted.Count == 1 ? 0.8 : 0.9, alternatives);
    }

    private static SelectionValidation Validation(ProviderSelectionRequest request, ConfiguredProvider provider, PlacementOption offer)
    {
        var features = new List<string>();
        if (request.ProviderApi is { } api) features.Add($"API: {api}");
        features.Add($"Instance count: {request.MaxInstances} (within limit of {provider.Config.Limits.MaxInstancesPerRequest})");
        var apis = provider.Adapter.LaunchApis;
        if (request.Requirements.AllowSpot && apis.Any(a => a.SupportsSpot)) features.Add("Pricing: Spot instances");
        if (request.Requirements.AllowOnDemand && apis.Any(a => a.SupportsOnDemand)) features.Add("Pricing: On-demand instances");
        features.Add($"Market: {offer.InstanceType} {offer.Market} in {offer.Zone} ({offer.VCpus} vCPU / {offer.MemoryGb:0.#} GiB)");
        var warnings = new List<string>();
        if (request.TemplateId is null) warnings.Add("the template has no template_id");
        return new SelectionValidation(true, features, [], warnings);
    }

    private static bool Supports(ConfiguredProvider provider, string api) => Apis(provider).Any(a => a.Equals(api, StringComparison.OrdinalIgnoreCase)
        || (a.LastIndexOf(':') is var colon and >= 0 && a[(colon + 1)..].Equals(api, StringComparison.OrdinalIgnoreCase)));

    private static IEnumerable<string> Apis(ConfiguredProvider provider) => provider.Adapter.LaunchApis.Select(a => a.Name).Concat(provider.Config.Capabilities);

    private static HostFactoryException Refuse(string code, string message, IReadOnlyList<SkippedProvider> skipped, string suggestion) =>
        new(code, message, new Dictionary<string, object?>
        {
            ["skipped_providers"] = skipped.Select(s => new Dictionary<string, object?> { ["provider"] = s.Provider, ["reason"] = s.Reason }).ToList(),
            ["suggestion"] = suggestion,
        });

    private static string OfferText(PlacementOption o) => string.Create(CultureInfo.InvariantCulture,
        $"its cheapest fitting offer is {o.InstanceType} {o.Market} in {o.Zone} at ${Money(o.PricePerHour)}/h, ${Money(o.ExpectedCostPerHour)}/h expected with interruptions");

    private static string Describe(PlacementRequirements r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.MinCpu} vCPU, {r.MinMemoryGb:0.##} GiB{(r.GpuCount > 0 ? $", {r.GpuCount} GPU {r.GpuType}" : "")}{(r.AllowSpot ? "" : ", on-demand only")}{(r.AllowOnDemand ? "" : ", spot only")}");

    private static string Money(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Percent(double value) => value.ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>FNV-1a over what identifies the template, so the same template is balanced onto the same provider on every silo.</summary>
    private static ulong StableHash(ProviderSelectionRequest r)
    {
        var requirements = r.Requirements;
        string key = string.Create(CultureInfo.InvariantCulture,
            $"{r.TemplateId}|{r.ProviderType}|{r.ProviderApi}|{r.MaxInstances}|{requirements.MinCpu}|{requirements.MinMemoryGb:R}|{requirements.GpuCount}|{requirements.GpuType}|{string.Join(',', requirements.PreferredRegions ?? [])}");
        ulong hash = 14695981039346656037;
        foreach (char c in key)
        {
            hash ^= c;
            hash *= 1099511628211;
        }

        return hash;
    }
}
