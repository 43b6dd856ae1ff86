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

    private async Task<IReadOnlyList<JsonContract>> LoadAsync()
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        string document = await http.GetStringAsync("/openapi/v1.json");
        return [JsonContract.FromOpenApiJson("openapi/v1.json", document), Seed.Value];
    }
}
