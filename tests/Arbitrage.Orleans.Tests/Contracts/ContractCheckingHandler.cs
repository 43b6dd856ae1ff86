namespace Arbitrage.Orleans.Tests.Contracts;

/// <summary>
/// Checks every response of the routes the contracts describe against their schemas, and fails the request (so the
/// test) when one does not match. Routes a contract does not describe pass through unchecked.
/// </summary>
public sealed class ContractCheckingHandler(params JsonContract[] contracts) : DelegatingHandler(new HttpClientHandler())
{
    /// <summary>Only paths under these prefixes are checked (the typed faces); empty: every path a contract has.</summary>
    public IReadOnlyList<string> Prefixes { get; init; } = [];

    /// <summary>How many responses were checked against at least one contract.</summary>
    public int Checked => _checked;

    private int _checked;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        string path = request.RequestUri!.AbsolutePath;
        if (Prefixes.Count > 0 && !Prefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal))) return response;
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        bool any = false;
        foreach (var contract in contracts)
        {
            if (contract.PathOf(path) is null) continue;
            any = true;
            // The seed lists no error responses; only the product's own document is held to its statuses.
            bool ownDocument = contract.Name != "seed";
            if (contract.Check(request.Method.Method, path, (int)response.StatusCode, body, statusMustBeListed: ownDocument) is { } problem)
            {
                throw new ContractViolationException(problem);
            }
        }

        if (any) Interlocked.Increment(ref _checked);
        return response;
    }
}

public sealed class ContractViolationException(string message) : Exception(message);
