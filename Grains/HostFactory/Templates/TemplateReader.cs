using System.Text.Json;
using System.Text.RegularExpressions;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Workloads;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>
/// Reads a merged template (a JSON object, snake_case) into a <see cref="HostTemplate"/>: the seed's fields, and the
/// product's requirements and config they map onto. A field of the wrong kind is refused as TEMPLATE_INVALID naming
/// the template and the field.
/// </summary>
public static partial class TemplateReader
{
    /// <summary>Machines a template allows when it does not say.</summary>
    public const int DefaultMaxInstances = 10;

    /// <summary>Most machines a template may allow.</summary>
    public const int MaxInstancesLimit = 10_000;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex IdPattern();

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    public static HostTemplate Read(JsonElement fields, TemplateSourceInfo source)
    {
        string id = fields.TryGetProperty("template_id", out var idElement) && idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : "";
        if (!IsValidId(id)) throw Invalid(id, "template_id", "template_id is required: 1 to 128 letters, digits, dots, dashes or underscores.");
        var reader = new FieldReader(id, fields);
        var instanceTypes = InstanceTypes(reader.String("instance_type"), reader.Strings("instance_types"));
        var requirements = new PlacementRequirements(
            MinCpu: reader.Int("min_cpu", 1, 1024) ?? 1,
            MinMemoryGb: reader.Number("min_memory_gb", 0, 1 << 20) ?? 1,
            GpuCount: reader.Int("gpu_count", 0, 64) ?? 0,
            GpuType: reader.String("gpu_type"),
            PreferredRegions: reader.Strings("regions"),
            MaxPricePerHour: (decimal?)reader.Number("max_price_per_hour", 0, 1_000_000),
            MaxInterruptionRate: reader.Number("max_interruption_rate", 0, 1),
            AllowSpot: reader.Bool("spot_allowed") ?? true,
            AllowOnDemand: reader.Bool("on_demand_allowed") ?? true,
            InstanceTypes: instanceTypes);
        if (!requirements.AllowSpot && !requirements.AllowOnDemand)
        {
            throw Invalid(id, "spot_allowed", "spot_allowed and on_demand_allowed cannot both be false: the template could run nowhere.");
        }

        var config = new WorkloadConfig(
            ImageId: reader.String("image_id") ?? "",
            HealthCheckPort: reader.Int("health_check_port", 1, 65535) ?? 8080,
            HealthCheckPath: reader.String("health_check_path") ?? "/health",
            EnvironmentVariables: reader.StringMap("environment"),
            StartupScript: reader.String("startup_script"));
        return new HostTemplate(
            id,
            reader.String("provider_type")?.ToLowerInvariant(),
            reader.String("provider_name"),
            reader.String("provider_api"),
            config.ImageId.Length == 0 ? null : config.ImageId,
            reader.Strings("subnet_ids") ?? [],
            reader.Int("max_instances", 1, MaxInstancesLimit) ?? DefaultMaxInstances,
            requirements,
            config,
            source,
            fields.GetRawText());
    }

    /// <summary><c>instance_type</c> and <c>instance_types</c> together (the market is searched among them only), or null for any.</summary>
    private static IReadOnlyList<string>? InstanceTypes(string? one, IReadOnlyList<string>? many)
    {
        var all = new List<string>();
        if (one is { Length: > 0 }) all.Add(one);
        if (many is not null) all.AddRange(many);
        return all.Count == 0 ? null : all.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    public static HostFactoryException Invalid(string templateId, string field, string message) =>
        new(HostFactoryErrorCodes.TemplateInvalid, $"Template '{templateId}': {message}", new Dictionary<string, object?>
        {
            ["template_id"] = templateId,
            ["field"] = field,
            ["suggestion"] = "Fix the field in the template's source and refresh the templates",
        });

    private readonly struct FieldReader(string id, JsonElement fields)
    {
        private JsonElement? Get(string name) =>
            fields.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

        public string? String(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.String } v when v.GetString()!.Length <= 1024 => v.GetString(),
            _ => throw Invalid(id, name, $"{name} must be a string of at most 1024 characters."),
        };

        public int? Int(string name, int min, int max) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.TryGetInt32(out int i) && i >= min && i <= max => i,
            _ => throw Invalid(id, name, $"{name} must be a whole number from {min} to {max}."),
        };

        public double? Number(string name, double min, double max) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.Number } v when v.GetDouble() is var d && d >= min && d <= max => d,
            _ => throw Invalid(id, name, $"{name} must be a number from {min} to {max}."),
        };

        public bool? Bool(string name) => Get(name) switch
        {
            null => null,
            { ValueKind: JsonValueKind.True } => true,
            { ValueKind: JsonValueKind.False } => false,
            _ => throw Invalid(id, name, $"{name} must be true or false."),
        };

        public IReadOnlyList<string>? Strings(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString()!.Length is 0 or > 256))
            {
                throw Invalid(id, name, $"{name} must be a list of non-empty strings.");
            }

            return v.EnumerateArray().Select(e => e.GetString()!).ToList();
        }

        public IReadOnlyDictionary<string, string>? StringMap(string name)
        {
            if (Get(name) is not { } v) return null;
            if (v.ValueKind != JsonValueKind.Object || v.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            {
                throw Invalid(id, name, $"{name} must be an object of string values.");
            }

            return v.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        }
    }
}
