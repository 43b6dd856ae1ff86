using System.Text.Json;
using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;
using ProviderCapabilities = Arbitrage.Orleans.Contracts.Providers.ProviderCapabilities;
using ProviderDefinitionsResult = Arbitrage.Orleans.Contracts.Providers.ProviderDefinitionsResult;
using ProviderDetails = Arbitrage.Orleans.Contracts.Providers.ProviderDetails;
using ProviderSelection = Arbitrage.Orleans.Contracts.Providers.ProviderSelection;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The host-factory API's provider routes (snake_case): list (paged), details, capabilities, validation of provider
/// definitions, and a dry run of provider selection for a template.
/// </summary>
public static class ProvidersApi
{
    /// <summary>The fields <c>GET /api/v1/providers</c> sorts by.</summary>
    public static readonly IReadOnlyList<string> SortFields = ["name", "type", "enabled", "priority", "weight", "status"];

    /// <summary>Most definitions one validation takes.</summary>
    public const int MaxDefinitions = 100;

    /// <summary>Most machines a template may ask for.</summary>
    public const int MaxInstances = 1_000_000;

    public static IEndpointRouteBuilder MapProvidersApi(this IEndpointRouteBuilder routes)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, TooLarge = StatusCodes.Status413PayloadTooLarge,
            Unprocessable = StatusCodes.Status422UnprocessableEntity;
        var providers = routes.MapGroup("/api/v1/providers").WithTags("Providers");
        providers.MapGet("/", ListAsync)
            .WithName("ListProviders").WithSummary("Every configured provider instance with its health, paged (page, page_size, sort; filters type, enabled)")
            .ProducesApiErrors(BadRequest).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ProvidersName);
        providers.MapPost("/validate", ValidateAsync)
            .WithName("ValidateProviders").WithSummary("Checks provider definitions by the providers file's rules without applying them: errors and warnings per provider")
            .Accepts<ValidateProvidersRequest>("application/json").ProducesApiErrors(BadRequest, TooLarge).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ValidationName);
        providers.MapPost("/select", SelectAsync)
            .WithName("SelectProvider").WithSummary("A dry run of provider selection for a template and strategy, weighing the live market")
            .Accepts<SelectProviderRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge, Unprocessable).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ProvidersName);
        providers.MapGet("/{name}", DetailsAsync)
            .WithName("GetProvider").WithSummary("A provider's configuration, limits, health and statistics")
            .ProducesApiErrors(NotFound).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ProvidersName);
        providers.MapGet("/{name}/capabilities", CapabilitiesAsync)
            .WithName("GetProviderCapabilities").WithSummary("A provider's launch APIs, pricing models, regions and zones")
            .ProducesApiErrors(NotFound).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ProvidersName);
        return routes;
    }

    private static async Task<Ok<ProviderList>> ListAsync(HttpContext context, IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var page = PageQuery.From(context.Request.Query, SortFields);
        string? type = context.Request.Query["type"].ToString() is { Length: > 0 } t ? t : null;
        bool? enabled = context.Request.Query["enabled"].ToString() switch
        {
            "" => null,
            "true" => true,
            "false" => false,
            var other => throw ApiErrorException.Validation("enabled", $"enabled must be true or false; got '{other}'."),
        };
        var details = await Task.WhenAll(directory.ProviderNames.Select(n => grains.GetGrain<IProviderGrain>(n).GetDetails().WaitAsync(cancellationToken)));
        var matching = details
            .Where(d => type is null || d.Type.Equals(type, StringComparison.OrdinalIgnoreCase))
            .Where(d => enabled is null || d.Enabled == enabled)
            .Select(d => d.ToSummary())
            .ToList();
        var paged = page.Apply(matching, (p, field) => field switch
        {
            "name" => p.Name,
            "type" => p.Type,
            "enabled" => p.Enabled,
            "priority" => p.Priority,
            "weight" => p.Weight,
            _ => p.Status,
        });
        return TypedResults.Ok(new ProviderList(paged.Items, matching.Count, matching.Count(p => p.Enabled), paged.Pagination));
    }

    private static async Task<Ok<ProviderDetails>> DetailsAsync(string name, IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Provider(name, directory, grains).GetDetails().WaitAsync(cancellationToken)).ToContract());

    private static async Task<Ok<ProviderCapabilities>> CapabilitiesAsync(string name, IProviderDirectory directory, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Provider(name, directory, grains).GetCapabilities().WaitAsync(cancellationToken)).ToContract());

    /// <summary>
    /// <c>{"providers": [definition, …]}</c>, each definition with the providers file's fields; or
    /// <c>{"configured": true}</c> (with <c>provider_names</c> to narrow it) for the configured providers themselves.
    /// A body without a list of definitions is 400 INVALID_CONFIGURATION naming <c>providers</c>.
    /// </summary>
    private static async Task<Ok<ProviderDefinitionsResult>> ValidateAsync(RequestBody<ValidateProvidersRequest> body, IProviderDefinitionValidator validator, CancellationToken cancellationToken)
    {
        var request = body.Value;
        if (request.Configured is true) return TypedResults.Ok((await validator.ValidateConfiguredAsync(request.ProviderNames ?? [], cancellationToken)).ToContract());
        return TypedResults.Ok(validator.Validate(request.Providers!.ToList()).ToContract());
    }

    private static async Task<Ok<ProviderSelection>> SelectAsync(
        RequestBody<SelectProviderRequest> body, IProviderSelector selector, IPlacementService placement, ITemplateCatalog catalog, CancellationToken cancellationToken)
    {
        var asked = body.Value;
        var request = asked.Template is null && asked.TemplateId is { } templateId
            ? await ReadStoredSelectionAsync(asked, templateId, catalog, placement, cancellationToken)
            : ReadSelection(asked, placement);
        return TypedResults.Ok((await selector.SelectAsync(request, cancellationToken)).ToContract());
    }

    /// <summary>
    /// A selection request for a stored template (<c>template_id</c>, looked up in the template catalog): the template's
    /// filters overridden by the body's <c>provider_instance</c>, <c>provider_type</c>, <c>provider_api</c>, for its
    /// <c>max_instances</c> machines. An unknown id is 404 TEMPLATE_NOT_FOUND listing the catalog's ids.
    /// </summary>
    public static async Task<ProviderSelectionRequest> ReadStoredSelectionAsync(SelectProviderRequest body, string templateId, ITemplateCatalog catalog, IPlacementService placement, CancellationToken cancellationToken)
    {
        var template = await catalog.FindAsync(templateId, cancellationToken);
        if (template is null)
        {
            var available = (await catalog.ListAsync(cancellationToken)).Select(t => t.TemplateId).ToList();
            throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.TemplateNotFound, $"Template '{templateId}' not found.",
                new Dictionary<string, object?>
                {
                    ["requested_template"] = templateId,
                    ["available_templates"] = available,
                    ["suggestion"] = "Use 'GET /api/v1/templates' to see available templates, or send the template inline as \"template\": {...}",
                });
        }

        string? instance = body.ProviderInstance ?? template.ProviderName;
        string? type = body.ProviderType ?? template.ProviderType;
        string? api = body.ProviderApi ?? template.ProviderApi;
        string strategy = Strategy(body, instance, type, api, "template's provider_name", "template's provider_type", "template's provider_api");
        try
        {
            placement.Validate(template.Requirements);
        }
        catch (PlacementValidationException e)
        {
            // The stored template asks for something this market does not have (a GPU type no provider offers).
            throw new HostFactoryException(HostFactoryErrorCodes.TemplateInvalid, $"Template '{template.TemplateId}': {e.Message}", new Dictionary<string, object?>
            {
                ["template_id"] = template.TemplateId,
                ["field"] = TemplateField(e.Field),
                ["suggestion"] = "Fix the field in the template's source and refresh the templates",
            });
        }

        return TemplateSelection.For(template, strategy, instance, type, api, template.MaxInstances);
    }

    /// <summary>
    /// A selection request: an inline <c>template</c> (a <c>template_id</c> alone is read by <see cref="ReadStoredSelectionAsync"/>),
    /// a <c>selection_strategy</c>, and <c>provider_instance</c>, <c>provider_type</c>, <c>provider_api</c> that override the
    /// template's. Without a strategy: explicit when an instance is named, else default.
    /// </summary>
    public static ProviderSelectionRequest ReadSelection(SelectProviderRequest body, IPlacementService placement)
    {
        // The inline template is free-form (the template's snake_case fields): read field by field, each error naming template.<field>.
        var template = body.Template is { } inline
            ? new JsonBody(JsonSerializer.SerializeToElement(inline, ApiJson.SnakeCase), "template.")
            : throw ApiErrorException.Validation("template", "template or template_id is required: the template to select a provider for, inline or stored.");
        string? templateId = template.String("template_id", 256);
        string? instance = body.ProviderInstance ?? template.String("provider_name", 128);
        string? type = body.ProviderType ?? template.String("provider_type", 32);
        string? api = body.ProviderApi ?? template.String("provider_api", 128);
        string strategy = Strategy(body, instance, type, api, "template.provider_name", "template.provider_type", "template.provider_api");
        template.Strings("subnet_ids");
        template.String("image_id", 256);

        var requirements = new PlacementRequirements(
            MinCpu: template.Int("min_cpu") ?? 1,
            MinMemoryGb: template.Number("min_memory_gb") ?? 1,
            GpuCount: template.Int("gpu_count") ?? 0,
            GpuType: template.String("gpu_type", 64),
            PreferredRegions: template.Strings("regions"),
            MaxPricePerHour: template.Decimal("max_price_per_hour"),
            MaxInterruptionRate: template.Number("max_interruption_rate"),
            AllowSpot: template.Bool("spot_allowed") ?? true,
            AllowOnDemand: template.Bool("on_demand_allowed") ?? true);
        try
        {
            placement.Validate(requirements);
        }
        catch (PlacementValidationException e)
        {
            string field = "template." + TemplateField(e.Field);
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError, e.Message, new Dictionary<string, object?> { ["field"] = field });
        }

        return new ProviderSelectionRequest(strategy, instance, type, api, template.Int("max_instances", 1, MaxInstances) ?? 1, requirements, templateId);
    }

    /// <summary>The body's <c>selection_strategy</c>, checked against what it needs; without one, explicit when an instance is named, else default.</summary>
    private static string Strategy(SelectProviderRequest body, string? instance, string? type, string? api, string instanceFrom, string typeFrom, string apiFrom)
    {
        string strategy = body.SelectionStrategy ?? (instance is not null ? SelectionStrategies.Explicit : SelectionStrategies.Default);
        if (strategy == SelectionStrategies.Explicit && instance is null) throw ApiErrorException.Validation("provider_instance", $"provider_instance (or the {instanceFrom}) is required by the explicit strategy.");
        if (strategy == SelectionStrategies.LoadBalanced && type is null) throw ApiErrorException.Validation("provider_type", $"provider_type (or the {typeFrom}) is required by the load_balanced strategy: it balances across the instances of a type.");
        if (strategy == SelectionStrategies.ApiBased && api is null) throw ApiErrorException.Validation("provider_api", $"provider_api (or the {apiFrom}) is required by the api_based strategy.");
        return strategy;
    }

    /// <summary>A template's field for a requirement the market refused.</summary>
    private static string TemplateField(string requirement) => requirement switch
    {
        "minCPU" => "min_cpu",
        "minMemoryGB" => "min_memory_gb",
        "gpuCount" => "gpu_count",
        "gpuType" => "gpu_type",
        "preferredRegions" => "regions",
        "maxPricePerHour" => "max_price_per_hour",
        "maxInterruptionRate" => "max_interruption_rate",
        "allowSpot" or "allowOnDemand" => "spot_allowed",
        _ => requirement,
    };

    private static IProviderGrain Provider(string name, IProviderDirectory directory, IGrainFactory grains)
    {
        var known = directory.ProviderNames;
        var match = known.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))
            ?? throw HostFactoryException.ProviderNotFound(name, known);
        return grains.GetGrain<IProviderGrain>(match);
    }
}
