namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// The rules of one request record (the records are the wire contract and know nothing of the server):
/// <see cref="Validate"/> throws a 400 <see cref="ApiErrorException"/> naming the field (<c>requirements.minCPU</c>).
/// Registered as a service; <see cref="RequestValidationFilter"/> runs it for every <see cref="RequestBody{T}"/> of a route.
/// </summary>
public interface IRequestValidator<in T>
{
    void Validate(T request, IServiceProvider services);
}

/// <summary>
/// The one place request bodies are validated: every <see cref="RequestBody{T}"/> argument of the route, by the
/// <see cref="IRequestValidator{T}"/> registered for its record, before the handler runs.
/// </summary>
public sealed class RequestValidationFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        foreach (var argument in context.Arguments)
        {
            if (argument is IRequestBody body) body.Validate(context.HttpContext.RequestServices);
        }

        return next(context);
    }
}

/// <summary>The checks request records share; each throws a validation error naming the field.</summary>
public static class RequestRules
{
    public static T Required<T>(string field, T? value) where T : class =>
        value ?? throw ApiErrorException.Validation(field, $"{field} is required.");

    public static string RequiredString(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) throw ApiErrorException.Validation(field, $"{field} is required and must not be empty.");
        MaxLength(field, value, maxLength);
        return value;
    }

    public static void MaxLength(string field, string? value, int maxLength)
    {
        if (value?.Length > maxLength) throw ApiErrorException.Validation(field, $"{field} is longer than {maxLength} characters.");
    }

    public static void Strings(string field, IReadOnlyList<string>? values, int maxItems = 100)
    {
        if (values is null) return;
        if (values.Count > maxItems) throw ApiErrorException.Validation(field, $"{field} has more than {maxItems} items.");
        if (values.Any(string.IsNullOrWhiteSpace)) throw ApiErrorException.Validation(field, $"{field} must contain only non-empty strings.");
    }

    public static void StringMap(string field, IReadOnlyDictionary<string, string>? map, int maxEntries, int maxValueLength)
    {
        if (map is null) return;
        if (map.Count > maxEntries) throw ApiErrorException.Validation(field, $"{field} has more than {maxEntries} entries.");
        foreach (var (key, value) in map)
        {
            if (key.Length is 0 or > 256) throw ApiErrorException.Validation($"{field}.{key}", $"Keys of {field} must have 1 to 256 characters.");
            if (value.Length > maxValueLength) throw ApiErrorException.Validation($"{field}.{key}", $"{field}.{key} is longer than {maxValueLength} characters.");
        }
    }
}
