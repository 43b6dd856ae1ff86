using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Arbitrage.Orleans.Runtime.Storage;

namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>A grain call sent to the silo serving the grain's partition (JSON over HTTP/2).</summary>
internal sealed record RemoteCallMessage(string GrainType, string Key, string Method, JsonElement[] Arguments);

/// <summary>The answer: a result, an exception (type and message), or "this silo does not serve that partition".</summary>
internal sealed record RemoteResultMessage(JsonElement? Value, string? ErrorType, string? ErrorMessage, bool NotServed)
{
    public static RemoteResultMessage NotServedHere { get; } = new(null, null, null, true);

    public static RemoteResultMessage Failure(Exception e) => new(null, e.GetType().FullName, e.Message, false);
}

/// <summary>Sends calls to other silos' internal endpoints over one multiplexed HTTP/2 connection per silo.</summary>
internal sealed class RemoteSiloClient : IDisposable
{
    public const string CallPath = "/internal/v1/call";
    public const string StatisticsPath = "/internal/v1/statistics";

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly ConcurrentDictionary<string, Uri> _callUris = new();

    public async Task<RemoteResultMessage> CallAsync(string address, RemoteCallMessage call, CancellationToken cancellationToken)
    {
        // The message is small: one buffer beats streaming it through JsonContent's pipe.
        var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(call, GrainStateSerializer.Options));
        body.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, CallUri(address))
        {
            Content = body,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (response.StatusCode is HttpStatusCode.MisdirectedRequest or HttpStatusCode.ServiceUnavailable) return RemoteResultMessage.NotServedHere;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<RemoteResultMessage>(GrainStateSerializer.Options, cancellationToken)
            ?? throw new InvalidOperationException($"Silo {address} sent an empty answer.");
    }

    private Uri CallUri(string address) => _callUris.GetOrAdd(address, static a => new Uri(a.TrimEnd('/') + CallPath));

    public async Task<RuntimeStatistics> GetStatisticsAsync(string address, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        return await _http.GetFromJsonAsync<RuntimeStatistics>(address.TrimEnd('/') + StatisticsPath, GrainStateSerializer.Options, timeout.Token)
            ?? throw new InvalidOperationException($"Silo {address} sent no statistics.");
    }

    public void Dispose() => _http.Dispose();

    /// <summary>
    /// Rebuilds a remote exception with its type and message when the type exists here and takes a message,
    /// otherwise a <see cref="RemoteGrainException"/> carrying both.
    /// </summary>
    public static Exception Rebuild(string typeName, string message)
    {
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName, throwOnError: false)).FirstOrDefault(t => t is not null);
        if (type is not null && typeof(Exception).IsAssignableFrom(type))
        {
            var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance)
                .Where(c => c.GetParameters() is [{ ParameterType: var first }, ..] parameters && first == typeof(string)
                            && parameters.Skip(1).All(p => p.HasDefaultValue || !p.ParameterType.IsValueType))
                .OrderBy(c => c.GetParameters().Length)
                .FirstOrDefault();
            if (constructor is not null)
            {
                var arguments = constructor.GetParameters().Select((p, i) => i == 0 ? message : p.HasDefaultValue ? p.DefaultValue : null).ToArray();
                return (Exception)constructor.Invoke(arguments);
            }
        }

        return new RemoteGrainException(typeName, message);
    }
}
