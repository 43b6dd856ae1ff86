using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Arbitrage.Orleans.Cli.Api;

/// <summary>
/// The gateway's HTTP API as the CLI uses it: JSON in, JSON out, the bearer token on every call. A refusal in the
/// API's error shape <c>{"error": {"code", "message", "details", "requestId"}}</c> becomes an <see cref="ApiCallException"/>;
/// a gateway that cannot be reached becomes a <see cref="GatewayUnreachableException"/> naming the URL.
/// </summary>
public sealed class ArbApiClient(HttpClient http, Uri baseUrl, string apiKey)
{
    public Uri BaseUrl { get; } = baseUrl;

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, JsonNode body, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? headers = null) =>
        SendAsync(HttpMethod.Post, path, body, headers, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, null, cancellationToken);

    /// <summary>Sends one request; answers the response's JSON (an undefined element for an empty body).</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonNode? body, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        var url = new Uri(BaseUrl, path);
        using var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);

        HttpResponseMessage response;
        string text;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new GatewayUnreachableException(BaseUrl, e.Message);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GatewayUnreachableException(BaseUrl, $"no answer within {http.Timeout.TotalSeconds:0} s");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode) throw Refusal(response, text);
            if (text.Length == 0) return default;
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new ApiCallException((int)response.StatusCode, "INVALID_RESPONSE", $"{method} {url} answered {(int)response.StatusCode} with a body that is not JSON: {Shorten(text)}",
                    new Dictionary<string, string>(), null);
            }
        }
    }

    private static ApiCallException Refusal(HttpResponseMessage response, string text)
    {
        int status = (int)response.StatusCode;
        string? requestId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var details = new Dictionary<string, string>(StringComparer.Ordinal);
                if (error.TryGetProperty("details", out var d) && d.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in d.EnumerateObject()) details[property.Name] = JsonText.Of(property.Value);
                }

                return new ApiCallException(status, JsonText.String(error, "code") ?? $"HTTP_{status}", JsonText.String(error, "message") ?? response.ReasonPhrase ?? "",
                    details, JsonText.String(error, "requestId") ?? requestId);
            }
        }
        catch (JsonException)
        {
            // Not the API's shape (a proxy, a different server): reported by status below.
        }

        return new ApiCallException(status, $"HTTP_{status}", $"{response.ReasonPhrase}{(text.Length > 0 ? ": " + Shorten(text) : "")}", new Dictionary<string, string>(), requestId);
    }

    private static string Shorten(string text) => text.Length > 200 ? text[..200] + "…" : text;
}
