using System.Net;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Infrastructure;

/// <summary>An <see cref="InProcessSilo"/> on its own throwaway PostgreSQL, with <paramref name="settings"/>, shared by a test class.</summary>
public abstract class InProcessSiloFixture(IDictionary<string, string?> settings) : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();

    public InProcessSilo Host { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        Host = await InProcessSilo.StartAsync(await _postgres.CreateDatabaseAsync(), settings, ConfigureServices);
    }

    /// <summary>Extra services for the silo (added before the product's).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>A client speaking with <paramref name="token"/>; every answer is checked against the silo's OpenAPI document.</summary>
    public HttpClient CheckedClient(string? token) => Host.ClientWith(token);

    /// <summary>The checking handler of a <see cref="CheckedClient"/> (how many answers it checked).</summary>
    public Contracts.ContractCheckingHandler HandlerOf(HttpClient client) => Host.HandlerOf(client);

    /// <summary>A new tenant made with the operator token: its id and its first token.</summary>
    public async Task<(string Id, string Token)> NewTenantAsync(decimal credit = 10)
    {
        using var operatorClient = Host.ClientWith(Host.AdminToken);
        var (response, body) = await Api.PostAsync(operatorClient, "/v1/tenants", $$"""{"name": "t-{{Guid.NewGuid():N}}", "initialCredit": {{credit}}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (body.GetProperty("id").GetString()!, body.GetProperty("token").GetString()!);
    }

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
