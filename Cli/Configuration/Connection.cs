namespace Arbitrage.Orleans.Cli.Configuration;

/// <summary>
/// Where the CLI sends requests and with which key, and where each came from. The URL: <c>--url</c>, then
/// <c>ARB_URL</c>, then the config file, then <see cref="DefaultUrl"/> (the silo's default listen address). The key:
/// <c>ARB_API_KEY</c>, then <c>OHFP_API_KEY</c> (the host-factory CLI's variable), then the config file.
/// </summary>
public sealed record Connection(Uri Url, string UrlSource, string? ApiKey, string? KeySource)
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string ApiKeyVariable = "ARB_API_KEY";
    public const string CompatibleApiKeyVariable = "OHFP_API_KEY";
    public const string UrlVariable = "ARB_URL";

    public static Connection Resolve(string? urlOption, CliContext context, CliConfig config)
    {
        var (url, urlSource) = urlOption is { Length: > 0 } ? (urlOption, "--url")
            : context.Variable(UrlVariable) is { } fromEnvironment ? (fromEnvironment, UrlVariable)
            : config.Url is { Length: > 0 } fromConfig ? (fromConfig, "config file")
            : (DefaultUrl, "default");
        var (key, keySource) = context.Variable(ApiKeyVariable) is { } arbKey ? (arbKey, ApiKeyVariable)
            : context.Variable(CompatibleApiKeyVariable) is { } ohfpKey ? (ohfpKey, CompatibleApiKeyVariable)
            : config.ApiKey is { Length: > 0 } configKey ? (configKey, "config file")
            : ((string?)null, (string?)null);
        return new Connection(ParseUrl(url, urlSource), urlSource, key, keySource);
    }

    public static Uri ParseUrl(string url, string source) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new UsageException($"The gateway URL from {source} must be an absolute http:// or https:// URL; got '{url}'.");

    public string RequireKey() => ApiKey ?? throw new UsageException(
        $"No API key: set {ApiKeyVariable} (or {CompatibleApiKeyVariable}), or run 'arb config set api-key' (it reads the key from standard input).");

    /// <summary>A key as it may be shown: its prefix and last four characters, never the whole secret.</summary>
    public static string Mask(string key) => key.Length <= 12 ? new string('*', key.Length) : $"{key[..4]}…{key[^4..]}";
}
