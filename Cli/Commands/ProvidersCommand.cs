using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Providers;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb providers list|show|validate|select</c> over the host-factory API's <c>/api/v1/providers</c> (needs <c>pricing:read</c>),
/// through the client library's typed <see cref="ProvidersClient"/>; <c>-o json</c> prints the answer's record in the API's snake_case.
/// </summary>
public sealed class ProvidersCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("providers", "Provider instances: list them, show one, validate definitions, try provider selection for a template")
        .With(List(), Show(), Validate(), Select());

    private Command List()
    {
        var longFormat = new Option<bool>("--long", "-l") { Description = "Also the capabilities (the provider_api names each accepts)" };
        var enabledOnly = new Option<bool>("--enabled-only") { Description = "Only enabled providers" };
        var type = new Option<string?>("--type") { Description = "Only providers of this type (aws, azure, gcp)" };
        var page = new Option<int?>("--page") { Description = "The page (from 1; the API's default when absent)" };
        var pageSize = new Option<int?>("--page-size") { Description = "Providers per page (1 to 200, default 50)" };
        var command = new Command("list", "The configured provider instances with their health").With(longFormat, enabledOnly, type, page, pageSize);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var query = new ProviderListQuery(parsed.GetValue(type), parsed.GetValue(enabledOnly) ? true : null, PageSize: parsed.GetValue(pageSize));
            var list = Json(await session.Client.Providers.GetPageAsync(query, parsed.GetValue(page) ?? 1, cancellationToken), SnakeCaseJsonContext.Default.ProviderList);
            if (session.Output.IsJson)
            {
                session.Output.Json(list);
                return;
            }

            bool wide = parsed.GetValue(longFormat);
            string[] columns = wide ? ["NAME", "TYPE", "ENABLED", "PRIORITY", "WEIGHT", "STATUS", "CAPABILITIES"] : ["NAME", "TYPE", "ENABLED", "PRIORITY", "WEIGHT", "STATUS"];
            var rows = JsonText.Items(list, "providers").Select(p =>
            {
                string[] row = [JsonText.Get(p, "name"), JsonText.Get(p, "type"), Flag(p, "enabled"), JsonText.Get(p, "priority"), JsonText.Get(p, "weight"), JsonText.Get(p, "status")];
                return wide ? [.. row, JsonText.Get(p, "capabilities")] : row;
            });
            session.Output.Columns(columns, rows);
            session.Output.PageNote(JsonText.Property(list, "pagination"), "providers");
        });
        return command;
    }

    private Command Show()
    {
        var name = new Argument<string>("name") { Description = "The provider instance (e.g. sim-aws)" };
        var capabilities = new Option<bool>("--capabilities") { Description = "Also its launch APIs, pricing models, regions and zones" };
        var stats = new Option<bool>("--stats") { Description = "Also the statistics of the calls to its cloud" };
        var command = new Command("show", "A provider's configuration, limits and health").With(name, capabilities, stats);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            string provider = parsed.GetValue(name)!;
            var p = Json(await session.Client.Providers.GetAsync(provider, cancellationToken), SnakeCaseJsonContext.Default.ProviderDetails);
            JsonElement? caps = parsed.GetValue(capabilities)
                ? Json(await session.Client.Providers.GetCapabilitiesAsync(provider, cancellationToken), SnakeCaseJsonContext.Default.ProviderCapabilities)
                : null;
            if (session.Output.IsJson)
            {
                if (caps is { } c) session.Output.Json(JsonSerializer.SerializeToElement(new Dictionary<string, JsonElement> { ["provider"] = p, ["capabilities"] = c }));
                else session.Output.Json(p);
                return;
            }

            var rows = new List<(string, string)>
            {
                ("Name", JsonText.Get(p, "name")),
                ("Type", JsonText.Get(p, "type")),
                ("Enabled", Flag(p, "enabled")),
                ("Priority", JsonText.Get(p, "priority")),
                ("Weight", JsonText.Get(p, "weight")),
                ("Status", JsonText.String(p, "status_reason") is { } reason ? $"{JsonText.Get(p, "status")} ({reason})" : JsonText.Get(p, "status")),
                ("Last probe", JsonText.Time(p, "last_probe_at")),
                ("Capabilities", JsonText.Get(p, "capabilities")),
                ("Configuration", JsonText.Get(p, "configuration")),
                ("Limits", JsonText.Get(p, "limits")),
            };
            if (parsed.GetValue(stats)) rows.Add(("Statistics", JsonText.Get(p, "statistics")));
            session.Output.Write(Renderer.Details(rows));
            if (caps is not { } capabilitiesAnswer) return;

            session.Output.Line("");
            session.Output.Columns(["API", "SPOT", "ON-DEMAND", "MAX INSTANCES"], JsonText.Items(capabilitiesAnswer, "supported_apis")
                .Select(a => (IReadOnlyList<string>)[JsonText.Get(a, "name"), Flag(a, "supports_spot"), Flag(a, "supports_on_demand"), JsonText.Get(a, "max_instances")]));
            session.Output.Line("");
            session.Output.Write(Renderer.Details([
                ("Pricing models", JsonText.Get(capabilitiesAnswer, "pricing_models")),
                ("Regions", JsonText.Get(capabilitiesAnswer, "regions")),
                ("Zones", JsonText.Get(capabilitiesAnswer, "availability_zones")),
            ]));
        });
        return command;
    }

    private Command Validate()
    {
        var target = new Argument<string?>("provider-or-file")
        {
            Description = "A configured provider's name to check; or a providers file (a path: it has a / or ends in .json) to check without applying it. Without it every configured provider is checked",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var config = new Option<FileInfo?>("--config") { Description = "A providers file ({\"providers\": [...]}, comments allowed) to check without applying it" };
        var command = new Command("validate", "Check the configured providers, one of them, or a providers file by the providers file's rules (exit 1 when any is invalid)").With(target, config);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            string? given = parsed.GetValue(target);
            var file = parsed.GetValue(config) ?? (given is not null && LooksLikePath(given) ? new FileInfo(given) : null);
            var request = file is not null
                ? new ValidateProvidersRequest(JsonDocument.Parse((await ReadDefinitionsAsync(file, cancellationToken)).ToJsonString()).RootElement.EnumerateArray().Select(d => d.Clone()).ToList())
                : new ValidateProvidersRequest(Configured: true, ProviderNames: given is null ? [] : [given]);
            var verdict = Json(await session.Client.Providers.ValidateAsync(request, cancellationToken), SnakeCaseJsonContext.Default.ProviderDefinitionsResult);
            bool valid = JsonText.Property(verdict, "valid").ValueKind == JsonValueKind.True;
            if (session.Output.IsJson)
            {
                session.Output.Json(verdict);
                return valid ? ArbCli.Success : ArbCli.Failure;
            }

            var providers = JsonText.Items(verdict, "providers").ToList();
            foreach (var p in providers)
            {
                bool ok = JsonText.Property(p, "valid").ValueKind == JsonValueKind.True;
                session.Output.Line($"{JsonText.Get(p, "name")}: {(ok ? "valid" : "invalid")}");
                foreach (var error in JsonText.Items(p, "errors")) session.Output.Line($"  error: {JsonText.Of(error)}");
                foreach (var warning in JsonText.Items(p, "warnings")) session.Output.Line($"  warning: {JsonText.Of(warning)}");
            }

            int invalid = providers.Count(p => JsonText.Property(p, "valid").ValueKind != JsonValueKind.True);
            session.Output.Line(valid ? $"Valid: {providers.Count} of {providers.Count} providers." : $"Invalid: {invalid} of {providers.Count} providers have errors.");
            return valid ? ArbCli.Success : ArbCli.Failure;
        });
        return command;
    }

    private static bool LooksLikePath(string text) =>
        text.Contains('/', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal) || text.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || File.Exists(text);

    /// <summary>The definitions of a providers file: its <c>providers</c> list, or the file's own list. A file that does not parse fails the command (exit 1).</summary>
    private static async Task<JsonArray> ReadDefinitionsAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists) throw new UsageException($"{file.FullName} does not exist.");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new CommandFailedException($"PARSE_ERROR: {file.Name} does not parse at line {(e.LineNumber ?? 0) + 1}: {e.Message}");
        }

        return root switch
        {
            JsonObject o when o["providers"] is JsonArray list => (JsonArray)list.DeepClone(),
            JsonArray list => (JsonArray)list.DeepClone(),
            _ => throw new CommandFailedException($"INVALID_CONFIGURATION: {file.Name} must be {{\"providers\": [...]}} or a list of provider definitions."),
        };
    }

    private Command Select()
    {
        var template = new Option<string>("--template") { Description = "The stored template's id", Required = true };
        var strategy = new Option<string?>("--strategy") { Description = "explicit, load_balanced, api_based or default (default: explicit when a provider is named, else default)" };
        var providerType = new Option<string?>("--provider-type") { Description = "Only providers of this type (load_balanced balances across them)" };
        var providerApi = new Option<string?>("--provider-api") { Description = "Only providers supporting this API (e.g. EC2Fleet)" };
        var provider = new Option<string?>("--provider") { Description = "This provider instance (the explicit strategy)" };
        strategy.AcceptOnlyFromAmong("explicit", "load_balanced", "api_based", "default");
        var command = new Command("select", "A dry run of provider selection for a template: the provider, why, the alternatives").With(template, strategy, providerType, providerApi, provider);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var request = new SelectProviderRequest(TemplateId: parsed.GetValue(template), SelectionStrategy: parsed.GetValue(strategy),
                ProviderInstance: parsed.GetValue(provider), ProviderType: parsed.GetValue(providerType), ProviderApi: parsed.GetValue(providerApi));
            var selection = Json(await session.Client.Providers.SelectAsync(request, cancellationToken), SnakeCaseJsonContext.Default.ProviderSelection);
            if (session.Output.IsJson)
            {
                session.Output.Json(selection);
                return;
            }

            var output = session.Output;
            output.Line("Provider Selection Result:");
            output.Line($"  Selected Provider: {JsonText.Get(selection, "provider_instance")}");
            output.Line($"  Provider Type: {JsonText.Get(selection, "provider_type")}");
            output.Line($"  Selection Reason: {JsonText.Get(selection, "selection_reason")}");
            output.Line($"  Confidence: {JsonText.Get(selection, "confidence")}");
            output.Line($"  Selection Time: {Milliseconds(selection)}ms");
            output.Line("");
            output.Line($"  Alternatives: {(JsonText.Get(selection, "alternatives") is JsonText.None ? "none" : JsonText.Get(selection, "alternatives"))}");
            foreach (var skipped in JsonText.Items(selection, "skipped")) output.Line($"  Skipped: {JsonText.Get(skipped, "provider")} ({JsonText.Get(skipped, "reason")})");
            output.Line("");
            var validation = JsonText.Property(selection, "validation_result");
            output.Line($"  Validation Result: {(JsonText.Property(validation, "valid").ValueKind == JsonValueKind.True ? "Valid" : "Invalid")}");
            foreach (var feature in JsonText.Items(validation, "supported_features")) output.Line($"    - {JsonText.Of(feature)}");
            foreach (var error in JsonText.Items(validation, "errors")) output.Line($"    ! {JsonText.Of(error)}");
            foreach (var warning in JsonText.Items(validation, "warnings")) output.Line($"    warning: {JsonText.Of(warning)}");
        });
        return command;
    }

    /// <summary>A typed answer as the API's JSON (snake_case, nulls left out), for the renderer and <c>-o json</c>.</summary>
    private static JsonElement Json<T>(T answer, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => JsonSerializer.SerializeToElement(answer, info);

    /// <summary>true/false as the seed's table prints them.</summary>
    private static string Flag(JsonElement element, string name) => JsonText.Property(element, name).ValueKind switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => JsonText.None,
    };

    private static string Milliseconds(JsonElement selection) =>
        JsonText.Property(selection, "selection_time_ms") is { ValueKind: JsonValueKind.Number } ms
            ? Math.Round(ms.GetDouble(), 2).ToString("0.##", CultureInfo.InvariantCulture)
            : JsonText.None;
}
