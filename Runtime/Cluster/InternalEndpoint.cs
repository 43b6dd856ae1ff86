using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Runtime.Internal;
using Arbitrage.Orleans.Runtime.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Runtime.Cluster;

/// <summary>
/// The silo's internal endpoint: HTTP/2 without TLS (prior knowledge) on the advertised address, taking grain calls
/// from other silos and cluster clients and answering with JSON. Separate from the public gateway.
/// </summary>
internal sealed class InternalEndpoint(GrainRuntime runtime) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Starts listening; returns the address to advertise (with the real port when 0 was asked for).</summary>
    public async Task<string> StartAsync(string advertisedAddress, CancellationToken cancellationToken)
    {
        var address = new Uri(advertisedAddress);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var ip = IPAddress.TryParse(address.Host, out var parsed) ? parsed : IPAddress.Any;
            kestrel.Listen(ip, address.Port, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        _app = builder.Build();
        _app.MapPost(RemoteSiloClient.CallPath, HandleAsync);
        _app.MapGet(RemoteSiloClient.StatisticsPath, (HttpContext context) =>
            context.Response.WriteAsJsonAsync(runtime.GetStatistics(), GrainStateSerializer.Options, context.RequestAborted));
        await _app.StartAsync(cancellationToken);
        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return $"http://{address.Host}:{bound.Port}";
    }

    private async Task HandleAsync(HttpContext context)
    {
        var call = await JsonSerializer.DeserializeAsync<RemoteCallMessage>(context.Request.Body, GrainStateSerializer.Options, context.RequestAborted);
        if (call is null)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        var answer = await runtime.Dispatcher.InvokeFromRemoteAsync(call, context.RequestAborted);
        context.Response.StatusCode = answer.NotServed ? StatusCodes.Status421MisdirectedRequest : StatusCodes.Status200OK;
        await context.Response.WriteAsJsonAsync(answer, GrainStateSerializer.Options, context.RequestAborted);
    }

    /// <summary>Stops at once (a killed silo) or after in-flight calls (a graceful stop).</summary>
    public async Task StopAsync(bool abrupt)
    {
        if (_app is null) return;
        using var timeout = new CancellationTokenSource(abrupt ? TimeSpan.Zero : TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // abrupt stop: connections are dropped
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}
