using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;
using Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The host-factory API's template routes (snake_case): the templates merged along their override chains (list with
/// provider filters, paged; one with its source information), templates written over the API (create, replace, delete:
/// the API layer of the chain), validation against one or several providers, a refresh of the files and a migration
/// of one file's templates into a provider instance's file. Templates are shared by every tenant: reads and validation
/// need <c>pricing:read</c>, writes <c>tenants:manage</c> (the operator).
/// </summary>
public static class TemplatesApi
{
    /// <summary>The fields <c>GET /api/v1/templates</c> sorts by.</summary>
    public static readonly IReadOnlyList<string> SortFields = ["template_id", "provider_type", "provider_name", "provider_api", "max_instances"];

    /// <summary>Most providers one multi-provider validation checks.</summary>
    public const int MaxProviders = 50;

    public static IEndpointRouteBuilder MapTemplatesApi(this IEndpointRouteBuilder routes)
    {
        var templates = routes.MapGroup("/api/v1/templates").WithTags("Templates");
        templates.MapGet("/", ListAsync)
            .WithName("ListTemplates").WithSummary("The merged templates with their primary source, paged (page, page_size, sort; filters provider_type, provider_name, provider_api)")
            .RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/", CreateAsync)
            .WithName("CreateTemplate").WithSummary("Creates a template's API layer (it overrides the template's files field by field); 409 when the API layer has it")
            .RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/refresh", RefreshAsync)
            .WithName("RefreshTemplates").WithSummary("Re-reads the template files on every silo; a file that does not parse refuses the refresh and the previous templates stay")
            .RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/migrate", MigrateAsync)
            .WithName("MigrateTemplates").WithSummary("Moves a file's templates into a provider instance's file (merging), with a backup when asked; a dry run writes nothing")
            .RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapGet("/{id}", GetAsync)
            .WithName("GetTemplate").WithSummary("One merged template; include_source=true adds its override chain")
            .RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPut("/{id}", PutAsync)
            .WithName("PutTemplate").WithSummary("Creates or replaces a template's API layer")
            .RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteTemplate").WithSummary("Removes a template's API layer: its files show through again")
            .RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/{id}/validate", ValidateAsync)
            .WithName("ValidateTemplate").WithSummary("Checks a template against a provider instance (strict or lenient): errors, warnings, supported and unsupported features")
            .RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ValidationName);
        templates.MapPost("/{id}/validate-multi", ValidateMultiAsync)
            .WithName("ValidateTemplateMulti").WithSummary("Checks a template against several provider instances: compatible and incompatible providers")
            .RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ValidationName);
        return routes;
    }

    public sealed record TemplateList(IReadOnlyList<JsonObject> Templates, int Total, JsonObject Filters, Pagination Pagination);

    public sealed record TemplateValidationResponse(
        bool Valid, string ProviderInstance, string ValidationLevel, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings,
        IReadOnlyList<string> SupportedFeatures, IReadOnlyList<string> UnsupportedFeatures);

    /// <summary><c>validation_results</c> is keyed by provider instance names, kept as they are.</summary>
    public sealed record TemplateMultiValidationResponse(string TemplateId, JsonObject ValidationResults, IReadOnlyList<string> CompatibleProviders, IReadOnlyList<string> IncompatibleProviders);

    public sealed record TemplateRefreshResponse(bool Refreshed, int Templates, long Generation, IReadOnlyList<TemplateFileCount> Files);

    private static readonly (string Query, Func<HostTemplate, string?> Field)[] Filters =
    [
        ("provider_type", t => t.ProviderType),
        ("provider_name", t => t.ProviderName),
        ("provider_api", t => t.ProviderApi),
    ];

    private static async Task<IResult> ListAsync(HttpContext context, ITemplateCatalog catalog, CancellationToken cancellationToken)
    {
        var page = PageQuery.From(context.Request.Query, SortFields);
        var filters = new JsonObject();
        IEnumerable<HostTemplate> matching = await catalog.ListAsync(cancellationToken);
        foreach (var (name, field) in Filters)
        {
            if (context.Request.Query[name].ToString() is not { Length: > 0 } wanted) continue;
            if (wanted.Length > 128) throw ApiErrorException.Validation(name, $"{name} must be at most 128 characters.");
            filters[name] = wanted;
            matching = matching.Where(t => string.Equals(field(t), wanted, StringComparison.OrdinalIgnoreCase));
        }

        var list = matching.ToList();
        var paged = page.Apply(list, (t, sort) => sort switch
        {
            "provider_type" => t.ProviderType,
            "provider_name" => t.ProviderName,
            "provider_api" => t.ProviderApi,
            "max_instances" => t.MaxInstances,
            _ => t.TemplateId,
        });
        return Results.Json(new TemplateList(paged.Items.Select(t => Render(t, includeChain: false)).ToList(), list.Count, filters, paged.Pagination), ApiJson.SnakeCase);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, ITemplateCatalog catalog, CancellationToken cancellationToken)
    {
        bool includeSource = context.Request.Query["include_source"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw ApiErrorException.Validation("include_source", $"include_source must be true or false; got '{other}'."),
        };
        var template = await FindAsync(catalog, id, cancellationToken);
        return Results.Json(Render(template, includeSource), ApiJson.SnakeCase);
    }

    /// <summary>The body is the template: its fields, snake_case, with its <c>template_id</c>.</summary>
    private static async Task<IResult> CreateAsync(HttpContext context, ITemplateAdministration administration)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string id = body.RequiredString("template_id", 128);
        var written = await administration.PutAsync(id, body.Root.GetRawText(), createOnly: true, context.RequestAborted);
        return Results.Json(Render(written.Template, includeChain: true), ApiJson.SnakeCase, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> PutAsync(string id, HttpContext context, ITemplateAdministration administration)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var written = await administration.PutAsync(id, body.Root.GetRawText(), createOnly: false, context.RequestAborted);
        return Results.Json(Render(written.Template, includeChain: true), ApiJson.SnakeCase, statusCode: written.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>204 when no file defines the template; else 200 with the template its files now make.</summary>
    private static async Task<IResult> DeleteAsync(string id, ITemplateAdministration administration, CancellationToken cancellationToken)
    {
        var remaining = await administration.DeleteAsync(id, cancellationToken);
        return remaining is null ? Results.NoContent() : Results.Json(Render(remaining, includeChain: true), ApiJson.SnakeCase);
    }

    private static async Task<IResult> RefreshAsync(ITemplateAdministration administration, CancellationToken cancellationToken)
    {
        var refreshed = await administration.RefreshAsync(cancellationToken);
        return Results.Json(new TemplateRefreshResponse(true, refreshed.Templates, refreshed.Generation, refreshed.Files), ApiJson.SnakeCase);
    }

    /// <summary><c>{"from": "templates.json", "to_provider": "sim-aws", "dry_run": false, "backup": true}</c>.</summary>
    private static async Task<IResult> MigrateAsync(HttpContext context, ITemplateAdministration administration)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        var migration = new TemplateMigration(body.RequiredString("from", 256), body.RequiredString("to_provider", 128), body.Bool("dry_run") ?? false, body.Bool("backup") ?? false);
        var result = await administration.MigrateAsync(migration, context.RequestAborted);
        return Results.Json(result, ApiJson.SnakeCase);
    }

    /// <summary><c>{"provider_instance": "aws-us-east-1", "validation_level": "strict"}</c>; without an instance, the template's <c>provider_name</c>.</summary>
    private static async Task<IResult> ValidateAsync(string id, HttpContext context, ITemplateCatalog catalog, ITemplateValidator validator, IProviderDirectory directory)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string level = Level(body);
        var template = await FindAsync(catalog, id, context.RequestAborted);
        string instance = body.String("provider_instance", 128) ?? template.ProviderName
            ?? throw ApiErrorException.Validation("provider_instance", "provider_instance is required: the template names no provider_name.");
        string provider = directory.ProviderNames.FirstOrDefault(n => n.Equals(instance, StringComparison.OrdinalIgnoreCase)) ?? throw ProviderNotFound(instance, directory);
        var result = await validator.ValidateAsync(template, provider, level == "strict", context.RequestAborted);
        return Results.Json(new TemplateValidationResponse(result.Valid, provider, level, result.Errors, result.Warnings, result.SupportedFeatures, result.UnsupportedFeatures), ApiJson.SnakeCase);
    }

    /// <summary><c>{"provider_instances": [...], "validation_level": "lenient"}</c>; a provider not configured is incompatible, saying so.</summary>
    private static async Task<IResult> ValidateMultiAsync(string id, HttpContext context, ITemplateCatalog catalog, ITemplateValidator validator)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string level = Level(body);
        var instances = body.Strings("provider_instances", MaxProviders);
        if (instances is null || instances.Count == 0) throw ApiErrorException.Validation("provider_instances", $"provider_instances is required: 1 to {MaxProviders} provider instance names.");
        var template = await FindAsync(catalog, id, context.RequestAborted);
        var results = new JsonObject();
        var compatible = new List<string>();
        var incompatible = new List<string>();
        foreach (var instance in instances.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var result = await validator.ValidateAsync(template, instance, level == "strict", context.RequestAborted);
            results[instance] = JsonSerializer.SerializeToNode(result, ApiJson.SnakeCase);
            (result.Valid ? compatible : incompatible).Add(instance);
        }

        return Results.Json(new TemplateMultiValidationResponse(template.TemplateId, results, compatible, incompatible), ApiJson.SnakeCase);
    }

    private static string Level(JsonBody body)
    {
        string level = body.String("validation_level", 16) ?? "lenient";
        return level is "strict" or "lenient" ? level : throw ApiErrorException.Validation("validation_level", $"validation_level must be strict or lenient; got '{level}'.");
    }

    private static async Task<HostTemplate> FindAsync(ITemplateCatalog catalog, string id, CancellationToken cancellationToken)
    {
        if (await catalog.FindAsync(id, cancellationToken) is { } template) return template;
        var available = (await catalog.ListAsync(cancellationToken)).Select(t => t.TemplateId).ToList();
        throw new ApiErrorException(StatusCodes.Status404NotFound, ErrorCodes.TemplateNotFound, $"Template '{id}' not found.", new Dictionary<string, object?>
        {
            ["requested_template"] = id,
            ["available_templates"] = available,
            ["suggestion"] = "Use 'GET /api/v1/templates' to see available templates",
        });
    }

    private static ApiErrorException ProviderNotFound(string name, IProviderDirectory directory) =>
        new(StatusCodes.Status404NotFound, ErrorCodes.ProviderNotFound, $"Provider instance '{name}' not found in configuration.", new Dictionary<string, object?>
        {
            ["requested_provider"] = name,
            ["available_providers"] = directory.ProviderNames,
            ["suggestion"] = "Use 'GET /api/v1/providers' to see available providers",
        });

    /// <summary>A template as the API shows it: its merged fields (unknown ones too), then <c>source_info</c>.</summary>
    public static JsonObject Render(HostTemplate template, bool includeChain)
    {
        var rendered = JsonNode.Parse(template.FieldsJson)!.AsObject();
        var source = new JsonObject
        {
            ["source_file"] = template.Source.SourceFile,
            ["file_type"] = template.Source.FileType,
            ["priority"] = template.Source.Priority,
        };
        if (includeChain)
        {
            source["override_chain"] = new JsonArray(template.Source.OverrideChain
                .Select(l => (JsonNode)new JsonObject { ["file"] = l.File, ["fields"] = new JsonArray(l.Fields.Select(f => (JsonNode)f!).ToArray()) })
                .ToArray());
        }

        rendered["source_info"] = source;
        return rendered;
    }
}
