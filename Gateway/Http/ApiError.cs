using Arbitrage.Orleans.Grains.HostFactory;

namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// A request the API refuses, with the status, a machine-readable code, a message a person can act on and, for
/// validation errors, the offending field. Rendered as <c>{"error": {"code", "message", "details", "requestId"}}</c>.
/// </summary>
public sealed class ApiErrorException(int status, string code, string message, IReadOnlyDictionary<string, object?>? details = null) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public IReadOnlyDictionary<string, object?> Details { get; } = details ?? new Dictionary<string, object?>();

    /// <summary>Response headers the refusal carries (Retry-After, WWW-Authenticate, X-RateLimit-*).</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    public ApiErrorException WithHeader(string name, string value)
    {
        Headers[name] = value;
        return this;
    }

    public static ApiErrorException NotFound(string code, string message) => new(StatusCodes.Status404NotFound, code, message);

    public static ApiErrorException Validation(string field, string message) =>
        new(StatusCodes.Status400BadRequest, ErrorCodes.ValidationError, message, new Dictionary<string, object?> { ["field"] = field });
}

/// <summary>The error codes every API uses.</summary>
public static class ErrorCodes
{
    public const string ValidationError = "VALIDATION_ERROR";
    public const string InvalidJson = "INVALID_JSON";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string NotFound = "NOT_FOUND";
    public const string MethodNotAllowed = "METHOD_NOT_ALLOWED";
    public const string Unavailable = "SERVICE_UNAVAILABLE";
    public const string Internal = "INTERNAL_ERROR";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string TokenScopeExceeded = "TOKEN_SCOPE_EXCEEDED";
    public const string Conflict = "CONFLICT";
    public const string IdempotencyConflict = "IDEMPOTENCY_CONFLICT";
    public const string WorkloadNotFound = "WORKLOAD_NOT_FOUND";
    public const string WorkloadAlreadyTerminated = "WORKLOAD_ALREADY_TERMINATED";
    public const string TokenNotFound = "TOKEN_NOT_FOUND";
    public const string WalletNotFound = "WALLET_NOT_FOUND";
    public const string WalletExists = "WALLET_EXISTS";
    public const string TenantExists = "TENANT_EXISTS";
    public const string TenantNotFound = "TENANT_NOT_FOUND";
    public const string InsufficientCredit = "INSUFFICIENT_CREDIT";
    public const string ReservationNotActive = "RESERVATION_NOT_ACTIVE";
    public const string RateLimited = "RATE_LIMITED";
    public const string QuotaExceeded = "QUOTA_EXCEEDED";
    public const string HeadersTooLarge = "HEADERS_TOO_LARGE";
    public const string QueryTooLong = "QUERY_TOO_LONG";
    public const string OverdraftLimit = "OVERDRAFT_LIMIT";
    public const string AccountNotFound = "ACCOUNT_NOT_FOUND";
    public const string GroupNotFound = "GROUP_NOT_FOUND";
    public const string ClusterNotFound = "CLUSTER_NOT_FOUND";
    public const string NodeNotFound = "NODE_NOT_FOUND";

    // The host-factory API's codes (providers, templates, requests), all in one place; their statuses are in HostFactoryErrorCodes.StatusOf.
    public const string ProviderNotFound = HostFactoryErrorCodes.ProviderNotFound;
    public const string ProviderDisabled = HostFactoryErrorCodes.ProviderDisabled;
    public const string NoEnabledProviders = HostFactoryErrorCodes.NoEnabledProviders;
    public const string ProviderTypeMismatch = HostFactoryErrorCodes.ProviderTypeMismatch;
    public const string TemplateNotFound = HostFactoryErrorCodes.TemplateNotFound;
    public const string TemplateInvalid = HostFactoryErrorCodes.TemplateInvalid;
    public const string ApiNotSupported = HostFactoryErrorCodes.ApiNotSupported;
    public const string InstanceLimitExceeded = HostFactoryErrorCodes.InstanceLimitExceeded;
    public const string InvalidConfiguration = HostFactoryErrorCodes.InvalidConfiguration;
    public const string FileNotFound = HostFactoryErrorCodes.FileNotFound;
    public const string ParseError = HostFactoryErrorCodes.ParseError;
}
