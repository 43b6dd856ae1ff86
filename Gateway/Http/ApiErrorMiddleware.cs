using System.Text.Json;
using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Gives every response an <c>X-Request-Id</c> (the caller's, when it sent a sensible one) and turns every failure
/// into the one error shape: validation and malformed input are 400, an oversized body 413, an unknown route 404,
/// a silo or database that cannot serve 503 (with <c>Retry-After</c>), anything unexpected 500 (logged, never with
/// internals in the message).
/// </summary>
public sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public const string RequestIdHeader = "X-Request-Id";

    /// <summary>What a 503 tells the caller to wait before retrying, in seconds (<c>Retry-After</c>).</summary>
    public const int RetryAfterSeconds = 5;

    public async Task InvokeAsync(HttpContext context)
    {
        string requestId = RequestIdOf(context);
        context.TraceIdentifier = requestId;
        context.Response.Headers[RequestIdHeader] = requestId;
        try
        {
            await next(context);
            if (context.Response is { HasStarted: false, StatusCode: StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed } response
                && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                bool notFound = response.StatusCode == StatusCodes.Status404NotFound;
                await WriteAsync(context, new ApiErrorException(response.StatusCode, notFound ? ErrorCodes.NotFound : ErrorCodes.MethodNotAllowed,
                    notFound ? $"No route {context.Request.Method} {context.Request.Path}." : $"{context.Request.Method} is not allowed on {context.Request.Path}."));
            }
        }
        catch (Exception e) when (!context.Response.HasStarted && Translate(e) is { } error)
        {
            if (error.Status == StatusCodes.Status503ServiceUnavailable) LogUnavailable(context.Request.Method, context.Request.Path, requestId, e.GetBaseException().GetType().Name, e.GetBaseException().Message);
            else if (error.Status >= 500) LogUnexpected(e, context.Request.Method, context.Request.Path, requestId);
            await WriteAsync(context, error);
        }
    }

    private static ApiErrorException? Translate(Exception e) => e switch
    {
        ApiErrorException api => api,
        Grains.HostFactory.HostFactoryException hostFactory => new(hostFactory.Status, hostFactory.Code, hostFactory.Message, hostFactory.Details),
        PlacementValidationException v => ApiErrorException.Validation(v.Field, v.Message),
        PermissionDeniedException => new(StatusCodes.Status403Forbidden, ErrorCodes.Forbidden, e.Message),
        TokenScopeExceededException scope => new(StatusCodes.Status403Forbidden, ErrorCodes.TokenScopeExceeded, e.Message, new Dictionary<string, object?> { ["field"] = scope.Field }),
        TenantExistsException => new(StatusCodes.Status409Conflict, ErrorCodes.TenantExists, e.Message),
        WalletExistsException => new(StatusCodes.Status409Conflict, ErrorCodes.WalletExists, e.Message),
        WalletNotFoundException => ApiErrorException.NotFound(ErrorCodes.WalletNotFound, e.Message),
        InsufficientCreditException => new(StatusCodes.Status409Conflict, ErrorCodes.InsufficientCredit, e.Message),
        OverdraftLimitException => new(StatusCodes.Status409Conflict, ErrorCodes.OverdraftLimit, e.Message),
        ReservationStateException => new(StatusCodes.Status409Conflict, ErrorCodes.ReservationNotActive, e.Message),
        IdempotencyConflictException => new(StatusCodes.Status409Conflict, ErrorCodes.IdempotencyConflict, e.Message),
        InvalidCursorException => ApiErrorException.Validation("cursor", e.Message),
        QuotaExceededException quota => QuotaExceeded(quota),
        ArgumentException argument => ApiErrorException.Validation(argument.ParamName ?? "body", WithoutParameterSuffix(argument)),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            new(StatusCodes.Status413PayloadTooLarge, ErrorCodes.PayloadTooLarge, "The request body is too large."),
        BadHttpRequestException bad => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, bad.Message),
        JsonException json => new(StatusCodes.Status400BadRequest, ErrorCodes.InvalidJson, $"The request body is not valid JSON: {json.Message}"),
        Grains.Storage.StorageOverloadedException => new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, e.Message),
        SiloUnavailableException or OrleansMessageRejectionException or TimeoutException =>
            new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, "The cluster could not serve the request in time; retry shortly."),
        // A stale activation's write was refused (nothing was written); the next attempt reads the current state.
        InconsistentStateException => new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, "The object changed while the request ran and nothing was applied; retry it."),
        // The database is down or restarting (from a grain, wrapped by Orleans' storage, or from a query of the gateway's own).
        _ when DatabaseOutageException.IsOutage(e) =>
            new(StatusCodes.Status503ServiceUnavailable, ErrorCodes.Unavailable, "The database is not reachable at the moment; nothing was changed. Retry shortly."),
        OperationCanceledException => null,
        _ => new(StatusCodes.Status500InternalServerError, ErrorCodes.Internal, "An unexpected error occurred; quote the requestId when reporting it."),
    };

    /// <summary>A quota that time frees (creations per minute) is 429 with Retry-After; the live-workload quota is 403 until a workload ends.</summary>
    private static ApiErrorException QuotaExceeded(QuotaExceededException quota)
    {
        var details = new Dictionary<string, object?> { ["quota"] = quota.Quota, ["limit"] = quota.Limit };
        if (quota.RetryAfter is not { } wait) return new(StatusCodes.Status403Forbidden, ErrorCodes.QuotaExceeded, quota.Message, details);
        long seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        details["retryAfterSeconds"] = seconds;
        return new ApiErrorException(StatusCodes.Status429TooManyRequests, ErrorCodes.QuotaExceeded, quota.Message, details)
            .WithHeader("Retry-After", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>An ArgumentException's message without the " (Parameter 'x')" .NET appends (the field is in details).</summary>
    private static string WithoutParameterSuffix(ArgumentException e) =>
        e.ParamName is { } name && e.Message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal) ? e.Message[..^($" (Parameter '{name}')".Length)] : e.Message;

    public static Task WriteAsync(HttpContext context, ApiErrorException error)
    {
        // The rate-limit headers describe the request, not the route's outcome: they survive the clear.
        var limits = context.Response.Headers.Where(h => h.Key.StartsWith("X-RateLimit-", StringComparison.OrdinalIgnoreCase)).ToList();
        context.Response.Clear();
        foreach (var (name, value) in limits) context.Response.Headers[name] = value;
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        context.Response.StatusCode = error.Status;
        if (error.Status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
        if (error.Status == StatusCodes.Status503ServiceUnavailable) context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in error.Headers) context.Response.Headers[name] = value;
        if (IsHostFactory(context.Request.Path))
        {
            // The host-factory face: the product's shape plus the seed's timestamp and request_id beside requestId.
            var time = context.RequestServices?.GetService<TimeProvider>() ?? TimeProvider.System;
            return context.Response.WriteAsJsonAsync(new
            {
                error = new
                {
                    code = error.Code, message = error.Message, details = error.Details, requestId = context.TraceIdentifier,
                    timestamp = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
                    request_id = context.TraceIdentifier,
                },
            }, ApiJson.CamelCase, context.RequestAborted);
        }

        return context.Response.WriteAsJsonAsync(new
        {
            error = new { code = error.Code, message = error.Message, details = error.Details, requestId = context.TraceIdentifier },
        }, ApiJson.CamelCase, context.RequestAborted);
    }

    /// <summary>The host-factory API's routes (providers, templates, requests under /api/v1), whose errors also carry the seed's fields.</summary>
    public static bool IsHostFactory(PathString path) =>
        path.StartsWithSegments("/api/v1/providers", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/v1/templates", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/v1/requests", StringComparison.OrdinalIgnoreCase);

    private static string RequestIdOf(HttpContext context)
    {
        var given = context.Request.Headers[RequestIdHeader].ToString();
        return given.Length is > 0 and <= 64 && given.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? given
            : "req-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Unexpected failure of {Method} {Path} (request {RequestId})")]
    private partial void LogUnexpected(Exception exception, string method, string path, string requestId);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 (request {RequestId}): {Cause}: {Reason}")]
    private partial void LogUnavailable(string method, string path, string requestId, string cause, string reason);
}
