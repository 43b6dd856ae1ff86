using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// The HTTP face of Compute Engine v1 and the Cloud Billing Catalog: a bearer token on every call, a per-call timeout,
/// retries with exponential backoff (or the cloud's Retry-After) for throttling (429, 403 rateLimitExceeded), 5xx and
/// timeouts, and Google's error bodies turned into <see cref="CloudException"/>s. Every call this adapter makes is
/// idempotent (reads, deletes, and inserts carrying a requestId), so each may be retried.
/// </summary>
internal sealed partial class GcpApi
{
    private readonly RealCloudSettings _settings;
    private readonly IGcpTokenSource _tokens;
    private readonly HttpClient _http;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public GcpApi(RealCloudSettings settings, IGcpTokenSource tokens, HttpClient http, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _tokens = tokens;
        _http = http;
        _logger = logger;
        Compute = settings.Endpoint("compute") ?? new Uri("https://compute.googleapis.com/");
        Billing = settings.Endpoint("billing") ?? new Uri("https://cloudbilling.googleapis.com/");
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (settings.Gcp.RetryAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = settings.Gcp.RetryAttempts - 1,
                Delay = settings.Gcp.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => args.Outcome switch
                {
                    { Exception: HttpRequestException or TimeoutRejectedException } => ValueTask.FromResult(true),
                    { Result: { } response } => IsRetryableAsync(response),
                    _ => ValueTask.FromResult(false),
                },
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    LogRetry(_logger, _settings.Name, args.AttemptNumber + 1, args.RetryDelay,
                        args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "");
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(settings.Gcp.RequestTimeout).Build();
    }

    public Uri Compute { get; }

    public Uri Billing { get; }

    /// <summary>The project's Compute Engine v1 path prefix.</summary>
    public string ProjectPath => $"compute/v1/projects/{Uri.EscapeDataString(_settings.Gcp.Project ?? "")}";

    /// <summary>GETs a resource; null when the cloud answers 404 and <paramref name="notFoundIsNull"/>.</summary>
    public async Task<T?> GetAsync<T>(Uri service, string path, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken, bool notFoundIsNull = false)
        where T : class
    {
        var (status, body) = await SendAsync(HttpMethod.Get, service, path, null, what, cancellationToken, notFoundIsNull ? HttpStatusCode.NotFound : null);
        return status == HttpStatusCode.NotFound ? null : Parse(body, type, what);
    }

    /// <summary>POSTs or DELETEs and reads the answer (an operation for Compute Engine writes); null when the cloud answers <paramref name="nullOn"/> (404 for a delete, 409 for an insert).</summary>
    public async Task<T?> WriteAsync<T>(HttpMethod method, string path, string? json, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken, HttpStatusCode? nullOn = null)
        where T : class
    {
        var (status, body) = await SendAsync(method, Compute, path, json, what, cancellationToken, nullOn);
        return status == nullOn ? null : Parse(body, type, what);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(
        HttpMethod method, Uri service, string path, string? json, string what, CancellationToken cancellationToken, HttpStatusCode? tolerated)
    {
        var uri = new Uri(service, path);
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(async token =>
            {
                using var request = new HttpRequestMessage(method, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await _tokens.GetAccessTokenAsync(token));
                if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                return await _http.SendAsync(request, token);
            }, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            throw new CloudException(CloudErrorCode.Unavailable, $"provider '{_settings.Name}': GCP {what} did not answer ({uri.GetLeftPart(UriPartial.Authority)}): {e.Message}");
        }

        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode || response.StatusCode == tolerated) return (response.StatusCode, body);
            throw GcpErrors.FromCall(_settings.Name, what, response.StatusCode, TryParseError(body));
        }
    }

    private T Parse<T>(string body, JsonTypeInfo<T> type, string what)
    {
        try
        {
            return JsonSerializer.Deserialize(body, type) ?? throw new JsonException("empty body");
        }
        catch (JsonException e)
        {
            throw new CloudException(CloudErrorCode.Unavailable, $"provider '{_settings.Name}': GCP {what} answered something that is not its JSON resource: {e.Message}");
        }
    }

    private static GoogleError? TryParseError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, GcpJson.Default.GoogleErrorBody)?.Error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async ValueTask<bool> IsRetryableAsync(HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500) return true;
        if (response.StatusCode != HttpStatusCode.Forbidden) return false;
        return GcpErrors.IsThrottled(response.StatusCode, TryParseError(await response.Content.ReadAsStringAsync()));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage? response) =>
        response?.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } when date > DateTimeOffset.UtcNow => date - DateTimeOffset.UtcNow,
            _ => null,
        };

    [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Provider {Provider}: GCP call retried (attempt {Attempt}) in {Delay} after {Outcome}")]
    private static partial void LogRetry(ILogger logger, string provider, int attempt, TimeSpan delay, string outcome);
}
