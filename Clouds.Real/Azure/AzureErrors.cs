using Azure;
using Azure.Identity;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// Azure's refusals as <see cref="CloudErrorCode"/>s: the ARM error code (<c>error.code</c> of the answer or of the
/// failed long-running operation) says whether another market, a higher max price or a later retry may help.
/// </summary>
internal static class AzureErrors
{
    private static readonly HashSet<string> Capacity = new(StringComparer.OrdinalIgnoreCase)
    {
        "SkuNotAvailable", "AllocationFailed", "ZonalAllocationFailed", "OverconstrainedAllocationRequest",
        "OverconstrainedZonalAllocationRequest", "AzureSpotIsNotSupportedForThisVMSize",
    };

    private static readonly HashSet<string> Price = new(StringComparer.OrdinalIgnoreCase) { "SpotPriceGreaterThanProvidedMaxPrice" };

    private static readonly HashSet<string> Quota = new(StringComparer.OrdinalIgnoreCase)
    {
        "QuotaExceeded", "OperationNotAllowed", "LowPriorityQuotaExceeded", "SpotQuotaExceeded", "TotalCoresQuotaExceeded",
    };

    /// <summary>The <see cref="CloudException"/> for an Azure failure, or null for anything that is not Azure's answer (a bug, a cancellation).</summary>
    public static CloudException? Translate(string provider, string operation, Exception e)
    {
        string who = $"Azure provider '{provider}' ({operation})";
        switch (e)
        {
            case CloudException:
                return null;
            case AuthenticationFailedException or CredentialUnavailableException:
                // The token endpoint's own words (AADSTS code and reason) are in the MSAL exception inside.
                string reason = e.InnerException is { } inner ? FirstLine(inner.Message) : FirstLine(e.Message);
                return new CloudException(CloudErrorCode.Unavailable, $"{who}: Entra ID refused the credentials (check credentials and azure.tenantId): {reason}");
            case RequestFailedException failed:
                string code = failed.ErrorCode ?? "";
                var mapped = failed.Status switch
                {
                    _ when Capacity.Contains(code) => CloudErrorCode.InsufficientCapacity,
                    _ when Price.Contains(code) => CloudErrorCode.PriceAboveMaximum,
                    // OperationNotAllowed is also how Compute words other refusals; only its quota wording is a quota.
                    _ when Quota.Contains(code) && (!code.Equals("OperationNotAllowed", StringComparison.OrdinalIgnoreCase) || failed.Message.Contains("quota", StringComparison.OrdinalIgnoreCase)) => CloudErrorCode.QuotaExceeded,
                    429 => CloudErrorCode.Throttled,
                    401 or 403 => CloudErrorCode.Unavailable,
                    404 => CloudErrorCode.NotFound,
                    >= 400 and < 500 => CloudErrorCode.InvalidRequest,
                    _ => CloudErrorCode.Unavailable,
                };
                string what = failed.Status switch
                {
                    401 => "ARM refused the bearer token",
                    403 => "the service principal lacks a permission",
                    429 => "throttled, still after retrying",
                    _ => "refused",
                };
                return new CloudException(mapped, $"{who}: {what} ({failed.Status} {(code.Length > 0 ? code : "no error code")}): {FirstLine(failed.Message)}");
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                return new CloudException(CloudErrorCode.Unavailable, $"{who}: Azure did not answer after retries: {FirstLine(aggregate.InnerExceptions[^1].Message)}");
            case HttpRequestException or TimeoutException or System.Text.Json.JsonException or FormatException:
                return new CloudException(CloudErrorCode.Unavailable, $"{who}: Azure did not answer usably: {FirstLine(e.Message)}");
            case TaskCanceledException when e.InnerException is TimeoutException:
                return new CloudException(CloudErrorCode.Unavailable, $"{who}: Azure timed out");
            default:
                return null;
        }
    }

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n');
        return (end < 0 ? message : message[..end]).Trim();
    }
}
