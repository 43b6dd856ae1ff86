using Arbitrage.Orleans.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Clients;

/// <summary>The client library as an application registers it (<c>AddArbitrageClient</c>), in a service provider of its own.</summary>
public sealed class ClientLibrary : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="http">More of the HttpClient's configuration, e.g. a primary handler standing in for the network.</param>
    public ClientLibrary(Uri baseAddress, string token, Action<IHttpClientBuilder>? http = null, Action<ArbitrageClientOptions>? options = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddArbitrageClient(o =>
        {
            o.BaseAddress = baseAddress;
            o.ApiToken = token;
            o.RetryDelay = TimeSpan.Zero;
            options?.Invoke(o);
        });
        http?.Invoke(builder);
        _services = services.BuildServiceProvider();
    }

    /// <summary>The library speaking to a real silo, every answer it reads checked against the silo's OpenAPI document and the seed's schemas.</summary>
    public ClientLibrary(Infrastructure.InProcessSilo silo, string token)
        : this(silo.BaseAddress, token, http => http.ConfigurePrimaryHttpMessageHandler(silo.NewCheckingHandler))
    {
    }

    public IArbitrageClient Client => _services.GetRequiredService<IArbitrageClient>();

    public void Dispose() => _services.Dispose();
}

/// <summary>The client libraries a test makes for one silo (each checked against its contracts), disposed with the test.</summary>
public sealed class SiloClients(Infrastructure.InProcessSilo silo) : IDisposable
{
    private readonly List<ClientLibrary> _libraries = [];

    /// <summary>A client speaking with <paramref name="token"/>.</summary>
    public IArbitrageClient With(string token)
    {
        var library = new ClientLibrary(silo, token);
        _libraries.Add(library);
        return library.Client;
    }

    public void Dispose()
    {
        foreach (var library in _libraries) library.Dispose();
    }
}
