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
