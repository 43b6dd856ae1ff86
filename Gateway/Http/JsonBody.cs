using System.Text.Json;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// A request body read as a JSON object, with typed accessors that refuse a wrong type or range with an error naming
/// the field, so every bad input is a 400 that says what to fix.
/// </summary>
public sealed class JsonBody(JsonElement root, string prefix = "")
{
    public const int MaxBytes = 256 * 1024;

    public JsonElement Root { get; } = root;

    public static async Task<JsonBody> ReadAsync(HttpRequest request, CancellationToken cancellationToken) =>
        new(await ReadRootAsync(request, cancellationToken));

    /// <summary>The body as a JSON object: at most <see cref="MaxBytes"/> (413 beyond), well-formed and an object (400 INVALID_JSON otherwise).</summary>
    public static async Task<JsonElement> ReadRootAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw new ApiErrorException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, $"The request body is larger than {MaxBytes:N0} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                throw new ApiErrorException(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, $"The request body is larger than {MaxBytes:N0} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0) throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, "A JSON object is required as the request body.");
        try
        {
            using var document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 32 });
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, $"The request body must be a JSON object, not {Describe(root.ValueKind)}.");
            }

            return root;
        }
        catch (JsonException e)
        {
            throw new ApiErrorException(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson,
                $"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }
    }

    private string Path(string name) => prefix + name;

    private JsonElement? Get(string name) =>
        Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
        {
            throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be a whole number; got {Show(value)}.");
        }

        if (result < min || result > max) throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be between {min} and {max}; got {result}.");
        return result;
    }

    public double? Number(string name)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double result) || !double.IsFinite(result))
        {
            throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be a number; got {Show(value)}.");
        }

        return result;
    }

    public decimal? Decimal(string name)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out decimal result))
        {
            throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be a decimal number; got {Show(value)}.");
        }

        return result;
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be true or false; got {Show(value)}."),
        };
    }

    public string? String(string name, int maxLength = 1024)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String) throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be a string; got {Show(value)}.");
        var text = value.GetString()!;
        if (text.Length > maxLength) throw ApiErrorException.Validation(Path(name), $"{Path(name)} is longer than {maxLength} characters.");
        return text;
    }

    /// <summary>An ISO 8601 date and time with an offset (<c>2026-12-01T00:00:00Z</c>).</summary>
    public DateTimeOffset? Timestamp(string name)
    {
        if (String(name, 64) is not { } text) return null;
        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be an ISO 8601 date and time such as 2026-12-01T00:00:00Z (was '{text}').");
    }

    public IReadOnlyList<string>? Strings(string name, int maxItems = 100)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Array) throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be an array of strings; got {Show(value)}.");
        if (value.GetArrayLength() > maxItems) throw ApiErrorException.Validation(Path(name), $"{Path(name)} has more than {maxItems} items.");
        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                throw ApiErrorException.Validation(Path(name), $"{Path(name)} must contain only non-empty strings; got {Show(item)}.");
            }

            items.Add(item.GetString()!);
        }

        return items;
    }

    /// <summary>A nested object, read with field names prefixed by its path (<c>config.imageId</c>).</summary>
    public JsonBody? Object(string name)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Object) throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be an object; got {Show(value)}.");
        return new JsonBody(value, Path(name) + ".");
    }

    public JsonBody RequiredObject(string name) =>
        Object(name) ?? throw ApiErrorException.Validation(Path(name), $"{Path(name)} is required.");

    public string RequiredString(string name, int maxLength = 1024)
    {
        var text = String(name, maxLength);
        if (string.IsNullOrWhiteSpace(text)) throw ApiErrorException.Validation(Path(name), $"{Path(name)} is required and must not be empty.");
        return text;
    }

    /// <summary>An object of string values (metadata, environment variables).</summary>
    public IReadOnlyDictionary<string, string>? StringMap(string name, int maxEntries = 100, int maxValueLength = 4096)
    {
        if (Get(name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Object) throw ApiErrorException.Validation(Path(name), $"{Path(name)} must be an object of strings; got {Show(value)}.");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in value.EnumerateObject())
        {
            string field = $"{Path(name)}.{property.Name}";
            if (property.Value.ValueKind != JsonValueKind.String) throw ApiErrorException.Validation(field, $"{field} must be a string; got {Show(property.Value)}.");
            if (property.Name.Length is 0 or > 256) throw ApiErrorException.Validation(field, $"Keys of {Path(name)} must have 1 to 256 characters.");
            if (property.Value.GetString()!.Length > maxValueLength) throw ApiErrorException.Validation(field, $"{field} is longer than {maxValueLength} characters.");
            map[property.Name] = property.Value.GetString()!;
        }

        if (map.Count > maxEntries) throw ApiErrorException.Validation(Path(name), $"{Path(name)} has more than {maxEntries} entries.");
        return map;
    }

    public T Required<T>(string name, Func<string, T?> read) where T : struct =>
        read(name) ?? throw ApiErrorException.Validation(Path(name), $"{Path(name)} is required.");

    private static string Show(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{Truncate(value.GetString()!)}\"",
        JsonValueKind.Number => value.GetRawText(),
        _ => Describe(value.ValueKind),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
