using System.Text.Json;
using System.Text.Json.Serialization;
using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Grains.Providers;

/// <summary>One provider instance as configured in the providers file.</summary>
public sealed record ProviderConfig
{
    public string Name { get; init; } = "";
    public string Type { get; init; } = "";

    /// <summary>Which adapter speaks to the cloud: <c>simulated</c> (the embedded default) or <c>real</c>.</summary>
    public string Adapter { get; init; } = "simulated";

    /// <summary>A real provider's reach: <c>read-only</c> (prices and catalog; the default) or <c>launch</c>. Simulated providers launch.</summary>
    public string? Mode { get; init; }

    /// <summary>Where a real provider's credentials come from (the SDK's standard chain by default).</summary>
    public CredentialsConfig Credentials { get; init; } = new();

    /// <summary>Endpoint overrides per service (<c>ec2</c>, <c>sqs</c>, <c>pricing</c>, <c>compute</c>, <c>token</c>, …), for private endpoints and tests.</summary>
    public IReadOnlyDictionary<string, string> Endpoints { get; init; } = new Dictionary<string, string>();

    /// <summary>Retries, timeouts and circuit breaking of this provider's cloud calls.</summary>
    public CloudResilienceOptions Resilience { get; init; } = new();

    public AwsConfig Aws { get; init; } = new();
    public AzureConfig Azure { get; init; } = new();
    public GcpConfig Gcp { get; init; } = new();

    public bool IsReal => string.Equals(Adapter, "real", StringComparison.OrdinalIgnoreCase);

    /// <summary>The settings a real adapter is made from.</summary>
    public RealCloudSettings ToRealSettings() =>
        new(Name, Cloud, Regions, Mode ?? ProviderModes.ReadOnly, Credentials, Endpoints, Aws, Azure, Gcp);

    public bool Enabled { get; init; } = true;
    public int Priority { get; init; } = 1;
    public int Weight { get; init; } = 1;

    /// <summary>
    /// The host-factory launch APIs (<c>provider_api</c> of a template, e.g. <c>EC2Fleet</c>) this provider accepts besides
    /// its adapter's own: a template naming one is launched through the adapter's launch API, one instance at a time.
    /// </summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Regions to use; empty means every region the cloud offers.</summary>
    public IReadOnlyList<string> Regions { get; init; } = [];

    public ProviderLimitsConfig Limits { get; init; } = new();
    public SimulationConfig Simulation { get; init; } = new();

    public CloudKind Cloud => Enum.Parse<CloudKind>(Type, ignoreCase: true);
}

public sealed record ProviderLimitsConfig
{
    public int MaxInstancesPerRequest { get; init; } = 100;
    public int MaxConcurrentRequests { get; init; } = 20;
}

/// <summary>How a simulated cloud replays its price history (see docs/SIMULATED_CLOUDS.md).</summary>
public sealed record SimulationConfig
{
    public int Seed { get; init; } = 1;

    /// <summary>Simulated seconds per real second.</summary>
    public double Speed { get; init; } = 60;

    /// <summary>Where in the price history the replay starts.</summary>
    public TimeSpan StartOffset { get; init; } = TimeSpan.Zero;

    public TimeSpan? BootDelay { get; init; }

    /// <summary>Most instances alive at once in this cloud; more launches fail with InsufficientCapacity (default 10,000).</summary>
    public int? MaxInstances { get; init; }
}

/// <summary>The providers file: <c>{"providers": [...]}</c>.</summary>
public sealed record ProvidersFile(IReadOnlyList<ProviderConfig> Providers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static readonly IReadOnlySet<string> Adapters = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "simulated", "real" };

    /// <summary>Reads and validates the file; every problem is reported with the provider and field it concerns.</summary>
    public static ProvidersFile Load(string path)
    {
        if (!File.Exists(path)) throw new ProviderConfigurationException($"The providers file {Path.GetFullPath(path)} does not exist (setting Market:ProvidersFile).");
        ProvidersFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ProvidersFile>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new ProviderConfigurationException($"The providers file {path} is not valid: {e.Message}");
        }

        if (file?.Providers is not { Count: > 0 }) throw new ProviderConfigurationException($"The providers file {path} lists no providers (expected {{\"providers\": [...]}}).");
        var errors = Validate(file.Providers);
        if (errors.Count > 0) throw new ProviderConfigurationException($"The providers file {path} has errors: {string.Join("; ", errors)}");
        return file;
    }

    public static List<string> Validate(IReadOnlyList<ProviderConfig> providers) =>
        Check(providers).SelectMany(p => p.Errors.Select(e => $"{p.Who}: {e}")).ToList();

    /// <summary>Each provider's problems, by its place in the list (the same rules the file is held to at start).</summary>
    public static IReadOnlyList<ProviderProblems> Check(IReadOnlyList<ProviderConfig> providers)
    {
        var checkedProviders = new List<ProviderProblems>(providers.Count);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < providers.Count; i++)
        {
            var p = providers[i];
            var errors = new List<string>();
            string who = string.IsNullOrWhiteSpace(p.Name) ? $"providers[{i}]" : $"provider '{p.Name}'";
            if (string.IsNullOrWhiteSpace(p.Name)) errors.Add("name is required");
            else if (!System.Text.RegularExpressions.Regex.IsMatch(p.Name, "^[a-z0-9][a-z0-9-]{0,62}$")) errors.Add("name must be lower-case letters, digits and dashes");
            else if (!names.Add(p.Name)) errors.Add("name is used twice");
            if (!Enum.TryParse<CloudKind>(p.Type, ignoreCase: true, out _) || int.TryParse(p.Type, out _)) errors.Add($"type '{p.Type}' must be aws, azure or gcp");
            if (!Adapters.Contains(p.Adapter)) errors.Add($"adapter '{p.Adapter}' must be one of {string.Join(", ", Adapters)}");
            if (p.Priority < 0) errors.Add("priority must be 0 or more");
            if (p.Weight < 0) errors.Add("weight must be 0 or more");
            if (p.Limits.MaxInstancesPerRequest < 1) errors.Add("limits.maxInstancesPerRequest must be at least 1");
            if (p.Limits.MaxConcurrentRequests < 1) errors.Add("limits.maxConcurrentRequests must be at least 1");
            if (p.Simulation.Speed is <= 0 or > 1_000_000 || double.IsNaN(p.Simulation.Speed)) errors.Add("simulation.speed must be between 0 and 1,000,000");
            if (p.Simulation.StartOffset < TimeSpan.Zero) errors.Add("simulation.startOffset cannot be negative");
            if (p.Simulation.MaxInstances is <= 0 or > 10_000_000) errors.Add("simulation.maxInstances must be between 1 and 10,000,000");
            if (p.Regions.Any(string.IsNullOrWhiteSpace)) errors.Add("regions cannot contain an empty name");
            if (p.Capabilities.Any(string.IsNullOrWhiteSpace)) errors.Add("capabilities cannot contain an empty name");
            else if (p.Capabilities.Distinct(StringComparer.OrdinalIgnoreCase).Count() != p.Capabilities.Count) errors.Add("capabilities lists an API twice");
            errors.AddRange(p.Resilience.Problems());
            if (p.Mode is { } mode && !ProviderModes.All.Contains(mode)) errors.Add($"mode '{mode}' must be read-only or launch");
            if (p.Mode is not null && !p.IsReal) errors.Add("mode applies to real providers only (adapter: real)");
            if (!CredentialsConfig.Sources.Contains(p.Credentials.Source)) errors.Add($"credentials.source '{p.Credentials.Source}' must be one of {string.Join(", ", CredentialsConfig.Sources)}");
            foreach (var (service, url) in p.Endpoints)
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) errors.Add($"endpoints.{service} '{url}' must be an absolute http(s) URL");
            }

            checkedProviders.Add(new ProviderProblems(i, who, errors));
        }

        return checkedProviders;
    }

    /// <summary>One provider definition read as the file reads it (unknown fields refused); throws <see cref="JsonException"/> naming the path.</summary>
    public static ProviderConfig Parse(JsonElement definition) =>
        definition.Deserialize<ProviderConfig>(Json) ?? throw new JsonException("A provider definition must be an object.");
}

/// <summary>The problems of the provider at <see cref="Index"/> of a list; <see cref="Who"/> names it in messages.</summary>
public sealed record ProviderProblems(int Index, string Who, IReadOnlyList<string> Errors);

/// <summary>The providers file is missing or wrong; the message names the provider and field.</summary>
public sealed class ProviderConfigurationException(string message) : Exception(message);
