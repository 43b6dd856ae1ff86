using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes;

/// <summary>One request a fake received, as sent: enough to send it again with a plain HttpClient.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);

/// <summary>
/// Keeps the requests a fake receives while <see cref="Recording"/> is on, so a benchmark can send the adapter's own
/// requests again without the adapter and measure the fake's round trip alone. Off, it costs one check per request.
/// </summary>
public sealed class RequestRecorder
{
    private readonly ConcurrentQueue<RecordedRequest> _recorded = new();

    public bool Recording { get; set; }

    /// <summary>The requests recorded since the last <see cref="Take"/>, in arrival order; clears them.</summary>
    public IReadOnlyList<RecordedRequest> Take()
    {
        var taken = new List<RecordedRequest>();
        while (_recorded.TryDequeue(out var request)) taken.Add(request);
        return taken;
    }

    /// <summary>The middleware to put first in a fake's pipeline.</summary>
    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (Recording)
        {
            var request = context.Request;
            request.EnableBuffering();
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
            request.Body.Position = 0;
            var headers = request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
            _recorded.Enqueue(new RecordedRequest(request.Method, $"{request.PathBase}{request.Path}{request.QueryString}", headers, buffer.ToArray()));
        }

        await next();
    }
}
