using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Cli.Configuration;

/// <summary>What <c>arb config set</c> keeps in <c>config.json</c>: the API key and the gateway URL.</summary>
public sealed record CliConfig(
    [property: JsonPropertyName("apiKey")] string? ApiKey = null,
    [property: JsonPropertyName("url")] string? Url = null);
