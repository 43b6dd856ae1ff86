namespace Arbitrage.Orleans.Cli;

/// <summary>The command line cannot be carried out as given (exit code 2): a missing key, a malformed value, a bad URL.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The API refused the request: its error code, message, details and request id (exit code 1).</summary>
public sealed class ApiCallException(int status, string code, string message, IReadOnlyDictionary<string, string> details, string? requestId) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;
    public IReadOnlyDictionary<string, string> Details { get; } = details;
    public string? RequestId { get; } = requestId;
}

/// <summary>The gateway could not be reached at all (exit code 1); the message names the URL.</summary>
public sealed class GatewayUnreachableException(Uri url, string reason) : Exception($"could not reach the gateway at {url}: {reason}")
{
    public Uri Url { get; } = url;
}

/// <summary>The command ran but did not get what it waited for: a workload failed, a wait timed out (exit code 1).</summary>
public sealed class CommandFailedException(string message) : Exception(message);
