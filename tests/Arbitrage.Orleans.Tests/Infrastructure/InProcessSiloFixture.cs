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

    private Contracts.JsonContract? _contract;

    /// <summary>
    /// A client speaking with <paramref name="token"/> whose every response of the typed routes
    /// (<see cref="WorkloadSiloFixture.TypedPrefixes"/>) is checked against the silo's OpenAPI document (a mismatch fails the request).
    /// </summary>
    public async Task<HttpClient> CheckedClientAsync(string? token)
    {
        if (_contract is null)
        {
            using var anonymous = Host.ClientWith(null);
            _contract = Contracts.JsonContract.FromOpenApiJson("openapi/v1.json", await anonymous.GetStringAsync("/openapi/v1.json"));
        }

        var client = new HttpClient(new Contracts.ContractCheckingHandler(_contract) { Prefixes = WorkloadSiloFixture.TypedPrefixes }) { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

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
