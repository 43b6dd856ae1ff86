using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Runtime.Storage;

/// <summary>How grain state is turned into JSON for storage (the same for every store, so they behave alike).</summary>
internal static class GrainStateSerializer
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize<TState>(TState state) => JsonSerializer.Serialize(state, Options);

    public static TState Deserialize<TState>(string json) =>
        JsonSerializer.Deserialize<TState>(json, Options) ?? Activator.CreateInstance<TState>();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            // Absent reads back as null (or the property's initial value): smaller rows, less for PostgreSQL to parse.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
