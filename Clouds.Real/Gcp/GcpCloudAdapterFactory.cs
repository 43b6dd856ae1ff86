using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>Validates and makes the adapters of providers with <c>type: gcp</c> and <c>adapter: real</c>.</summary>
public sealed partial class GcpCloudAdapterFactory(TimeProvider? time = null, ILoggerFactory? loggers = null) : IRealCloudAdapterFactory
{
    /// <summary>The services whose endpoint may be overridden.</summary>
    public static readonly IReadOnlyList<string> Services = ["compute", "billing", "token"];

    /// <summary>GCP's regions (2026-11); a region outside this list is a typo until it is added here.</summary>
    public static readonly IReadOnlySet<string> KnownRegions = new HashSet<string>(StringComparer.Ordinal)
    {
        "africa-south1", "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
        "asia-southeast1", "asia-southeast2", "asia-southeast3", "australia-southeast1", "australia-southeast2", "europe-central2", "europe-north1",
        "europe-north2", "europe-southwest1", "europe-west1", "europe-west10", "europe-west12", "europe-west2", "europe-west3", "europe-west4",
        "europe-west6", "europe-west8", "europe-west9", "me-central1", "me-central2", "me-west1", "northamerica-northeast1", "northamerica-northeast2",
        "northamerica-south1", "southamerica-east1", "southamerica-west1", "us-central1", "us-central2", "us-east1", "us-east4", "us-east5", "us-south1",
        "us-west1", "us-west2", "us-west3", "us-west4",
    };

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };

    public CloudKind Cloud => CloudKind.Gcp;

    public IEnumerable<string> Validate(RealCloudSettings settings)
    {
        string who = $"provider '{settings.Name}'";
        var gcp = settings.Gcp;
        if (string.IsNullOrWhiteSpace(gcp.Project)) yield return $"{who}: gcp.project is required (the project id VMs are launched in and listed from)";
        else if (!ProjectId().IsMatch(gcp.Project)) yield return $"{who}: gcp.project '{gcp.Project}' is not a GCP project id (6-30 lower-case letters, digits and dashes)";
        foreach (var region in settings.Regions)
        {
            if (!KnownRegions.Contains(region)) yield return $"{who}: regions: '{region}' is not a GCP region";
        }

        foreach (var (service, url) in settings.Endpoints)
        {
            if (!Services.Contains(service)) yield return $"{who}: endpoints.{service} is not a GCP service of this adapter ({string.Join(", ", Services)})";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) yield return $"{who}: endpoints.{service} '{url}' must be an absolute http(s) URL";
        }

        switch (settings.Credentials.Source.ToLowerInvariant())
        {
            case "default" or "environment":
                break;
            case "file":
                if (CheckKeyFile(settings.Credentials.File) is { } problem) yield return $"{who}: credentials.file {problem}";
                break;
            default:
                yield return $"{who}: credentials.source '{settings.Credentials.Source}' is not available for GCP (default, environment or file)";
                break;
        }

        if (gcp.RetryAttempts is < 1 or > 10) yield return $"{who}: gcp.retryAttempts must be between 1 and 10";
        if (gcp.RetryBaseDelay < TimeSpan.Zero) yield return $"{who}: gcp.retryBaseDelay cannot be negative";
        if (gcp.RequestTimeout <= TimeSpan.Zero) yield return $"{who}: gcp.requestTimeout must be positive";
        if (gcp.OperationTimeout <= TimeSpan.Zero) yield return $"{who}: gcp.operationTimeout must be positive";
        if (gcp.OperationPollInterval <= TimeSpan.Zero) yield return $"{who}: gcp.operationPollInterval must be positive";
        if (gcp.PreemptionPollInterval <= TimeSpan.Zero) yield return $"{who}: gcp.preemptionPollInterval must be positive";
        if (gcp.PriceRefreshInterval <= TimeSpan.Zero) yield return $"{who}: gcp.priceRefreshInterval must be positive";
    }

    public ICloudAdapter Create(RealCloudSettings settings) =>
        Create(settings, new GoogleTokenSource(settings));

    internal ICloudAdapter Create(RealCloudSettings settings, IGcpTokenSource tokens) =>
        new GcpCloudAdapter(settings, tokens, _http, time ?? TimeProvider.System,
            (loggers ?? NullLoggerFactory.Instance).CreateLogger("Arbitrage.Orleans.Clouds.Real.Gcp." + settings.Name));

    /// <summary>Why the service-account key file cannot be used, or null.</summary>
    private static string? CheckKeyFile(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "is required with credentials.source 'file' (a service-account JSON key)";
        if (!File.Exists(path)) return $"'{path}' does not exist";
        try
        {
            using var key = JsonDocument.Parse(File.ReadAllText(path));
            var root = key.RootElement;
            string? Field(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            if (Field("type") != "service_account") return $"'{path}' is not a service-account key (type must be service_account)";
            foreach (var field in new[] { "client_email", "private_key" })
            {
                if (string.IsNullOrEmpty(Field(field))) return $"'{path}' has no {field}";
            }

            return null;
        }
        catch (JsonException e)
        {
            return $"'{path}' is not JSON: {e.Message}";
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectId();
}
