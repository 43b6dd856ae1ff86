namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// The rules of one request record (the records are the wire contract and know nothing of the server):
/// <see cref="Validate"/> throws a 400 <see cref="ApiErrorException"/> naming the field (<c>requirements.minCPU</c>).
/// Registered as a service; <see cref="RequestValidationFilter"/> runs it for every <see cref="RequestBody{T}"/> of a route
/// (and <see cref="ValidateJson"/> as the body is read).
/// </summary>
public interface IRequestValidator<in T>
{
    void Validate(T request, IServiceProvider services);

    /// <summary>
    /// The checks of the body as JSON that must come before it is read as the record, where reading it would refuse it
    /// otherwise (a field of the wrong kind that has a refusal of its own); none unless a validator has them.
    /// </summary>
    void ValidateJson(System.Text.Json.JsonElement body) { }
}

/// <summary>
/// The one place request bodies are validated: every <see cref="RequestBody{T}"/> argument of the route, by the
/// <see cref="IRequestValidator{T}"/> registered for its record, before the handler runs. A route gets it from its
/// <see cref="RequestBody{T}"/> parameter (<see cref="AddTo"/>), once however many bodies it binds.
/// </summary>
public sealed class RequestValidationFilter : IEndpointFilter
{
    /// <summary>Puts the filter on the route being built, unless it has it.</summary>
    public static void AddTo(EndpointBuilder builder)
    {
        if (builder.Metadata.OfType<RequestValidationFilter>().Any()) return;
        var filter = new RequestValidationFilter();
        builder.Metadata.Add(filter);
        builder.FilterFactories.Add((_, next) => invocation => filter.InvokeAsync(invocation, next));
    }

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
