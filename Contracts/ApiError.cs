using System.Text.Json;

namespace Arbitrage.Orleans.Contracts;

/// <summary>The one error shape of every API: <c>{"error": {"code", "message", "details", "requestId"}}</c>.</summary>
public sealed record ApiErrorResponse(ApiError? Error);

/// <param name="Code">Machine-readable (VALIDATION_ERROR, WALLET_NOT_FOUND, …).</param>
/// <param name="Message">What a person can act on.</param>
/// <param name="Details">The offending <c>field</c>, a <c>suggestion</c>, what is available, …</param>
/// <param name="RequestId">The request's id, as in the <c>X-Request-Id</c> header.</param>
public sealed record ApiError(string Code, string Message, IReadOnlyDictionary<string, JsonElement>? Details = null, string? RequestId = null);
