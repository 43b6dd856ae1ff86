using System.Net.Http.Headers;
using Arbitrage.Orleans.Tests.Contracts;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Groups;

/// <summary>One silo (in this process, on a real PostgreSQL) shared by the tests of the faces over groups: fast workloads, groups converging every 250 ms.</summary>
public sealed class GroupFacesSilo() : InProcessSiloFixture(Settings())
{
    private static Dictionary<string, string?> Settings()
    {
        var settings = SiloProcess.FastWorkloads.ToDictionary(p => p.Key.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value);
        settings["Groups:ConvergeInterval"] = "00:00:00.250";
        settings["RateLimits:PerAddress:PermitLimit"] = "100000";
        settings["RateLimits:PerToken:PermitLimit"] = "100000";
        return settings;
    }

    /// <summary>The routes of the faces over groups, whose every answer to <see cref="CheckedClient"/>s is checked against <see cref="Contract"/>.</summary>
    public static readonly string[] TypedPrefixes = ["/v1/spot/", "/discover", "/provision", "/deprovision", "/v1/simulation/"];

    /// <summary>The silo's own OpenAPI document (<c>/openapi/v1.json</c>).</summary>
    public JsonContract Contract { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var anonymous = Host.ClientWith(null);
        Contract = JsonContract.FromOpenApiJson("openapi/v1.json", await anonymous.GetStringAsync("/openapi/v1.json"));
    }

    /// <summary>
    /// A client speaking with <paramref name="token"/> (Bearer) whose every answer of the faces over groups is checked
    /// against the silo's OpenAPI document (a mismatch fails the request with <see cref="ContractViolationException"/>).
    /// </summary>
    public HttpClient CheckedClient(string? token)
    {
        var handler = new ContractCheckingHandler(Contract) { Prefixes = TypedPrefixes };
        var client = new HttpClient(handler) { BaseAddress = Host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _handlers.Add(client, handler);
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The checking handler of a <see cref="CheckedClient"/> (how many answers it checked).</summary>
    public ContractCheckingHandler HandlerOf(HttpClient client) => _handlers.TryGetValue(client, out var handler) ? handler : throw new ArgumentException("not a checked client", nameof(client));

    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<HttpClient, ContractCheckingHandler> _handlers = new();

    /// <summary>A client that sends <paramref name="token"/> the SpotInst way, in <c>X-Auth-Token</c> (no Authorization header); its answers checked.</summary>
    public HttpClient SpotClientWith(string token)
    {
        var client = CheckedClient(null);
        client.DefaultRequestHeaders.Add("X-Auth-Token", token);
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class GroupFacesCollection : ICollectionFixture<GroupFacesSilo>
{
    public const string Name = "Group faces";
}
