using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Arbitrage.Orleans.Grains.Providers;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>One template file as read: where it is, how it is shown (<c>config/templates.json</c>), its kind and its templates in file order.</summary>
public sealed record TemplateFile(string Path, string Shown, string FileType, IReadOnlyList<JsonObject> Templates)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>The template files of the override chain, most general first (main, then per-type, then per-instance files).</summary>
public sealed record TemplateFileSet(IReadOnlyList<TemplateFile> Files)
{
    public static TemplateFileSet Empty { get; } = new([]);

    public IReadOnlyList<TemplateFileCount> Counts => Files.Select(f => new TemplateFileCount(f.Shown, f.FileType, f.Templates.Count)).ToList();

    public TemplateFileSet Replace(TemplateFile file) =>
        new(TemplateSources.Ordered(Files.Where(f => !f.Name.Equals(file.Name, StringComparison.Ordinal)).Append(file)));
}

/// <summary>
/// Reads the template files of <see cref="MarketOptions.TemplatesDirectory"/> (or exactly <see cref="MarketOptions.TemplateFiles"/>)
/// and merges each template id along its override chain, field by field: main → provider_type → provider_instance →
/// api. Each file is <c>{"templates": [...]}</c>, JSON with comments and trailing commas allowed.
/// </summary>
public static partial class TemplateSources
{
    public const string MainFile = "templates.json";
    public const string ApiSource = "api";

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    [GeneratedRegex("^(aws|azure|gcp)prov_templates\\.json$", RegexOptions.IgnoreCase)]
    private static partial Regex TypeFile();

    [GeneratedRegex("^([A-Za-z0-9][A-Za-z0-9._-]*)_templates\\.json$")]
    private static partial Regex InstanceFile();

    /// <summary>The kind of a template file by its name, or null when its name is none of the three.</summary>
    public static string? KindOf(string fileName) =>
        fileName == MainFile ? TemplateSourceTypes.Main
        : TypeFile().IsMatch(fileName) ? TemplateSourceTypes.ProviderType
        : InstanceFile().IsMatch(fileName) ? TemplateSourceTypes.ProviderInstance
        : null;

    /// <summary>A provider instance's file name.</summary>
    public static string InstanceFileName(string provider) => $"{provider}_templates.json";

    public static IReadOnlyList<TemplateFile> Ordered(IEnumerable<TemplateFile> files) =>
        files.OrderBy(f => TemplateSourceTypes.PriorityOf(f.FileType) switch { 2 => 0, 1 => 1, _ => 2 })
            .ThenBy(f => f.Name, StringComparer.Ordinal).ToList();

    /// <summary>Reads every chain file; refuses with FILE_NOT_FOUND, PARSE_ERROR (file and line), TEMPLATE_INVALID or INVALID_CONFIGURATION.</summary>
    public static TemplateFileSet Read(MarketOptions options)
    {
        var paths = new List<string>();
        if (options.TemplateFiles is { Length: > 0 } named)
        {
            foreach (var name in named)
            {
                string path = Path.IsPathRooted(name) ? name : Path.Combine(options.TemplatesDirectory, name);
                if (!File.Exists(path))
                {
                    throw new HostFactoryException(HostFactoryErrorCodes.FileNotFound, $"Template file {Shown(path)} (named in Market:TemplateFiles) not found.",
                        new Dictionary<string, object?>
                        {
                            ["file"] = Shown(path),
                            ["path"] = Path.GetFullPath(path),
                            ["suggestion"] = "Create the file, or remove it from Market:TemplateFiles",
                        });
                }

                paths.Add(path);
            }
        }
        else if (Directory.Exists(options.TemplatesDirectory))
        {
            paths.AddRange(Directory.EnumerateFiles(options.TemplatesDirectory, "*templates.json").Where(p => KindOf(Path.GetFileName(p)) is not null));
        }

        return new TemplateFileSet(Ordered(paths.Select(ReadFile)));
    }

    /// <summary>How a file is shown: its folder's name and its own (<c>config/templates.json</c>).</summary>
    public static string Shown(string path) =>
        $"{Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))}/{Path.GetFileName(path)}";

    public static TemplateFile ReadFile(string path)
    {
        string shown = Shown(path);
        string kind = KindOf(Path.GetFileName(path))
            ?? throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration,
                $"Template file {shown}: the name says neither main (templates.json), provider type (awsprov_templates.json) nor provider instance (<name>_templates.json).",
                new Dictionary<string, object?> { ["file"] = shown, ["suggestion"] = "Rename the file after its kind" });
        return Parse(path, shown, kind, File.ReadAllText(path));
    }

    public static TemplateFile Parse(string path, string shown, string kind, string text)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: Lenient);
        }
        catch (JsonException e)
        {
            long line = (e.LineNumber ?? 0) + 1;
            throw new HostFactoryException(HostFactoryErrorCodes.ParseError, $"Template file {shown} does not parse at line {line}: {e.Message}",
                new Dictionary<string, object?> { ["file"] = shown, ["line"] = line, ["suggestion"] = "Fix the JSON at that line and refresh the templates" });
        }

        if (root is not JsonObject obj || obj["templates"] is not JsonArray list)
        {
            throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration, $"Template file {shown} must be {{\"templates\": [...]}}.",
                new Dictionary<string, object?> { ["file"] = shown, ["suggestion"] = "Write the file as {\"templates\": [{\"template_id\": \"...\", ...}]}" });
        }

        var templates = new List<JsonObject>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            string id = item is JsonObject t && t["template_id"] is JsonValue v && v.TryGetValue(out string? s) ? s : "";
            if (item is not JsonObject template || !TemplateReader.IsValidId(id))
            {
                throw new HostFactoryException(HostFactoryErrorCodes.TemplateInvalid,
                    $"Template file {shown}: every template needs a template_id of 1 to 128 letters, digits, dots, dashes or underscores (got '{id}').",
                    new Dictionary<string, object?> { ["file"] = shown, ["field"] = "template_id", ["template_id"] = id });
            }

            if (!seen.Add(id))
            {
                throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration, $"Template file {shown} defines template '{id}' twice.",
                    new Dictionary<string, object?> { ["file"] = shown, ["template_id"] = id, ["suggestion"] = "Keep one definition per file" });
            }

            templates.Add(template);
        }

        return new TemplateFile(path, shown, kind, templates);
    }

    /// <summary>
    /// Every template merged along its chain (files, then the API layer on top). One id in two files of the same kind
    /// (two per-type or two per-instance files) is INVALID_CONFIGURATION naming both: the chain would be ambiguous.
    /// </summary>
    public static Dictionary<string, HostTemplate> Merge(TemplateFileSet files, IEnumerable<StoredTemplate> api)
    {
        var layers = new Dictionary<string, List<(string Source, string Kind, JsonObject Fields)>>(StringComparer.Ordinal);
        foreach (var file in files.Files)
        {
            foreach (var template in file.Templates)
            {
                string id = (string)template["template_id"]!;
                var chain = layers.TryGetValue(id, out var found) ? found : layers[id] = [];
                if (chain.FirstOrDefault(l => l.Kind == file.FileType) is { Source: not null } same)
                {
                    throw new HostFactoryException(HostFactoryErrorCodes.InvalidConfiguration,
                        $"Template '{id}' is defined in two {file.FileType} files, {same.Source} and {file.Shown}: its override chain would be ambiguous.",
                        new Dictionary<string, object?>
                        {
                            ["template_id"] = id,
                            ["files"] = new[] { same.Source, file.Shown },
                            ["suggestion"] = "Keep the template in one file of each kind",
                        });
                }

                chain.Add((file.Shown, file.FileType, template));
            }
        }

        foreach (var stored in api)
        {
            var chain = layers.TryGetValue(stored.TemplateId, out var found) ? found : layers[stored.TemplateId] = [];
            chain.Add((ApiSource, TemplateSourceTypes.Api, ApiFields(stored)));
        }

        return layers.ToDictionary(l => l.Key, l => Build(l.Key, l.Value), StringComparer.Ordinal);
    }

    /// <summary>The API layer's fields as a JSON object.</summary>
    public static JsonObject ApiFields(StoredTemplate stored) => (JsonObject)JsonNode.Parse(stored.FieldsJson)!;

    /// <summary>
    /// Merges one template's layers field by field, later layers winning. Each layer records the fields it set;
    /// <c>template_id</c> counts for the first layer only (every layer names it to say which template it overrides).
    /// </summary>
    public static HostTemplate Build(string id, IReadOnlyList<(string Source, string Kind, JsonObject Fields)> layers)
    {
        var merged = new JsonObject();
        var chain = new List<TemplateLayer>();
        foreach (var (source, kind, fields) in layers)
        {
            var set = new List<string>();
            foreach (var (name, value) in fields)
            {
                if (name == "template_id" && chain.Count > 0) continue;
                set.Add(name);
                merged[name] = value?.DeepClone();
            }

            chain.Add(new TemplateLayer(source, kind, set));
        }

        merged["template_id"] = id;
        var primary = chain[^1];
        var info = new TemplateSourceInfo(primary.File, primary.FileType, TemplateSourceTypes.PriorityOf(primary.FileType), chain);
        return TemplateReader.Read(JsonSerializer.SerializeToElement(merged), info);
    }
}
