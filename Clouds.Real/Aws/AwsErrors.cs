using System.Net;
using Amazon.Runtime;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>How AWS's error codes (EC2 API error codes, SQS errors) read as <see cref="CloudErrorCode"/>s.</summary>
internal static class AwsErrors
{
    private static readonly HashSet<string> Capacity = new(StringComparer.Ordinal)
    {
        "InsufficientInstanceCapacity", "InsufficientCapacity", "InsufficientHostCapacity", "InsufficientReservedInstanceCapacity", "InsufficientCapacityOnHost",
    };

    private static readonly HashSet<string> Quota = new(StringComparer.Ordinal)
    {
        "MaxSpotInstanceCountExceeded", "InstanceLimitExceeded", "VcpuLimitExceeded", "MaxSpotFleetRequestCountExceeded",
    };

    private static readonly HashSet<string> Throttling = new(StringComparer.Ordinal)
    {
        "RequestLimitExceeded", "Throttling", "ThrottlingException", "RequestThrottled", "AWS.SimpleQueueService.RequestThrottled",
    };

    private static readonly HashSet<string> Denied = new(StringComparer.Ordinal)
    {
        "AuthFailure", "UnauthorizedOperation", "InvalidClientTokenId", "SignatureDoesNotMatch", "AccessDenied", "AccessDeniedException",
        "OptInRequired", "Blocked", "PendingVerification", "ExpiredToken", "IncompleteSignature", "MissingAuthenticationToken",
    };

    /// <summary>
    /// Whether an exception from an SDK call is the cloud's doing (an error answer, no answer, an unreadable answer, no
    /// answer in time) rather than the caller's cancellation or a bug.
    /// </summary>
    public static bool IsCloudFailure(Exception e) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or TimeoutException or IOException
            or System.Xml.XmlException or System.Text.Json.JsonException or FormatException
        || (e is TaskCanceledException && e.InnerException is TimeoutException);

    /// <summary>Errors that say the instance id is unknown (or cannot be one): describe gives null, terminate succeeds.</summary>
    public static bool IsUnknownInstance(AmazonServiceException e) =>
        e.ErrorCode is "InvalidInstanceID.NotFound" or "InvalidInstanceID.Malformed";

    public static CloudException Map(string provider, string operation, Exception e)
    {
        if (e is CloudException cloud) return cloud;
        if (e is AmazonServiceException service && !string.IsNullOrEmpty(service.ErrorCode))
        {
            var what = $"provider '{provider}': {operation} failed: {service.ErrorCode}: {service.Message}";
            var code = service.ErrorCode;
            if (Capacity.Contains(code)) return new CloudException(CloudErrorCode.InsufficientCapacity, what);
            if (code == "SpotMaxPriceTooLow") return new CloudException(CloudErrorCode.PriceAboveMaximum, what);
            if (Quota.Contains(code)) return new CloudException(CloudErrorCode.QuotaExceeded, what);
            if (Throttling.Contains(code)) return new CloudException(CloudErrorCode.Throttled, what + " (still throttled after the SDK's retries with backoff)");
            if (Denied.Contains(code) || service.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new CloudException(CloudErrorCode.Unauthorized, what + " (check the provider's credentials and their IAM permissions, see docs/CLOUDS.md)");
            }

            if ((int)service.StatusCode >= 500 || code is "Unavailable" or "ServiceUnavailable" or "InternalError" or "InternalFailure") return new CloudException(CloudErrorCode.Unavailable, what);
            if (code.EndsWith(".NotFound", StringComparison.Ordinal)) return new CloudException(CloudErrorCode.NotFound, what);
            return new CloudException(CloudErrorCode.InvalidRequest, what);
        }

        if (e is AmazonServiceException { StatusCode: var status } && (int)status >= 500)
        {
            return new CloudException(CloudErrorCode.Unavailable, $"provider '{provider}': {operation} failed: HTTP {(int)status}: {e.Message}");
        }

        // No answer, a garbled one, or no answer in time: the SDK's own client errors, connection failures, timeouts.
        return new CloudException(CloudErrorCode.Unavailable, $"provider '{provider}': {operation} failed: {e.GetType().Name}: {e.Message}");
    }
}
