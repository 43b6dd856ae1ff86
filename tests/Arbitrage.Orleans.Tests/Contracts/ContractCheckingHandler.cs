namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// Checks every answer against the silo's contracts (<see cref="SiloContracts"/>) and fails the request (so the test)
/// when one does not match: the product's own document must list the status and, where it gives a JSON schema, the
/// body must match it; the seed's schemas hold for the <c>/v1</c> paths it defines. Paths no contract describes (the
/// console's files, the dashboard, metrics) pass through unchecked.
/// </summary>
public sealed class ContractCheckingHandler(SiloContracts contracts) : DelegatingHandler(new HttpClientHandler())
{
    /// <summary>How many answers were checked against at least one contract.</summary>
    public int Checked => _checked;

    private int _checked;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        string path = request.RequestUri!.AbsolutePath;
        if (path == OpenApiPath) return response;
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        var (described, problem) = await contracts.CheckAsync(request.Method.Method, path, (int)response.StatusCode, body);
        if (problem is not null) throw new ContractViolationException(problem);
        if (described) Interlocked.Increment(ref _checked);
        return response;
    }

    private const string OpenApiPath = "/openapi/v1.json";
}

public sealed class ContractViolationException(string message) : Exception(message);
