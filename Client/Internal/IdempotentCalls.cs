namespace Arbitrage.Orleans.Client.Internal;

/// <summary>
/// Which calls may be sent again after a transient failure: GET, HEAD, PUT, DELETE and OPTIONS, and a POST that carries an
/// Idempotency-Key (the API answers its repeat with the first answer). A POST without one never is: it may have been
/// carried out before the failure, and a second one would act twice.
/// </summary>
internal static class IdempotentCalls
{
    public static bool IsIdempotent(HttpRequestMessage? request)
    {
        if (request is null) return false;
        var method = request.Method;
        if (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put || method == HttpMethod.Delete || method == HttpMethod.Options) return true;
        return method == HttpMethod.Post && request.Headers.TryGetValues(ApiTransport.IdempotencyKeyHeader, out var keys) && keys.Any(k => k.Length > 0);
    }
}
