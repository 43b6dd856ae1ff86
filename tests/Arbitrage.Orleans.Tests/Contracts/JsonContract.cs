using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// The response schemas of an OpenAPI document (3.0 or 3.1), checked with JSON Schema 2020-12 (JsonSchema.Net): the
/// document's <c>components/schemas</c> become <c>$defs</c>, so each response schema is evaluated with every schema it
/// refers to. Formats (date-time) are checked too.
/// </summary>
public sealed class JsonContract
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private readonly JsonObject _document;
    private readonly string _basePath;
    private readonly List<(Regex Pattern, string Path)> _paths;
    private readonly Dictionary<string, JsonSchema?> _schemas = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <param name="basePath">Where the document's paths sit under the gateway (the seed's server is <c>…/v1</c>).</param>
    public JsonContract(string name, JsonObject document, string basePath = "")
    {
        Name = name;
        _document = document;
        _basePath = basePath;
        _paths = ((JsonObject?)document["paths"] ?? []).Select(p => p.Key)
            .Select(p => (new Regex("^" + Regex.Replace(Regex.Escape(basePath + p), @"\\\{[^/]+?}", "[^/]+") + "$"), p))
            .OrderBy(p => p.p.Count(c => c == '{'))
            .ToList();
    }

    public string Name { get; }

    public JsonObject Document => _document;

    public static JsonContract FromOpenApiJson(string name, string json, string basePath = "") => new(name, JsonNode.Parse(json)!.AsObject(), basePath);

    /// <summary>The document's path template for a request path (<c>/v1/workloads/wk-1</c> → <c>/v1/workloads/{workloadId}</c>), if it has one.</summary>
    public string? PathOf(string requestPath) => _paths.FirstOrDefault(p => p.Pattern.IsMatch(requestPath)).Path;

    /// <summary>The operation of <paramref name="method"/> on the path template, if the document has it.</summary>
    public JsonObject? Operation(string method, string path) => _document["paths"]?[path]?[method.ToLowerInvariant()] as JsonObject;

    /// <summary>Checks one response: null when it matches, else what is wrong. A status the operation does not list is wrong; a status without a JSON schema is not checked.</summary>
    public string? Check(string method, string requestPath, int status, string body, bool statusMustBeListed = true)
    {
        if (PathOf(requestPath) is not { } path) return null;
        if (Operation(method, path) is not { } operation) return $"{Name}: {method} {path} is not in the document";
        var responses = operation["responses"] as JsonObject;
        var response = responses?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? responses?["default"];
        if (response is null) return statusMustBeListed ? $"{Name}: {method} {path} does not list the status {status} it answered (body {Short(body)})" : null;
        if (response["content"]?["application/json"]?["schema"] is not { } schemaNode) return null;
        var schema = SchemaFor($"{method} {path} {status}", schemaNode);
        JsonNode? instance;
        try
        {
            instance = JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            return $"{Name}: {method} {requestPath} {status} is not JSON ({e.Message}): {Short(body)}";
        }

        return Validate(schema, instance) is { } errors ? $"{Name}: {method} {requestPath} {status} does not match the schema: {errors}\n  body: {Short(body)}" : null;
    }

    /// <summary>Validates <paramref name="instance"/> against the named component schema.</summary>
    public string? CheckComponent(string component, JsonNode? instance) =>
        Validate(SchemaFor("component " + component, new JsonObject { ["$ref"] = "#/components/schemas/" + component }), instance);

    private static string? Validate(JsonSchema schema, JsonNode? instance)
    {
        var result = schema.Evaluate(instance, Options);
        if (result.IsValid) return null;
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}"))
            .Distinct().Take(10).ToList();
        return errors.Count == 0 ? "invalid" : string.Join("; ", errors);
    }

    private JsonSchema SchemaFor(string key, JsonNode schemaNode)
    {
        lock (_lock)
        {
            if (_schemas.TryGetValue(key, out var cached)) return cached!;
            var root = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = _document["components"]?["schemas"]?.DeepClone() ?? new JsonObject(),
                ["allOf"] = new JsonArray(schemaNode.DeepClone()),
            };
            var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            var schema = JsonSchema.FromText(text);
            _schemas[key] = schema;
            return schema;
        }
    }

    private static string Short(string body) => body.Length <= 600 ? body : body[..600] + "…";
}
