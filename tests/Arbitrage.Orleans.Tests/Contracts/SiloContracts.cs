namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// What every answer of one test silo is checked against: the silo's own OpenAPI document (read on the first answer,
/// so a client can be made before the silo serves) and the Compute Arbitrage API as the seed defines it.
/// </summary>
public sealed class SiloContracts(Uri baseAddress)
{
    private static readonly Lazy<JsonContract> Seed = new(SeedContract.Load);

    private readonly Lock _lock = new();
    private Task<IReadOnlyList<JsonContract>>? _loading;

    /// <summary>The contracts; a failed read (the silo was not up yet) is tried again on the next call.</summary>
    public Task<IReadOnlyList<JsonContract>> GetAsync()
    {
        lock (_lock)
        {
            if (_loading is null || _loading.IsFaulted || _loading.IsCanceled) _loading = LoadAsync();
            return _loading;
        }
    }

    /// <summary>
    /// Checks one answer against every contract that describes its path: <c>Described</c> when at least one does, and
    /// what is wrong (null when nothing). The product's own document must list the status; the seed lists no error
    /// responses, so it is held only to the bodies it describes.
    /// </summary>
    public async Task<(bool Described, string? Problem)> CheckAsync(string method, string path, int status, string body)
    {
        bool described = false;
        foreach (var contract in await GetAsync())
        {
            if (contract.PathOf(path) is null) continue;
            described = true;
            if (contract.Check(method, path, status, body, statusMustBeListed: contract != Seed.Value) is { } problem) return (true, problem);
        }

        return (described, null);
    }

    private async Task<IReadOnlyList<JsonContract>> LoadAsync()
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        string document = await http.GetStringAsync("/openapi/v1.json");
        return [JsonContract.FromOpenApiJson("openapi/v1.json", document), Seed.Value];
    }
}
