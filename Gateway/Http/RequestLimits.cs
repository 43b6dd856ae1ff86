namespace Arbitrage.Orleans.Gateway.Http;

/// <summary>
/// Limits on what one request may carry (configuration section <c>RequestLimits</c>). Request bodies are capped by
/// <see cref="JsonBody.MaxBytes"/> (413 <c>PAYLOAD_TOO_LARGE</c>) and page sizes by each list route (400 naming
/// <c>limit</c>); these two are checked for every request before routing.
/// </summary>
public sealed class RequestLimitOptions
{
    public const string SectionName = "RequestLimits";

    /// <summary>The most bytes of all request headers (names and values) together; beyond it 431 <c>HEADERS_TOO_LARGE</c>.</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>The longest query string, in characters; beyond it 414 <c>QUERY_TOO_LONG</c>.</summary>
    public int MaxQueryLength { get; set; } = 2048;

    public IEnumerable<string> Problems()
    {
        if (MaxHeaderBytes is < 1024 or > 32 * 1024) yield return $"{SectionName}:MaxHeaderBytes must be between 1024 and 32768 (was {MaxHeaderBytes}).";
        if (MaxQueryLength is < 256 or > 8192) yield return $"{SectionName}:MaxQueryLength must be between 256 and 8192 (was {MaxQueryLength}).";
    }
}

/// <summary>Refuses a request whose headers or query string are over <see cref="RequestLimitOptions"/>, in the API's error shape.</summary>
public sealed class RequestLimitsMiddleware(RequestDelegate next, RequestLimitOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.QueryString.Value is { } query && query.Length > options.MaxQueryLength)
        {
            throw new ApiErrorException(StatusCodes.Status414UriTooLong, ErrorCodes.QueryTooLong,
                $"The query string is {query.Length:N0} characters; at most {options.MaxQueryLength:N0} are accepted.");
        }

        long headerBytes = 0;
        foreach (var (name, values) in request.Headers)
        {
            headerBytes += name.Length;
            foreach (var value in values) headerBytes += value?.Length ?? 0;
        }

        if (headerBytes > options.MaxHeaderBytes)
        {
            throw new ApiErrorException(StatusCodes.Status431RequestHeaderFieldsTooLarge, ErrorCodes.HeadersTooLarge,
                $"The request headers total {headerBytes:N0} bytes; at most {options.MaxHeaderBytes:N0} are accepted.");
        }

        return next(context);
    }
}
