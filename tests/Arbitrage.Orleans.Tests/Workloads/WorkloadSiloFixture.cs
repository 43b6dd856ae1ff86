using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Contracts;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>
/// One real silo process on its own throwaway PostgreSQL, on the three simulated clouds with fast boots and slow
/// prices, health checks every 200 ms and a 2 s billing period, so lifecycles, moves and charges happen in seconds.
/// Workloads keep only their latest <see cref="EventsInState"/> events and <see cref="PlacementsInState"/> placements in
/// their state, so every test also runs on trimmed states (the rest is paged from the journal).
/// </summary>
public sealed class WorkloadSiloFixture : IAsyncLifetime
{
    public const decimal BootstrapCredit = 1000m;
    public const int EventsInState = 8;
    public const int PlacementsInState = 2;

    private readonly PostgresServerFixture _postgres = new();
    private string _providersFile = "";

    /// <summary>The typed routes, whose every response to a tenant's client is checked against the contracts.</summary>
    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The silo's own OpenAPI document (<c>/openapi/v1.json</c>).</summary>
    public JsonContract Contract { get; private set; } = null!;

    /// <summary>The Compute Arbitrage API as the seed defines it.</summary>
    public JsonContract Seed { get; } = SeedContract.Load();

    /// <summary>The silo's database, for tests that look at what is stored.</summary>
    public string Database { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await _postgres.InitializeAsync();
        var database = Database = await _postgres.CreateDatabaseAsync();
        _providersFile = Path.Combine(Path.GetTempPath(), $"providers-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(_providersFile, """
            { "providers": [
              { "name": "sim-aws", "type": "aws", "simulation": { "seed": 1, "speed": 1, "bootDelay": "00:00:00.300" } },
              { "name": "sim-azure", "type": "azure", "simulation": { "seed": 2, "speed": 1, "bootDelay": "00:00:00.300" } },
              { "name": "sim-gcp", "type": "gcp", "simulation": { "seed": 3, "speed": 1, "bootDelay": "00:00:00.300" } } ] }
            """);
        Silo = SiloProcess.Start([], new Dictionary<string, string>(SiloProcess.FastWorkloads)
        {
            ["ConnectionStrings__Arbitrage"] = database,
            ["Market__ProvidersFile"] = _providersFile,
            ["Workloads__EventsInState"] = EventsInState.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Workloads__PlacementsInState"] = PlacementsInState.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bootstrap__InitialCredit"] = BootstrapCredit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await Silo.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
        using var anonymous = Silo.ClientWith(null);
        Contract = JsonContract.FromOpenApiJson("openapi/v1.json", await anonymous.GetStringAsync("/openapi/v1.json"));
        Operator = CheckedClient(SiloProcess.AdminToken);
    }

    /// <summary>The operator (the admin token, <c>tenants:manage</c>), its answers checked like a tenant's.</summary>
    public HttpClient Operator { get; private set; } = null!;

    /// <summary>
    /// A client speaking with <paramref name="token"/>; every answer is checked against the silo's OpenAPI document and
    /// the seed's schemas (a mismatch fails the request with <see cref="ContractViolationException"/>).
    /// </summary>
    public HttpClient CheckedClient(string? token) => Silo.ClientWith(token);

    /// <summary>The checking handler of a <see cref="CheckedClient"/> (how many answers it checked).</summary>
    public ContractCheckingHandler HandlerOf(HttpClient client) => Silo.HandlerOf(client);

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await _postgres.DisposeAsync();
        File.Delete(_providersFile);
    }

    /// <summary>A new tenant with <paramref name="credit"/> in its default wallet, and a client holding its first token.</summary>
    public async Task<(string Id, HttpClient Client)> NewTenantAsync(decimal credit)
    {
        var (response, body) = await Api.SendAsync(Operator, HttpMethod.Post, "/v1/tenants", $$"""{"name": "tenant-{{Guid.NewGuid():N}}", "initialCredit": {{credit}}}""");
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (body.GetProperty("id").GetString()!, CheckedClient(body.GetProperty("token").GetString()));
    }
}

[CollectionDefinition(Name)]
public sealed class WorkloadSiloCollection : ICollectionFixture<WorkloadSiloFixture>
{
    public const string Name = "Workload silo";
}

/// <summary>Small HTTP helpers shared by the API tests.</summary>
public static class Api
{
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null,
        IDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Add(name, value);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(HttpClient http, string path) => SendAsync(http, HttpMethod.Get, path);

    public static Task<(HttpResponseMessage Response, JsonElement Body)> PostAsync(HttpClient http, string path, string json) => SendAsync(http, HttpMethod.Post, path, json);

    /// <summary>Asserts the one error shape: status, code, a message, the request id echoed from the header, and the field.</summary>
    public static void AssertError(HttpResponseMessage response, JsonElement body, System.Net.HttpStatusCode status, string code, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        var error = body.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), error.GetProperty("requestId").GetString());
        if (field is not null) Assert.Equal(field, error.GetProperty("details").GetProperty("field").GetString());
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="done"/> holds for its body (or fails with the last body).</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient http, string path, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            var (response, body) = await GetAsync(http, path);
            if (response.IsSuccessStatusCode)
            {
                last = body;
                if (done(body)) return body;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{path} did not reach the expected state; last answer: {last}");
    }

    public static string Status(this JsonElement workload) => workload.GetProperty("status").GetString()!;

    /// <summary>An optional string field: null when the API left it out (unset fields are never sent as null).</summary>
    public static string? OptionalString(this JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
