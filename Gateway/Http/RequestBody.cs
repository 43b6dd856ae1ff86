using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>A bound request body that <see cref="RequestValidationFilter"/> can check.</summary>
public interface IRequestBody
{
    /// <summary>Runs the <see cref="IRequestValidator{T}"/> registered for the record, if any.</summary>
    void Validate(IServiceProvider services);
}

/// <summary>
/// A route's JSON body as a contract record: read by <see cref="JsonRequest.ReadAsync{T}"/> with the HTTP JSON
/// options (a wrong type is a 400 naming the field), then checked by <see cref="RequestValidationFilter"/> before
/// the handler sees <see cref="Value"/>.
/// </summary>
public sealed class RequestBody<T> : IRequestBody where T : class
{
    private RequestBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<RequestBody<T>?> BindAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var value = await JsonRequest.ReadAsync(context, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
        return value is null ? null : new RequestBody<T>(value);
    }

    public void Validate(IServiceProvider services) => services.GetService<IRequestValidator<T>>()?.Validate(Value, services);
}
