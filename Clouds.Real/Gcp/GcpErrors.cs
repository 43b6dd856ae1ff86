using System.Net;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// How Google's errors become <see cref="CloudErrorCode"/>s: the HTTP status and the <c>reason</c> of the error body
/// for calls, the <c>code</c> of an operation's errors for work the cloud did later (an instance insert that ran out
/// of capacity fails in its operation, not in the call).
/// </summary>
internal static class GcpErrors
{
    private static readonly HashSet<string> CapacityCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "ZONE_RESOURCE_POOL_EXHAUSTED", "ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS", "resourcePoolExhausted",
    };

    private static readonly HashSet<string> QuotaCodes = new(StringComparer.OrdinalIgnoreCase) { "QUOTA_EXCEEDED", "quotaExceeded" };

    private static readonly HashSet<string> ThrottleCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        "rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED",
    };

    /// <summary>Whether a call's answer is throttling: HTTP 429, or 403 with reason rateLimitExceeded.</summary>
    public static bool IsThrottled(HttpStatusCode status, GoogleError? error) =>
        status == HttpStatusCode.TooManyRequests || (status == HttpStatusCode.Forbidden && Reasons(error).Any(ThrottleCodes.Contains));

    public static CloudException FromCall(string provider, string what, HttpStatusCode status, GoogleError? error)
    {
        var reasons = Reasons(error).ToList();
        string detail = $"{(int)status} {error?.Status ?? status.ToString()}{(reasons.Count > 0 ? " (" + string.Join(", ", reasons) + ")" : "")}: {error?.Message ?? "no error body"}";
        var code = reasons.Any(CapacityCodes.Contains) ? CloudErrorCode.InsufficientCapacity
            : reasons.Any(QuotaCodes.Contains) ? CloudErrorCode.InsufficientCapacity
            : IsThrottled(status, error) ? CloudErrorCode.Throttled
            : status == HttpStatusCode.Unauthorized || status == HttpStatusCode.Forbidden ? CloudErrorCode.Unauthorized
            : status == HttpStatusCode.NotFound ? CloudErrorCode.NotFound
            : (int)status >= 500 ? CloudErrorCode.Unavailable
            : CloudErrorCode.InvalidRequest;
        string hint = code switch
        {
            CloudErrorCode.Unauthorized => " Check the provider's credentials (credentials.source/file) and its IAM roles.",
            CloudErrorCode.Throttled => " Compute Engine rate limit; retried with backoff and still refused.",
            _ when reasons.Any(QuotaCodes.Contains) => " A project or regional quota is used up; another market (family or region) may still launch.",
            _ => "",
        };
        return new CloudException(code, $"provider '{provider}': GCP {what} failed: {detail}.{hint}");
    }

    public static CloudException FromOperation(string provider, string what, GcpOperation operation)
    {
        var errors = operation.Error?.Errors ?? [];
        var codes = errors.Select(e => e.Code ?? e.Reason ?? "").Where(c => c.Length > 0).ToList();
        string detail = string.Join("; ", errors.Select(e => $"{e.Code ?? e.Reason}: {e.Message}"));
        var code = codes.Any(c => CapacityCodes.Contains(c) || QuotaCodes.Contains(c)) ? CloudErrorCode.InsufficientCapacity
            : codes.Any(ThrottleCodes.Contains) ? CloudErrorCode.Throttled
            : operation.HttpErrorStatusCode is 401 or 403 ? CloudErrorCode.Unauthorized
            : operation.HttpErrorStatusCode is >= 500 ? CloudErrorCode.Unavailable
            : CloudErrorCode.InvalidRequest;
        return new CloudException(code, $"provider '{provider}': GCP {what} failed in operation {operation.Name}: {detail}");
    }

    private static IEnumerable<string> Reasons(GoogleError? error) =>
        (error?.Errors ?? []).Select(e => e.Reason ?? e.Code ?? "").Where(r => r.Length > 0);
}
