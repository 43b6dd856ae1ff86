using System.CommandLine;
using System.Text.Json;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Templates;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb templates list|show|validate|refresh|migrate</c> over <c>/api/v1/templates</c> (the host-factory templates:
/// reads need <c>pricing:read</c>, refresh and migrate <c>tenants:manage</c>). A validation that finds the template
/// invalid on a provider exits 1. Calls go through the client library's typed <see cref="TemplatesClient"/>; <c>-o json</c>
/// prints the answer's record in the API's snake_case (a template's own fields included, as the API wrote them).
/// </summary>
public sealed class TemplatesCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("templates", "Host-factory templates: their override chains, validation against providers, refresh and migration of the files")
        .With(List(), Show(), Validate(), Refresh(), Migrate());

    private Command List()
    {
        var type = new Option<string?>("--provider-type") { Description = "Only templates of this provider type (aws, azure, gcp)" };
        var name = new Option<string?>("--provider-name") { Description = "Only templates naming this provider instance" };
        var api = new Option<string?>("--provider-api") { Description = "Only templates asking for this API (EC2Fleet, …)" };
        var page = new Option<int?>("--page") { Description = "The page (from 1)" };
        var size = new Option<int?>("--page-size") { Description = "Templates per page (1 to 200; 50 by default)" };
        var sort = new Option<string?>("--sort") { Description = "field:asc|desc (template_id, provider_type, provider_name, provider_api, max_instances)" };
        var command = new Command("list", "The merged templates and the file each comes from").With(type, name, api, page, size, sort);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var query = new TemplateListQuery(parsed.GetValue(type), parsed.GetValue(name), parsed.GetValue(api), parsed.GetValue(sort), parsed.GetValue(size));
            var answer = RequestsCommand.Json(await session.Client.Templates.GetPageAsync(query, parsed.GetValue(page) ?? 1, cancellationToken), SnakeCaseJsonContext.Default.TemplateList);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var table = Renderer.Table("TEMPLATE", "PROVIDER_TYPE", "PROVIDER_NAME", "PROVIDER_API", "MAX_INSTANCES", "SOURCE");
            foreach (var t in JsonText.Items(answer, "templates"))
            {
                Renderer.Row(table, JsonText.Get(t, "template_id"), JsonText.Get(t, "provider_type"), JsonText.Get(t, "provider_name"), JsonText.Get(t, "provider_api"),
                    JsonText.Get(t, "max_instances"), $"{JsonText.Get(t, "source_info.source_file")} ({JsonText.Get(t, "source_info.file_type")})");
            }

            session.Output.Write(table);
            session.Output.PageNote(JsonText.Property(answer, "pagination"), "templates");
        });
        return command;
    }

    private Command Show()
    {
        var id = new Argument<string>("id") { Description = "The template's id" };
        var sourceInfo = new Option<bool>("--source-info") { Description = "Show where the template comes from: its primary source and override chain" };
        var chain = new Option<bool>("--override-chain") { Description = "Show the override chain and the fields each source sets" };
        var command = new Command("show", "One merged template").With(id, sourceInfo, chain);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var template = RequestsCommand.Json(await session.Client.Templates.GetAsync(parsed.GetValue(id)!, includeSource: true, cancellationToken), SnakeCaseJsonContext.Default.Template);
            if (session.Output.IsJson)
            {
                session.Output.Json(template);
                return;
            }

            foreach (var line in ShowLines(template, parsed.GetValue(sourceInfo) || parsed.GetValue(chain))) session.Output.Line(line);
        });
        return command;
    }

    /// <summary>The seed's text for a template: its provider fields, then (asked) its sources and the fields each set.</summary>
    public static IEnumerable<string> ShowLines(JsonElement template, bool sources)
    {
        yield return $"Template: {JsonText.Get(template, "template_id")}";
        yield return $"Provider Type: {JsonText.Get(template, "provider_type")}";
        yield return $"Provider Name: {JsonText.Get(template, "provider_name")}";
        yield return $"Provider API: {JsonText.Get(template, "provider_api")}";
        if (!sources)
        {
            foreach (var field in template.EnumerateObject().Where(p => p.Name is not ("template_id" or "provider_type" or "provider_name" or "provider_api" or "source_info")))
            {
                yield return $"{field.Name}: {JsonText.Of(field.Value)}";
            }

            yield return $"Source: {JsonText.Get(template, "source_info.source_file")} ({JsonText.Get(template, "source_info.file_type")})";
            yield break;
        }

        var info = JsonText.Property(template, "source_info");
        var layers = JsonText.Items(info, "override_chain").ToList();
        yield return "";
        yield return "Source Information:";
        yield return $"  Primary Source: {JsonText.Get(info, "source_file")} ({JsonText.Get(info, "file_type")})";
        yield return "  Override Chain:";
        for (int i = 0; i < layers.Count; i++)
        {
            string file = JsonText.Get(layers[i], "file");
            string kind = KindOf(file);
            string what = kind switch
            {
                "main" => "base template",
                "provider_type" => $"{Path.GetFileName(file).Split("prov_")[0].ToUpperInvariant()} overrides",
                "api" => "written over the API",
                _ => "instance overrides",
            };
            yield return $"    {i + 1}. {file} ({kind}) - {what}";
        }

        yield return "";
        yield return "Fields by Source:";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            var fields = JsonText.Items(layer, "fields").Select(f => f.GetString()!).Select(f => seen.Add(f) ? f : $"{f} (overridden)").ToList();
            yield return $"  {Path.GetFileName(JsonText.Get(layer, "file"))}: {string.Join(", ", fields)}";
        }
    }

    /// <summary>A source's kind by its name, as the templates folder names files.</summary>
    public static string KindOf(string file)
    {
        string name = Path.GetFileName(file);
        return file == "api" ? "api" : name == "templates.json" ? "main" : name.EndsWith("prov_templates.json", StringComparison.Ordinal) ? "provider_type" : "provider_instance";
    }

    private Command Validate()
    {
        var id = new Argument<string?>("id") { Description = "The template's id (or --all)", Arity = ArgumentArity.ZeroOrOne };
        var provider = new Option<string?>("--provider") { Description = "The provider instance to validate against" };
        var providers = new Option<string?>("--providers") { Description = "Several provider instances, separated by commas" };
        var all = new Option<bool>("--all") { Description = "Every template, against --provider" };
        var strict = new Option<bool>("--strict") { Description = "Warnings count as errors" };
        var command = new Command("validate", "Check a template against providers: supported and unsupported features, errors and warnings (exit 1 when invalid)")
            .With(id, provider, providers, all, strict);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            string? templateId = parsed.GetValue(id);
            string? one = parsed.GetValue(provider);
            string? many = parsed.GetValue(providers);
            string level = parsed.GetValue(strict) ? "strict" : "lenient";
            if (parsed.GetValue(all) == (templateId is not null)) throw new UsageException("Name a template, or give --all (not both).");
            if ((one is null) == (many is null)) throw new UsageException("Give --provider X or --providers a,b (one of them).");
            if (many is not null)
            {
                if (templateId is null) throw new UsageException("--all takes --provider; --providers takes a template id.");
                var names = many.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var multi = RequestsCommand.Json(await session.Client.Templates.ValidateMultiAsync(templateId, new ValidateTemplateMultiRequest(names, level), cancellationToken),
                    SnakeCaseJsonContext.Default.TemplateMultiValidationResponse);
                if (session.Output.IsJson) session.Output.Json(multi);
                else
                {
                    foreach (var result in JsonText.Property(multi, "validation_results").EnumerateObject()) Print(session.Output, templateId, result.Name, level, result.Value);
                    session.Output.Line($"Compatible: {JsonText.Get(multi, "compatible_providers")}");
                    session.Output.Line($"Incompatible: {JsonText.Get(multi, "incompatible_providers")}");
                }

                return JsonText.Items(multi, "incompatible_providers").Any() ? ArbCli.Failure : ArbCli.Success;
            }

            var ids = templateId is not null ? [templateId]
                : await session.Client.Templates.ListAsync(new TemplateListQuery(PageSize: 200), cancellationToken).Select(t => t.TemplateId).ToListAsync(cancellationToken);
            var answers = new List<JsonElement>();
            bool valid = true;
            foreach (var template in ids)
            {
                var answer = RequestsCommand.Json(await session.Client.Templates.ValidateAsync(template, new ValidateTemplateRequest(one, level), cancellationToken),
                    SnakeCaseJsonContext.Default.TemplateValidationResponse);
                valid &= answer.GetProperty("valid").GetBoolean();
                answers.Add(answer);
                if (!session.Output.IsJson) Print(session.Output, template, one!, level, answer);
            }

            if (session.Output.IsJson) session.Output.Json(templateId is not null ? answers[0] : JsonSerializer.SerializeToElement(answers));
            return valid ? ArbCli.Success : ArbCli.Failure;
        });
        return command;
    }

    private static void Print(Renderer output, string template, string provider, string level, JsonElement result)
    {
        bool valid = JsonText.Property(result, "valid").ValueKind == JsonValueKind.True;
        output.Line($"Template {template} on {provider} ({level}): {(valid ? "Valid" : "Invalid")}");
        foreach (var (title, name) in new[] { ("Supported", "supported_features"), ("Unsupported", "unsupported_features"), ("Errors", "errors"), ("Warnings", "warnings") })
        {
            var items = JsonText.Items(result, name).Select(JsonText.Of).ToList();
            if (items.Count == 0) continue;
            output.Line($"  {title}:");
            foreach (var item in items) output.Line($"    - {item}");
        }
    }

    private Command Refresh()
    {
        var verbose = new Option<bool>("--verbose") { Description = "Show the templates of each file read" };
        var command = new Command("refresh", "Re-read the template files on every silo (a file that does not parse is refused and the previous templates stay)").With(verbose);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = RequestsCommand.Json(await session.Client.Templates.RefreshAsync(cancellationToken), SnakeCaseJsonContext.Default.TemplateRefreshResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var files = JsonText.Items(answer, "files").ToList();
            session.Output.Line($"Templates refreshed: {JsonText.Get(answer, "templates")} templates from {files.Count} files.");
            if (!parsed.GetValue(verbose)) return;
            var table = Renderer.Table("FILE", "TYPE", "TEMPLATES");
            foreach (var f in files) Renderer.Row(table, JsonText.Get(f, "file"), JsonText.Get(f, "file_type"), JsonText.Get(f, "templates"));
            session.Output.Write(table);
        });
        return command;
    }

    private Command Migrate()
    {
        var from = new Option<string>("--from") { Description = "The template file to move templates out of (templates.json, awsprov_templates.json, …)", Required = true };
        var to = new Option<string>("--to-provider") { Description = "The provider instance whose file (<name>_templates.json) receives them", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Say what would move; write nothing" };
        var backup = new Option<bool>("--backup") { Description = "Copy both files (<file>.<time>.bak) before writing" };
        var command = new Command("migrate", "Move a file's templates into a provider instance's file, merging with what it holds").With(from, to, dryRun, backup);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var request = new MigrateTemplatesRequest(parsed.GetValue(from)!, parsed.GetValue(to)!, parsed.GetValue(dryRun), parsed.GetValue(backup));
            var answer = RequestsCommand.Json(await session.Client.Templates.MigrateAsync(request, cancellationToken), SnakeCaseJsonContext.Default.TemplateMigrationResult);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            int moved = JsonText.Items(answer, "moved").Count();
            bool dry = JsonText.Property(answer, "dry_run").ValueKind == JsonValueKind.True;
            session.Output.Line($"{(dry ? "Dry run: would move" : "Moved")} {moved} templates from {JsonText.Get(answer, "from")} to {JsonText.Get(answer, "to")}: {JsonText.Get(answer, "moved")}");
            if (JsonText.Items(answer, "merged").Any()) session.Output.Line($"  Merged with templates the target held: {JsonText.Get(answer, "merged")}");
            foreach (var b in JsonText.Items(answer, "backups")) session.Output.Line($"  Backup: {JsonText.Of(b)}");
            if (dry) session.Output.Line("  Nothing was written.");
        });
        return command;
    }
}
