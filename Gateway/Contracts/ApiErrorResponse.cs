using System.Text.Json;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>The one error shape of every API: <c>{"error": {"code", "message", "details", "requestId"}}</c> (written by <see cref="Http.ApiErrorMiddleware"/>).</summary>
public sealed record ApiErrorResponse(ApiError Error) : IApiExample<ApiErrorResponse>
{
    public static ApiErrorResponse Example { get; } = new(new ApiError("VALIDATION_ERROR", "requirements.minCPU must be a whole number; got the string \"eight\".",
        new Dictionary<string, JsonElement> { ["field"] = JsonSerializer.SerializeToElement("requirements.minCPU", ApiV1JsonContext.Default.String) }, "req-0123456789abcdef"));
}

/// <param name="Code">A machine-readable code (VALIDATION_ERROR, WORKLOAD_NOT_FOUND, RATE_LIMITED, …).</param>
/// <param name="Message">What went wrong, for a person.</param>
/// <param name="Details">More about it: for validation errors, <c>field</c> names the offending field.</param>
/// <param name="RequestId">The request's id (also in the X-Request-Id header); quote it when reporting a problem.</param>
public sealed record ApiError(string Code, string Message, IReadOnlyDictionary<string, JsonElement> Details, string RequestId);
