using System.Globalization;
using System.Text.Json;

namespace Arbitrage.Orleans.Cli.Api;

/// <summary>Reading the API's JSON for display: any value as text, missing and null as <c>-</c>.</summary>
public static class JsonText
{
    public const string None = "-";

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The property <paramref name="name"/> (a dotted path walks into objects) as text.</summary>
    public static string Get(JsonElement element, string name)
    {
        foreach (var part in name.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return None;
        }

        return Of(element);
    }

    public static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : None,
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array => value.GetArrayLength() == 0 ? None : string.Join(", ", value.EnumerateArray().Select(Of)),
        JsonValueKind.Object => string.Join(", ", value.EnumerateObject().Select(p => $"{p.Name}={Of(p.Value)}")),
        _ => None,
    };

    /// <summary>A timestamp as <c>yyyy-MM-dd HH:mm:ss</c> UTC, or the text as given.</summary>
    public static string Time(JsonElement element, string name) =>
        String(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
            : Get(element, name);
}
