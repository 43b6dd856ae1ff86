using Arbitrage.Orleans.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Cli.Api;

/// <summary>
/// The client library (Arbitrage.Orleans.Client) as one invocation of the CLI uses it: registered on a service provider
/// of its own with the resolved gateway and key, over the context's handler when it has one.
/// </summary>
public sealed class ClientLibrary : IDisposable
{
    private readonly ServiceProvider _services;

    public ClientLibrary(Uri url, string apiKey, HttpMessageHandler? handler)
    {
        var services = new ServiceCollection();
        var http = services.AddArbitrageClient(o =>
            {
                o.BaseAddress = url;
                o.ApiToken = apiKey;
            })
            .ConfigureHttpClient(client => client.DefaultRequestHeaders.UserAgent.ParseAdd("arb/1.0"));
        if (handler is not null) http.ConfigurePrimaryHttpMessageHandler(() => new Borrowed(handler));
        _services = services.BuildServiceProvider();
        Client = _services.GetRequiredService<IArbitrageClient>();
    }

    public IArbitrageClient Client { get; }

    /// <summary>A refusal of the library as the CLI reports it (code, message, each detail, request id).</summary>
    public static ApiCallException Refusal(ArbitrageApiException e) =>
        new((int)e.StatusCode, e.Code, e.Message, e.Details.ToDictionary(d => d.Key, d => JsonText.Of(d.Value), StringComparer.Ordinal), e.RequestId);

    public void Dispose() => _services.Dispose();

    /// <summary>The context's handler, used but never disposed by the HttpClient factory (the context owns it).</summary>
    private sealed class Borrowed(HttpMessageHandler inner) : HttpMessageHandler
    {
        private readonly HttpMessageInvoker _invoker = new(inner, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _invoker.SendAsync(request, cancellationToken);
    }
}
