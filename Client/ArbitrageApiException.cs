using System.Net;
using System.Text.Json;

namespace Arbitrage.Orleans.Client;

/// <summary>
/// The API refused a call (or answered something that is not the API's): the status, the API's machine-readable code
/// and message, its details (the offending <c>field</c>, a <c>suggestion</c>, …) and the request id to quote.
/// </summary>
public sealed class ArbitrageApiException(
    HttpStatusCode statusCode, string code, string message, IReadOnlyDictionary<string, JsonElement>? details = null, string? requestId = null,
    TimeSpan? retryAfter = null) : Exception(message)
{
    /// <summary>The code of an answer without the API's error body (a proxy's page, an empty 503): the status is in <see cref="StatusCode"/>.</summary>
    public const string UnexpectedResponse = "UNEXPECTED_RESPONSE";

    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>VALIDATION_ERROR, WALLET_NOT_FOUND, RATE_LIMITED, …; <see cref="UnexpectedResponse"/> when the body was not the API's error.</summary>
    public string Code { get; } = code;

    public IReadOnlyDictionary<string, JsonElement> Details { get; } = details ?? new Dictionary<string, JsonElement>();

    /// <summary>The request's id (the body's <c>requestId</c>, else the <c>X-Request-Id</c> header).</summary>
    public string? RequestId { get; } = requestId;

    /// <summary>The answer's <c>Retry-After</c>, when it had one (a 429 or 503 after the retries ran out).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>The offending field, when the API named one (<c>details.field</c>).</summary>
    public string? Field => Details.TryGetValue("field", out var named) && named.ValueKind == JsonValueKind.String ? named.GetString() : null;
}
