using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Gateway.Contracts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>What the OpenAPI document says about typed routes: their error responses and their contracts' examples.</summary>
public static class ApiContractsOpenApi
{
    /// <summary>
    /// Every route behind a token may answer 401 (no or a bad token), 403 (a missing permission), 429 (over a rate
    /// limit), 503 (the cluster or database cannot serve) and 500 (anything unexpected, with the request id to quote).
    /// </summary>
    public static readonly int[] CommonErrors = [StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests,
        StatusCodes.Status500InternalServerError, StatusCodes.Status503ServiceUnavailable];

    /// <summary>Documents the one error an anonymous route that reads no input and calls nothing can still answer: 500 (anything unexpected).</summary>
    public static RouteHandlerBuilder ProducesUnexpectedError(this RouteHandlerBuilder builder) =>
        builder.Produces<ApiErrorResponse>(StatusCodes.Status500InternalServerError, "application/json");

    /// <summary>Documents the <see cref="ApiErrorResponse"/> of each status in <paramref name="statuses"/> and of <see cref="CommonErrors"/>.</summary>
    public static RouteHandlerBuilder ProducesApiErrors(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (int status in statuses.Concat(CommonErrors).Distinct().Order()) builder.Produces<ApiErrorResponse>(status, "application/json");
        return builder;
    }

    /// <summary>
    /// Documents the routes that are not route handlers (the health checks, the Orleans dashboard), which the API
    /// explorer cannot describe: each gets an operation named by its display name, so the document covers every route.
    /// </summary>
    public static OpenApiOptions AddEndpointsWithoutHandlers(this OpenApiOptions options) => options.AddDocumentTransformer((document, context, _) =>
    {
        document.Paths ??= new OpenApiPaths();
        foreach (var endpoint in context.ApplicationServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<MethodInfo>() is not null || endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }) continue;
            string path = DocumentPath(endpoint.RoutePattern.RawText ?? "");
            if (!document.Paths.TryGetValue(path, out var item)) document.Paths[path] = item = new OpenApiPathItem();
            var pathItem = (OpenApiPathItem)item;
            pathItem.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get])
            {
                pathItem.Operations.TryAdd(HttpMethod.Parse(method), new OpenApiOperation
                {
                    Summary = endpoint.DisplayName ?? path,
                    Responses = new OpenApiResponses { ["200"] = new OpenApiResponse { Description = "OK" } },
                });
            }
        }

        return Task.CompletedTask;
    });

    /// <summary>A route pattern as the document spells its path: <c>/v1/x/{id:int}</c> → <c>/v1/x/{id}</c>, a catch-all <c>{**rest}</c> → <c>{rest}</c>.</summary>
    public static string DocumentPath(string routePattern) =>
        "/" + System.Text.RegularExpressions.Regex.Replace(routePattern, @"\{\*{0,2}([^}:=?]+)[^}]*\}", "{$1}").Trim('/');

    /// <summary>
    /// The contracts (the records of Arbitrage.Orleans.Contracts, written with <see cref="ApiJsonContexts"/>' options)
    /// leave an unset field out rather than send null, so a nullable property of theirs is documented as optional and
    /// never null: a typed client then reads a missing field, never a null it does not expect.
    /// </summary>
    public static OpenApiOptions AddOptionalInsteadOfNull(this OpenApiOptions options) => options.AddDocumentTransformer((document, _, _) =>
    {
        // Per contract type, the fields it always sends, null when unset ([JsonIgnore(Condition = Never)]): those stay nullable and required.
        var contracts = typeof(CamelCaseJsonContext).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith(typeof(CamelCaseJsonContext).Namespace!, StringComparison.Ordinal) == true)
            .GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => AlwaysSent(g.First()), StringComparer.Ordinal);
        foreach (var (name, component) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (!contracts.TryGetValue(name, out var alwaysSent) || component is not OpenApiSchema { Properties: { Count: > 0 } properties } schema) continue;
            foreach (var (field, property) in properties.ToList())
            {
                if (alwaysSent.Contains(field)) continue;
                bool nullable = false;
                if (property is OpenApiSchema { Type: { } type } inline && type.HasFlag(JsonSchemaType.Null) && type != JsonSchemaType.Null)
                {
                    inline.Type = type & ~JsonSchemaType.Null;
                    nullable = true;
                }
                else if (property is OpenApiSchema { OneOf: [var first, var second] } && (first.Type == JsonSchemaType.Null || second.Type == JsonSchemaType.Null))
                {
                    properties[field] = first.Type == JsonSchemaType.Null ? second : first;
                    nullable = true;
                }

                if (nullable) schema.Required?.Remove(field);
            }
        }

        return Task.CompletedTask;
    });

    private static HashSet<string> AlwaysSent(Type type) => type.GetProperties()
        .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Never })
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// A record that keeps the fields it does not name (a <c>[JsonExtensionData]</c> property, e.g. a SpotInst group body,
    /// whose other fields are stored, echoed and warned about) is documented as open: <c>additionalProperties: {}</c>.
    /// </summary>
    public static OpenApiOptions AddExtensionDataAsAdditionalProperties(this OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        var type = context.JsonTypeInfo;
        if (type.Kind == System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object
            && type.Type.GetProperties().Any(p => p.IsDefined(typeof(JsonExtensionDataAttribute), inherit: true)))
        {
            schema.AdditionalPropertiesAllowed = true;
            schema.AdditionalProperties = new OpenApiSchema();
        }

        return Task.CompletedTask;
    });

    /// <summary>Sets the example of every contract that has one (<see cref="ApiExamples"/>), written as the API writes it.</summary>
    public static OpenApiOptions AddContractExamples(this OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        var type = context.JsonTypeInfo.Type;
        if (ApiExamples.For(type) is { } example) schema.Examples = [JsonSerializer.SerializeToNode(example, context.JsonTypeInfo)!];
        // An envelope's data is never null, though its type parameter cannot say so.
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Arbitrage.Orleans.Contracts.Wallets.Envelope<>)
            && schema.Properties?.TryGetValue("data", out var data) == true)
        {
            // The generator marks it nullable ("x-is-nullable-property") and writes it as oneOf [null, the record] when it makes the document.
            if (data is OpenApiSchema { Metadata: { } metadata }) metadata.Remove("x-is-nullable-property");
        }

        return Task.CompletedTask;
    });
}
