using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Arbitrage.Orleans.Contracts;

namespace Arbitrage.Orleans.Client.Internal;

/// <summary>
/// Sends one call of a face: the token (Bearer; also X-Auth-Token on the SpotInst-style face), the body as JSON of its
/// dialect, an Idempotency-Key when given; a refusal becomes an <see cref="ArbitrageApiException"/>.
/// </summary>
internal sealed class ApiTransport(HttpClient http, string token)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";
    public const string AuthTokenHeader = "X-Auth-Token";
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>Sends the call and reads the answer as <typeparamref name="TResponse"/>.</summary>
    public async Task<TResponse> SendAsync<TResponse>(
        HttpMethod method, string path, HttpContent? content, JsonTypeInfo<TResponse> answer, CancellationToken cancellationToken, string? idempotencyKey = null,
        bool spot = false)
    {
        using var response = await SendAsync(method, path, content, cancellationToken, idempotencyKey, spot);
        return await ReadAsync(response, answer, cancellationToken);
    }

    /// <summary>Sends the call; the answer is a success (2xx) or this throws <see cref="ArbitrageApiException"/>.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? idempotencyKey = null, bool spot = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (spot) request.Headers.Add(AuthTokenHeader, token);
        if (idempotencyKey is not null)
        {
            if (idempotencyKey.Length is 0 or > 255) throw new ArgumentException("An Idempotency-Key has 1 to 255 characters.", nameof(idempotencyKey));
            request.Headers.Add(IdempotencyKeyHeader, idempotencyKey);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            throw await ErrorAsync(method, path, response, cancellationToken);
        }
    }

    public static HttpContent Json<T>(T body, JsonTypeInfo<T> info)
    {
        // Bytes, not a stream: the resilience handler may send the same content again.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, info));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        try
        {
            return await JsonSerializer.DeserializeAsync(stream, info, cancellationToken)
                ?? throw Unexpected(response, "an empty JSON body");
        }
        catch (JsonException e)
        {
            throw Unexpected(response, $"a body that is not a {typeof(T).Name}: {e.Message}");
        }
    }

    /// <summary>A page-numbered list (page from 1), followed until the page says it has no next one.</summary>
    public static async IAsyncEnumerable<TItem> PagesAsync<TPage, TItem>(
        Func<int, CancellationToken, Task<TPage>> fetch, Func<TPage, IReadOnlyList<TItem>> items, Func<TPage, Pagination> pagination,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (int page = 1; ; page++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var answer = await fetch(page, cancellationToken);
            foreach (var item in items(answer))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }

            if (!pagination(answer).HasNext) yield break;
        }
    }

    /// <summary>A cursor-paged list (the <c>/v1</c> faces, the wallets' transactions and reservations), followed until a page has no next cursor.</summary>
    public static async IAsyncEnumerable<TItem> CursorPagesAsync<TPage, TItem>(
        Func<string?, CancellationToken, Task<TPage>> fetch, Func<TPage, IReadOnlyList<TItem>> items, Func<TPage, string?> nextCursor,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var answer = await fetch(cursor, cancellationToken);
            foreach (var item in items(answer))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }

            cursor = nextCursor(answer);
        }
        while (!string.IsNullOrEmpty(cursor));
    }

    /// <summary><c>?a=1&amp;b=x</c> of the parameters that have a value.</summary>
    public static string Query(string path, params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(p => p.Value is not null).Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(p.Value!)}").ToList();
        return given.Count == 0 ? path : $"{path}?{string.Join('&', given)}";
    }

    public static string Segment(string value) => Uri.EscapeDataString(value);

    private static async Task<ArbitrageApiException> ErrorAsync(HttpMethod method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? headerId = response.Headers.TryGetValues(RequestIdHeader, out var ids) ? ids.FirstOrDefault() : null;
        var retryAfter = RetryAfter(response);
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (text.Length > 0 && JsonSerializer.Deserialize(text, CamelCaseJsonContext.Default.ApiErrorResponse) is { Error: { Code: not null } error })
            {
                return new ArbitrageApiException(response.StatusCode, error.Code, error.Message, error.Details, error.RequestId ?? headerId, retryAfter);
            }
        }
        catch (JsonException)
        {
            // Not the API's error shape: described below.
        }

        string excerpt = text.Length == 0 ? "an empty body" : $"a body that is not the API's error: '{(text.Length > 200 ? text[..200] + "…" : text)}'";
        return new ArbitrageApiException(response.StatusCode, ArbitrageApiException.UnexpectedResponse,
            $"{method} {path} answered {(int)response.StatusCode} {response.ReasonPhrase} with {excerpt}.", null, headerId, retryAfter);
    }

    private static ArbitrageApiException Unexpected(HttpResponseMessage response, string what)
    {
        string? headerId = response.Headers.TryGetValues(RequestIdHeader, out var ids) ? ids.FirstOrDefault() : null;
        var request = response.RequestMessage;
        return new ArbitrageApiException(response.StatusCode, ArbitrageApiException.UnexpectedResponse,
            $"{request?.Method} {request?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode} with {what}.", null, headerId);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };
}
