using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Reads a request body into a contract record with its source-generated <see cref="JsonTypeInfo{T}"/>: at most
/// <see cref="JsonBody.MaxBytes"/> (413 beyond), a JSON object (400 INVALID_JSON otherwise), and a value of the wrong
/// type answered with a 400 VALIDATION_ERROR naming the field (<c>requirements.minCPU must be a whole number; got the string "two"</c>).
/// </summary>
public static class JsonRequest
{
    /// <summary>
    /// The body as the record <typeparamref name="T"/>, read with the HTTP JSON options (its source-generated metadata,
    /// numbers only as numbers), after the JSON checks of its validator (<see cref="IRequestValidator{T}.ValidateJson"/>).
    /// </summary>
    public static async ValueTask<T> ReadAsync<T>(HttpContext context) where T : class
    {
        var root = await JsonBody.ReadRootAsync(context.Request, context.RequestAborted);
        context.RequestServices.GetService<IRequestValidator<T>>()?.ValidateJson(root);
        return Read<T>(context, root);
    }

    /// <summary>A body already read (<see cref="JsonBody.ReadRootAsync"/>) as the record <typeparamref name="T"/>, with the HTTP JSON options.</summary>
    public static T Read<T>(HttpContext context, JsonElement root) where T : class
    {
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        return Read(root, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
    }

    /// <summary>A body already read (<see cref="JsonBody.ReadRootAsync"/>) as a contract record, a wrong type answered as by <see cref="ReadAsync{T}"/>.</summary>
    private static T Read<T>(JsonElement root, JsonTypeInfo<T> typeInfo)
    {
        try
        {
            return root.Deserialize(typeInfo) ?? throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "A JSON object is required as the request body.");
        }
        catch (JsonException e)
        {
            throw WrongType(root, typeInfo, e.Path);
        }
    }

    /// <summary>The field a conversion failed at (<c>$.requirements.minCPU</c> → <c>requirements.minCPU</c>), what it should be, and what it was.</summary>
    private static ApiErrorException WrongType(JsonElement root, JsonTypeInfo typeInfo, string? path)
    {
        var segments = Segments(path);
        if (segments.Count == 0)
        {
            // A [JsonRequired] field that is missing fails at the root: name it as a validation error.
            return typeInfo.Properties.FirstOrDefault(p => p.IsRequired && !root.TryGetProperty(p.Name, out _)) is { } missing
                ? ApiErrorException.Validation(missing.Name, $"{missing.Name} is required.")
                : new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "The request body does not have the expected shape.");
        }

        string field = string.Join('.', segments.Where(s => s is string));
        JsonElement? value = root;
        JsonTypeInfo? type = typeInfo;
        foreach (var segment in segments)
        {
            (value, type) = segment switch
            {
                string name => ((JsonElement?, JsonTypeInfo?))(value is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) ? v : null, Member(type, name)),
                int index => (value is { ValueKind: JsonValueKind.Array } a && index < a.GetArrayLength() ? a[index] : null, type?.ElementType is { } e ? type.Options.GetTypeInfo(e) : null),
                _ => ((JsonElement?)null, (JsonTypeInfo?)null),
            };
        }

        // A [JsonRequired] field missing from a nested object fails at that object: name the field.
        if (value is { ValueKind: JsonValueKind.Object } found && type is { Kind: JsonTypeInfoKind.Object }
            && type.Properties.FirstOrDefault(p => p.IsRequired && !found.TryGetProperty(p.Name, out _)) is { } absent)
        {
            return ApiErrorException.Validation($"{field}.{absent.Name}", $"{field}.{absent.Name} is required.");
        }

        string expected = type is null ? "of another type" : Describe(type);
        string got = value is { } actual ? Show(actual) : "another value";
        return ApiErrorException.Validation(field, $"{field} must be {expected}; got {got}.");
    }

    private static JsonTypeInfo? Member(JsonTypeInfo? type, string name)
    {
        if (type is null) return null;
        if (type.Kind == JsonTypeInfoKind.Dictionary) return type.ElementType is { } e ? type.Options.GetTypeInfo(e) : null;
        return type.Properties.FirstOrDefault(p => p.Name == name) is { } property ? type.Options.GetTypeInfo(property.PropertyType) : null;
    }

    private static string Describe(JsonTypeInfo type)
    {
        var t = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        if (t == typeof(int) || t == typeof(long)) return "a whole number";
        if (t == typeof(double) || t == typeof(decimal) || t == typeof(float)) return "a number";
        if (t == typeof(bool)) return "true or false";
        if (t == typeof(string)) return "a string";
        if (t == typeof(DateTimeOffset)) return "an ISO 8601 date and time such as 2026-12-01T00:00:00Z";
        return type.Kind switch
        {
            JsonTypeInfoKind.Enumerable => type.ElementType == typeof(string) ? "an array of strings" : "an array",
            JsonTypeInfoKind.Dictionary => type.ElementType == typeof(string) ? "an object of strings" : "an object",
            _ => "an object",
        };
    }

    /// <summary>Property names and array indexes of a System.Text.Json path (<c>$.a.b[0]</c>, <c>$['a.b']</c>).</summary>
    private static List<object> Segments(string? path)
    {
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path) || path[0] != '$') return segments;
        int i = 1;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                int end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0) break;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                int end = path.IndexOf(']', i);
                if (end < 0 || !int.TryParse(path.AsSpan(i + 1, end - i - 1), out int index)) break;
                segments.Add(index);
                i = end + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{(value.GetString()!.Length <= 40 ? value.GetString() : value.GetString()![..40] + "…")}\"",
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => "null",
    };
}
