namespace Arbitrage.Orleans.Client;

/// <summary>
/// Where the API is and how to call it: the token, the timeouts and how often an idempotent call is retried. Checked
/// when the client is first resolved; a missing or wrong setting is an <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming it.
/// </summary>
public sealed class ArbitrageClientOptions
{
    /// <summary>Most retries one call may ask for.</summary>
    public const int MaxRetriesLimit = 10;

    /// <summary>The gateway's address, e.g. <c>http://localhost:8080</c> (required, absolute http or https).</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API token (required): sent as <c>Authorization: Bearer</c>, and as <c>X-Auth-Token</c> on the SpotInst-style face.</summary>
    public string? ApiToken { get; set; }

    /// <summary>How long one call may take in all, its retries and their waits included (default 100 s).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How long one attempt may take (default 30 s); an attempt that runs out is retried when the call is idempotent.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Retries of a transient failure (5xx, 408, 429, a connection failure, an attempt timeout) — only for idempotent calls:
    /// GET, PUT, DELETE, HEAD, or a POST that carries an <c>Idempotency-Key</c>. 0 to <see cref="MaxRetriesLimit"/>; default 3.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first wait between attempts, growing exponentially with jitter (default 1 s); a <c>Retry-After</c> answer is honoured instead.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What is wrong with these settings, each naming its setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (BaseAddress is null) problems.Add("ArbitrageClientOptions.BaseAddress is required: the gateway's address, e.g. http://localhost:8080.");
        else if (!BaseAddress.IsAbsoluteUri || BaseAddress.Scheme is not ("http" or "https"))
        {
            problems.Add($"ArbitrageClientOptions.BaseAddress must be an absolute http or https address; got '{BaseAddress}'.");
        }

        if (string.IsNullOrWhiteSpace(ApiToken)) problems.Add("ArbitrageClientOptions.ApiToken is required: the API token the calls are made with.");
        if (Timeout < TimeSpan.FromMilliseconds(10) || Timeout > TimeSpan.FromHours(24)) problems.Add($"ArbitrageClientOptions.Timeout must be from 10 ms to 24 h; got {Timeout}.");
        if (AttemptTimeout < TimeSpan.FromMilliseconds(10) || AttemptTimeout > TimeSpan.FromHours(24))
        {
            problems.Add($"ArbitrageClientOptions.AttemptTimeout must be from 10 ms to 24 h; got {AttemptTimeout}.");
        }

        if (MaxRetries is < 0 or > MaxRetriesLimit) problems.Add($"ArbitrageClientOptions.MaxRetries must be from 0 to {MaxRetriesLimit}; got {MaxRetries}.");
        if (RetryDelay < TimeSpan.Zero || RetryDelay > TimeSpan.FromMinutes(5)) problems.Add($"ArbitrageClientOptions.RetryDelay must be from 0 to 5 minutes; got {RetryDelay}.");
        return problems;
    }
}
