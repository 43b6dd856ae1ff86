using System.Text.Json;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Contracts;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>
/// The source-generated contexts of the typed faces (the records of the Arbitrage.Orleans.Contracts package), in the
/// order the HTTP JSON options consult them: <see cref="CamelCaseJsonContext"/> for the <c>/v1</c> faces. The HTTP
/// options apply their own naming policy (camelCase) to every type they resolve, so a snake_case record spells its
/// names with <c>[JsonPropertyName]</c> for the document to show them as written.
/// </summary>
public static class ApiJsonContexts
{
    public static IReadOnlyList<System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver> Resolvers { get; } = [CamelCaseJsonContext.Default];

    /// <summary>
    /// The HTTP JSON options (what typed results write, request bodies are read with, and the OpenAPI document
    /// describes): unset optional fields left out (never null), numbers only as JSON numbers, a null for a field that
    /// is not optional refused; the generated contexts are consulted first. Routes not yet typed keep writing with
    /// <see cref="Http.ApiJson"/>'s options.
    /// </summary>
    public static void Apply(JsonSerializerOptions options)
    {
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.RespectNullableAnnotations = true;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        for (int i = Resolvers.Count - 1; i >= 0; i--) options.TypeInfoResolverChain.Insert(0, Resolvers[i]);
    }
}
