using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>
/// The JSON of the <c>/v1</c> faces, generated at build time: camelCase, unset optional fields left out (never null),
/// numbers only as JSON numbers. Each face gets a context of its own (the <c>/api/v1</c> and platform faces a
/// snake_case one, <c>[JsonSourceGenerationOptions(PropertyNamingPolicy = SnakeCaseLower)]</c>) and is added to
/// <see cref="ApiJsonContexts.Resolvers"/>, so the HTTP options and the OpenAPI document see every contract. The
/// HTTP options apply their own naming policy (camelCase) to every type they resolve, so a snake_case record spells
/// its names with <c>[JsonPropertyName]</c> for the document to show them as written.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(CreateWorkloadRequest))]
[JsonSerializable(typeof(WorkloadResponse))]
[JsonSerializable(typeof(WorkloadListResponse))]
[JsonSerializable(typeof(WorkloadDetailResponse))]
[JsonSerializable(typeof(TerminateWorkloadResponse))]
[JsonSerializable(typeof(WorkloadEndpointResponse))]
[JsonSerializable(typeof(WorkloadEventListResponse))]
[JsonSerializable(typeof(WorkloadPlacementListResponse))]
[JsonSerializable(typeof(PriceEstimate))]
[JsonSerializable(typeof(SpotPriceList))]
[JsonSerializable(typeof(CreateTokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TokenListResponse))]
[JsonSerializable(typeof(ApiErrorResponse))]
[JsonSerializable(typeof(string))]
public sealed partial class ApiV1JsonContext : JsonSerializerContext;

/// <summary>The source-generated contexts of every face, in the order the HTTP JSON options consult them.</summary>
public static class ApiJsonContexts
{
    public static IReadOnlyList<System.Text.Json.Serialization.Metadata.IJsonTypeInfoResolver> Resolvers { get; } = [ApiV1JsonContext.Default];

    /// <summary>
    /// The HTTP JSON options (what typed results write and the OpenAPI document describes) follow the <c>/v1</c>
    /// context's settings, consulting the generated contexts first; routes not yet typed keep writing with
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
