using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// The Compute Arbitrage API as the seed defines it (<c>compute-arbitrage-api.yaml</c>, read with YamlDotNet), for
/// checking what the <c>/v1</c> routes answer. The seed names <c>WorkloadListResponse</c>, <c>WorkloadDetailResponse</c>,
/// <c>SpotPriceList</c>, <c>CreateTokenRequest</c>, <c>TokenResponse</c> and <c>TokenListResponse</c> without defining
/// them; they are filled in here from the seed's own words (a list of <c>WorkloadResponse</c>; a <c>WorkloadResponse</c>
/// with the seed's <c>requirements</c>, <c>config</c> and <c>placement</c>; prices typed like a <c>PlacementOption</c>), and only as
/// strictly as the seed implies.
/// </summary>
public static class SeedContract
{
    public static string YamlPath => Path.Combine(AppContext.BaseDirectory, "Contracts", "compute-arbitrage-api.yaml");

    public static JsonContract Load()
    {
        var document = ReadYaml(File.ReadAllText(YamlPath)).AsObject();
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var (name, schema) in Inferred()) schemas[name] = schema;
        return new JsonContract("seed", document, basePath: "/v1");
    }

    private static IEnumerable<(string, JsonNode)> Inferred()
    {
        static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };
        yield return ("WorkloadListResponse", new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("workloads"),
            ["properties"] = new JsonObject
            {
                ["workloads"] = new JsonObject { ["type"] = "array", ["items"] = Ref("WorkloadResponse") },
                ["nextCursor"] = new JsonObject { ["type"] = "string" },
            },
        });
        yield return ("WorkloadDetailResponse", new JsonObject
        {
            ["allOf"] = new JsonArray(Ref("WorkloadResponse"), new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject
                {
                    ["requirements"] = Ref("WorkloadRequirements"),
                    ["config"] = Ref("WorkloadConfig"),
                    ["metadata"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" } },
                    ["placement"] = Ref("PlacementOption"),
                    ["startedAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    ["terminatedAt"] = new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                },
            }),
        });
        yield return ("SpotPriceList", new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["prices"] = new JsonObject
                {
                    ["type"] = "array",
                    ["items"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["properties"] = new JsonObject
                        {
                            ["provider"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("aws", "azure", "gcp") },
                            ["region"] = new JsonObject { ["type"] = "string" },
                            ["instanceType"] = new JsonObject { ["type"] = "string" },
                            ["spotPricePerHour"] = new JsonObject { ["type"] = "number" },
                            ["interruptionRate"] = new JsonObject { ["type"] = "number" },
                        },
                    },
                },
            },
        });
        yield return ("CreateTokenRequest", new JsonObject { ["type"] = "object" });
        yield return ("TokenResponse", new JsonObject { ["type"] = "object" });
        yield return ("TokenListResponse", new JsonObject { ["type"] = "object" });
    }

    /// <summary>YAML as JSON: plain scalars that read as numbers, booleans or null become those; quoted scalars stay strings.</summary>
    public static JsonNode ReadYaml(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Convert(stream.Documents[0].RootNode)!;
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Convert(c.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode? Plain(string text) => text switch
    {
        "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long whole) => JsonValue.Create(whole),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) => JsonValue.Create(number),
        _ => JsonValue.Create(text),
    };
}
