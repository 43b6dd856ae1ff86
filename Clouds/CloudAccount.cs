namespace Arbitrage.Orleans.Clouds;

/// <summary>What a real provider may do: watch prices and catalogs only, or also launch and terminate.</summary>
public static class ProviderModes
{
    public const string ReadOnly = "read-only";
    public const string Launch = "launch";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ReadOnly, Launch };
}

/// <summary>
/// Where a real adapter gets its credentials. <c>default</c> is the cloud SDK's standard chain (environment,
/// profile or config file, workload identity); the others narrow it to one source.
/// </summary>
public sealed record CredentialsConfig
{
    /// <summary><c>default</c>, <c>environment</c>, <c>profile</c> (AWS), <c>file</c> (a key or service-account file).</summary>
    public string Source { get; init; } = "default";

    /// <summary>The AWS profile name (source <c>profile</c>).</summary>
    public string? Profile { get; init; }

    /// <summary>A credentials file (source <c>file</c>): a GCP service-account key, an Azure client certificate, an AWS credentials file.</summary>
    public string? File { get; init; }

    public static readonly IReadOnlySet<string> Sources = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "default", "environment", "profile", "file" };
}

/// <summary>AWS settings of a real provider (the <c>aws</c> object of the providers file).</summary>
public sealed record AwsConfig
{
    /// <summary>Subnets to launch into, by zone name (a zone without one uses the default VPC's).</summary>
    public IReadOnlyDictionary<string, string> SubnetsByZone { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    /// <summary>The SQS queue that EventBridge fills with spot interruption warnings and rebalance recommendations.</summary>
    public string? InterruptionQueueUrl { get; init; }

    /// <summary>
    /// Whether an "EC2 Instance Rebalance Recommendation" moves the workload like an interruption warning does (two
    /// minutes' notice assumed), before the warning itself comes.
    /// </summary>
    public bool ActOnRebalanceRecommendations { get; init; } = true;
}

/// <summary>Azure settings of a real provider (the <c>azure</c> object of the providers file).</summary>
public sealed record AzureConfig
{
    public string? SubscriptionId { get; init; }
    public string? TenantId { get; init; }
    public string? ResourceGroup { get; init; }

    /// <summary>The subnet resource id new VMs' network interfaces join.</summary>
    public string? SubnetId { get; init; }

    public string AdminUsername { get; init; } = "arbitrage";
    public string? SshPublicKey { get; init; }
}

/// <summary>GCP settings of a real provider (the <c>gcp</c> object of the providers file).</summary>
public sealed record GcpConfig
{
    public string? Project { get; init; }
    public string Network { get; init; } = "global/networks/default";
    public string? Subnetwork { get; init; }
    public string? ServiceAccountEmail { get; init; }

    /// <summary>The boot image when a launch names none; a launch's image id without a slash is an image of <see cref="Project"/>.</summary>
    public string DefaultImage { get; init; } = "projects/debian-cloud/global/images/family/debian-12";

    /// <summary>Attempts of a call the cloud throttled (429, 403 rateLimitExceeded) or failed (5xx, timeout), the first included.</summary>
    public int RetryAttempts { get; init; } = 4;

    /// <summary>The first backoff; each retry doubles it (with jitter) unless the cloud sends Retry-After.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one HTTP call may take before it counts as failed (and is retried).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a launch follows its zone operation before giving up (the instance may still appear; it carries the tags).</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How often a launch polls its zone operation.</summary>
    public TimeSpan OperationPollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often each zone's operations are listed for <c>compute.instances.preempted</c>.</summary>
    public TimeSpan PreemptionPollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the Cloud Billing Catalog prices are reused before they are read again.</summary>
    public TimeSpan PriceRefreshInterval { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>One real provider as its adapter sees it: the providers file's entry without the simulation settings.</summary>
public sealed record RealCloudSettings(
    string Name,
    CloudKind Cloud,
    IReadOnlyList<string> Regions,
    string Mode,
    CredentialsConfig Credentials,
    IReadOnlyDictionary<string, string> Endpoints,
    AwsConfig Aws,
    AzureConfig Azure,
    GcpConfig Gcp)
{
    public bool CanLaunch => string.Equals(Mode, ProviderModes.Launch, StringComparison.OrdinalIgnoreCase);

    /// <summary>The endpoint override for <paramref name="service"/> (e.g. <c>ec2</c>, <c>sqs</c>, <c>compute</c>), or null for the cloud's own.</summary>
    public Uri? Endpoint(string service) => Endpoints.TryGetValue(service, out var url) ? new Uri(url) : null;
}

/// <summary>
/// Makes the adapter of one cloud's real providers. Registered per cloud (see Clouds.Real); the silo picks the one
/// whose <see cref="Cloud"/> matches a provider with <c>adapter: real</c>.
/// </summary>
public interface IRealCloudAdapterFactory
{
    CloudKind Cloud { get; }

    /// <summary>Problems with the provider's settings, each naming the provider and the field (empty when none).</summary>
    IEnumerable<string> Validate(RealCloudSettings settings);

    ICloudAdapter Create(RealCloudSettings settings);
}
