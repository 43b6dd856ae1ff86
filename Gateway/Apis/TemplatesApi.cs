using System.Text.Json;
using Arbitrage.Orleans.Contracts.Templates;
using Arbitrage.Orleans.Gateway.Contracts;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;
using Arbitrage.Orleans.Grains.Market;
using Microsoft.AspNetCore.Http.HttpResults;
using TemplateMigrationResult = Arbitrage.Orleans.Contracts.Templates.TemplateMigrationResult;
using TemplateValidation = Arbitrage.Orleans.Contracts.Templates.TemplateValidation;

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
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict,
            TooLarge = StatusCodes.Status413PayloadTooLarge, Unprocessable = StatusCodes.Status422UnprocessableEntity;
        var templates = routes.MapGroup("/api/v1/templates").WithTags("Templates");
        templates.MapGet("/", ListAsync)
            .WithName("ListTemplates").WithSummary("The merged templates with their primary source, paged (page, page_size, sort; filters provider_type, provider_name, provider_api)")
            .ProducesApiErrors(BadRequest).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/", CreateAsync)
            .WithName("CreateTemplate").WithSummary("Creates a template's API layer (it overrides the template's files field by field); 409 when the API layer has it")
            .Accepts<Template>("application/json").ProducesApiErrors(BadRequest, Conflict, TooLarge, Unprocessable).RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/refresh", RefreshAsync)
            .WithName("RefreshTemplates").WithSummary("Re-reads the template files on every silo; a file that does not parse refuses the refresh and the previous templates stay")
            .ProducesApiErrors(BadRequest, NotFound).RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/migrate", MigrateAsync)
            .WithName("MigrateTemplates").WithSummary("Moves a file's templates into a provider instance's file (merging), with a backup when asked; a dry run writes nothing")
            .Accepts<MigrateTemplatesRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapGet("/{id}", GetAsync)
            .WithName("GetTemplate").WithSummary("One merged template; include_source=true adds its override chain")
            .ProducesApiErrors(BadRequest, NotFound).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPut("/{id}", PutAsync)
            .WithName("PutTemplate").WithSummary("Creates or replaces a template's API layer")
            .Accepts<Template>("application/json").ProducesApiErrors(BadRequest, Conflict, TooLarge, Unprocessable).RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteTemplate").WithSummary("Removes a template's API layer: its files show through again")
            .ProducesApiErrors(NotFound, Conflict).RequirePermission(Permissions.TenantsManage).WithRateLimitClass(RateLimitClasses.TemplatesName);
        templates.MapPost("/{id}/validate", ValidateAsync)
            .WithName("ValidateTemplate").WithSummary("Checks a template against a provider instance (strict or lenient): errors, warnings, supported and unsupported features")
            .Accepts<ValidateTemplateRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ValidationName);
        templates.MapPost("/{id}/validate-multi", ValidateMultiAsync)
            .WithName("ValidateTemplateMulti").WithSummary("Checks a template against several provider instances: compatible and incompatible providers")
            .Accepts<ValidateTemplateMultiRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, TooLarge).RequirePermission(Permissions.PricingRead).WithRateLimitClass(RateLimitClasses.ValidationName);
        return routes;
    }

    private static readonly (string Query, Func<HostTemplate, string?> Field)[] Filters =
    [
        ("provider_type", t => t.ProviderType),
        ("provider_name", t => t.ProviderName),
        ("provider_api", t => t.ProviderApi),
    ];

    private static async Task<Ok<TemplateList>> ListAsync(HttpContext context, ITemplateCatalog catalog, CancellationToken cancellationToken)
    {
        var page = PageQuery.From(context.Request.Query, SortFields);
        var filters = new Dictionary<string, string>();
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
        return TypedResults.Ok(new TemplateList(paged.Items.Select(t => t.ToContract(includeChain: false)).ToList(), list.Count, filters, paged.Pagination));
    }

    private static async Task<Ok<Template>> GetAsync(string id, HttpContext context, ITemplateCatalog catalog, CancellationToken cancellationToken)
    {
        bool includeSource = context.Request.Query["include_source"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            var other => throw ApiErrorException.Validation("include_source", $"include_source must be true or false; got '{other}'."),
        };
        var template = await FindAsync(catalog, id, cancellationToken);
        return TypedResults.Ok(template.ToContract(includeSource));
    }

    /// <summary>The body is the template: its fields, snake_case, with its <c>template_id</c>; stored as sent (every field, unknown ones too).</summary>
    private static async Task<Created<Template>> CreateAsync(HttpContext context, ITemplateAdministration administration)
    {
        var (templateId, json) = await ReadTemplateAsync(context, idRequired: true);
        var written = await administration.PutAsync(templateId!, json, createOnly: true, context.RequestAborted);
        return TypedResults.Created((string?)null, written.Template.ToContract(includeChain: true));
    }

    private static async Task<Results<Created<Template>, Ok<Template>>> PutAsync(string id, HttpContext context, ITemplateAdministration administration)
    {
        var (_, json) = await ReadTemplateAsync(context, idRequired: false);
        var written = await administration.PutAsync(id, json, createOnly: false, context.RequestAborted);
        var template = written.Template.ToContract(includeChain: true);
        return written.Created ? TypedResults.Created((string?)null, template) : TypedResults.Ok(template);
    }

    /// <summary>204 when no file defines the template; else 200 with the template its files now make.</summary>
    private static async Task<Results<NoContent, Ok<Template>>> DeleteAsync(string id, ITemplateAdministration administration, CancellationToken cancellationToken)
    {
        var remaining = await administration.DeleteAsync(id, cancellationToken);
        return remaining is null ? TypedResults.NoContent() : TypedResults.Ok(remaining.ToContract(includeChain: true));
    }

    private static async Task<Ok<TemplateRefreshResponse>> RefreshAsync(ITemplateAdministration administration, CancellationToken cancellationToken)
    {
        var refreshed = await administration.RefreshAsync(cancellationToken);
        return TypedResults.Ok(new TemplateRefreshResponse(true, refreshed.Templates, refreshed.Generation,
            refreshed.Files.Select(f => new Arbitrage.Orleans.Contracts.Templates.TemplateFileCount(f.File, f.FileType, f.Templates)).ToList()));
    }

    /// <summary><c>{"from": "templates.json", "to_provider": "sim-aws", "dry_run": false, "backup": true}</c>.</summary>
    private static async Task<Ok<TemplateMigrationResult>> MigrateAsync(RequestBody<MigrateTemplatesRequest> body, ITemplateAdministration administration, CancellationToken cancellationToken)
    {
        var request = body.Value;
        var r = await administration.MigrateAsync(new TemplateMigration(request.From, request.ToProvider, request.DryRun ?? false, request.Backup ?? false), cancellationToken);
        return TypedResults.Ok(new TemplateMigrationResult(r.From, r.To, r.DryRun, r.Moved, r.Merged, r.FilesWritten, r.Backups));
    }

    /// <summary><c>{"provider_instance": "aws-us-east-1", "validation_level": "strict"}</c>; without an instance, the template's <c>provider_name</c>.</summary>
    private static async Task<Ok<TemplateValidationResponse>> ValidateAsync(
        string id, RequestBody<ValidateTemplateRequest> body, ITemplateCatalog catalog, ITemplateValidator validator, IProviderDirectory directory, CancellationToken cancellationToken)
    {
        string level = body.Value.ValidationLevel ?? "lenient";
        var template = await FindAsync(catalog, id, cancellationToken);
        string instance = body.Value.ProviderInstance ?? template.ProviderName
            ?? throw ApiErrorException.Validation("provider_instance", "provider_instance is required: the template names no provider_name.");
        string provider = directory.ProviderNames.FirstOrDefault(n => n.Equals(instance, StringComparison.OrdinalIgnoreCase)) ?? throw ProviderNotFound(instance, directory);
        var result = await validator.ValidateAsync(template, provider, level == "strict", cancellationToken);
        return TypedResults.Ok(new TemplateValidationResponse(result.Valid, provider, level, result.Errors, result.Warnings, result.SupportedFeatures, result.UnsupportedFeatures));
    }

    /// <summary><c>{"provider_instances": [...], "validation_level": "lenient"}</c>; a provider not configured is incompatible, saying so.</summary>
    private static async Task<Ok<TemplateMultiValidationResponse>> ValidateMultiAsync(
        string id, RequestBody<ValidateTemplateMultiRequest> body, ITemplateCatalog catalog, ITemplateValidator validator, CancellationToken cancellationToken)
    {
        string level = body.Value.ValidationLevel ?? "lenient";
        var template = await FindAsync(catalog, id, cancellationToken);
        var results = new Dictionary<string, TemplateValidation>();
        var compatible = new List<string>();
        var incompatible = new List<string>();
        foreach (var instance in body.Value.ProviderInstances.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var result = await validator.ValidateAsync(template, instance, level == "strict", cancellationToken);
            results[instance] = new TemplateValidation(result.Valid, result.Errors, result.Warnings, result.SupportedFeatures, result.UnsupportedFeatures);
            (result.Valid ? compatible : incompatible).Add(instance);
        }

        return TypedResults.Ok(new TemplateMultiValidationResponse(template.TemplateId, results, compatible, incompatible));
    }

    /// <summary>
    /// A template body as sent: its own JSON is what is stored, so every field keeps its value exactly. Only
    /// <c>template_id</c> is read here (required on POST: 400 naming it); the template store checks the fields by the
    /// templates' rules (422 TEMPLATE_INVALID naming the field), as for a template file.
    /// </summary>
    private static async Task<(string? TemplateId, string Json)> ReadTemplateAsync(HttpContext context, bool idRequired)
    {
        var body = await JsonBody.ReadAsync(context.Request, context.RequestAborted);
        string? id = idRequired ? body.RequiredString("template_id", 128) : null;
        return (id, body.Root.GetRawText());
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
}
