using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Arbitrage.Orleans.Grains.Storage;

namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>
/// How the ledger stores turn grain states and journal entries into JSON (the same for both stores, so they behave
/// alike). A state's <see cref="JournalBuffer"/> (entries waiting for the next write) is never part of the JSON: the
/// serializer skips every property of that type, so state classes need no attribute for it.
/// </summary>
internal static class GrainStateSerializer
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    public static string Serialize<TState>(TState state) => JsonSerializer.Serialize(state, Options);

    /// <summary>A journal entry, as its own runtime type (the buffer holds them as objects).</summary>
    public static string SerializeEntry(object entry) => JsonSerializer.Serialize(entry, entry.GetType(), Options);

    public static TState Deserialize<TState>(string json) =>
        JsonSerializer.Deserialize<TState>(json, Options) ?? Activator.CreateInstance<TState>();

    public static TEntry DeserializeEntry<TEntry>(string json) =>
        JsonSerializer.Deserialize<TEntry>(json, Options) ?? throw new JsonException($"A journal entry read as {typeof(TEntry).Name} was null.");

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            // Absent reads back as null (or the property's initial value): smaller rows, less for PostgreSQL to parse.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipJournalBuffers } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Pending journal entries are written to the journal, not into the state they belong to.</summary>
    private static void SkipJournalBuffers(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object) return;
        for (int i = typeInfo.Properties.Count - 1; i >= 0; i--)
        {
            if (typeInfo.Properties[i].PropertyType == typeof(JournalBuffer)) typeInfo.Properties.RemoveAt(i);
        }
    }
}
