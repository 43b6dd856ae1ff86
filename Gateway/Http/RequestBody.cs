using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>A bound request body that <see cref="RequestValidationFilter"/> can check.</summary>
public interface IRequestBody
{
    /// <summary>Runs the <see cref="IRequestValidator{T}"/> registered for the record, if any.</summary>
    void Validate(IServiceProvider services);
}

/// <summary>
/// The one way a route reads a JSON body as a contract record: a <c>RequestBody&lt;T&gt;</c> parameter. It is read by
/// <see cref="JsonRequest.ReadAsync{T}"/> with the HTTP JSON options (a wrong type is a 400 naming the field), then
/// checked by <see cref="RequestValidationFilter"/> before the handler sees <see cref="Value"/>; the parameter itself
/// puts that filter on its route, so no route can read a body and forget to check it. A nullable parameter
/// (<c>RequestBody&lt;T&gt;?</c>) makes the body optional: an empty body is null, anything else is read and checked.
/// The bodies that are not read as one record are read by their routes, which say why: a template is stored as sent,
/// a SpotInst group body is read path by path onto the stored spec, a host-factory request comes in two spellings.
/// </summary>
public sealed class RequestBody<T> : IRequestBody, IEndpointParameterMetadataProvider where T : class
{
    private RequestBody(T value) => Value = value;

    public T Value { get; }

    public static async ValueTask<RequestBody<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        if (IsEmpty(context.Request) && IsOptional(parameter)) return null;
        return new RequestBody<T>(await JsonRequest.ReadAsync<T>(context));
    }

    public void Validate(IServiceProvider services) => services.GetService<IRequestValidator<T>>()?.Validate(Value, services);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) => RequestValidationFilter.AddTo(builder);

    private static bool IsEmpty(HttpRequest request) => request.ContentLength is 0 or null && !request.Headers.ContainsKey("Transfer-Encoding");

    private static bool IsOptional(ParameterInfo parameter) => new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;
}
