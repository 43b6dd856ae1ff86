using System.Net.Http.Headers;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>
/// The product's silo application (<see cref="SiloApplication"/>, what Program runs) started in this process on a real
/// PostgreSQL database, with Kestrel on a free port, so a test can read its endpoint data source and call it over HTTP.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private InProcessSilo(WebApplication app, string dataDirectory, Uri baseAddress, string adminToken)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        BaseAddress = baseAddress;
        AdminToken = adminToken;
        _contracts = new Contracts.SiloContracts(baseAddress);
    }

    private readonly Contracts.SiloContracts _contracts;

    public Uri BaseAddress { get; }
    public string AdminToken { get; }

    /// <summary>Every route of the application, as the endpoint data source holds it.</summary>
    public IReadOnlyList<RouteEndpoint> Endpoints =>
        ((IEndpointRouteBuilder)_app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().ToList();

    /// <param name="services">Extra services (e.g. a real adapter's options pointing it at a local fake), added before the product's.</param>
    public static async Task<InProcessSilo> StartAsync(string connectionString, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        string dataDirectory = Path.Combine(Path.GetTempPath(), $"silo-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDirectory);
        string adminToken = Arbitrage.Orleans.Grains.Tenancy.TokenSecrets.NewSecret();
        await File.WriteAllTextAsync(AdminBootstrap.TokenFileIn(dataDirectory), adminToken);
        int port = SiloProcess.FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Arbitrage"] = connectionString,
            ["DataDirectory"] = dataDirectory,
            ["Market:DataDirectory"] = SharedData.Directory,
            ["Market:ProvidersFile"] = SharedData.ProvidersFile,
            ["Orleans:SiloPort"] = SiloProcess.FreePort().ToString(),
            ["Orleans:GatewayPort"] = SiloProcess.FreePort().ToString(),
            ["Orleans:ClusterId"] = $"test-{Guid.NewGuid():N}",
            ["urls"] = $"http://127.0.0.1:{port}",
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        services?.Invoke(builder.Services);
        var app = SiloApplication.Build(builder, SiloSettings.From(builder.Configuration), connectionString);
        await app.StartAsync();
        var silo = new InProcessSilo(app, dataDirectory, new Uri($"http://127.0.0.1:{port}"), adminToken);
        // StartAsync returned after the silo became active, so the bootstrap tenant and its admin token exist; /ready
        // (anonymous, not rate limited) says the database answers.
        using var http = silo.ClientWith(null);
        await Eventually.TrueAsync(async () => (await http.GetAsync("/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(90));
        return silo;
    }

    /// <summary>
    /// A client speaking with <paramref name="token"/> (null: no Authorization header) whose every answer is checked
    /// against the silo's OpenAPI document and the seed's schemas (a mismatch fails the request).
    /// </summary>
    public HttpClient ClientWith(string? token)
    {
        var handler = NewCheckingHandler();
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _handlers.Add(client, handler);
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A handler (over the network) checking every answer against the silo's OpenAPI document and the seed's schemas, for an HttpClient made elsewhere.</summary>
    public Contracts.ContractCheckingHandler NewCheckingHandler() => new(_contracts);

    /// <summary>The checking handler of a client made by <see cref="ClientWith"/> (how many answers it checked).</summary>
    public Contracts.ContractCheckingHandler HandlerOf(HttpClient client) =>
        _handlers.TryGetValue(client, out var handler) ? handler : throw new ArgumentException("not a client of this silo", nameof(client));

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, Contracts.ContractCheckingHandler> _handlers = new();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }
}
