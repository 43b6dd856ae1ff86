using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Arbitrage.Orleans.Clouds.Catalog;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>
/// Makes the adapter of each <c>type: aws, adapter: real</c> provider: validates its settings (each problem names the
/// provider and the field), resolves its credentials and shares the bundled catalog between providers.
/// </summary>
public sealed class AwsCloudAdapterFactory(AwsAdapterOptions options, TimeProvider time, ILoggerFactory loggers) : IRealCloudAdapterFactory
{
    /// <summary>The services whose endpoints a provider may override.</summary>
    public static readonly IReadOnlySet<string> Services = new HashSet<string>(StringComparer.Ordinal) { "ec2", "sqs" };

    private readonly Lazy<BundledCatalog> _catalog = new(() => BundledCatalog.LoadAws(options.MarketDataDirectory));

    public CloudKind Cloud => CloudKind.Aws;

    public IEnumerable<string> Validate(RealCloudSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var who = $"provider '{settings.Name}'";
        foreach (var problem in options.Problems()) yield return $"{who}: {problem}";
        if (settings.Regions.Count == 0) yield return $"{who}: regions: list at least one AWS region (e.g. us-east-1)";
        foreach (var region in settings.Regions)
        {
            if (!RegionEndpoint.EnumerableAllRegions.Any(r => r.SystemName == region)) yield return $"{who}: regions: '{region}' is not an AWS region";
        }

        foreach (var (service, url) in settings.Endpoints)
        {
            if (!Services.Contains(service)) yield return $"{who}: endpoints.{service}: AWS providers call only {string.Join(" and ", Services)}";
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) yield return $"{who}: endpoints.{service}: '{url}' is not an absolute http(s) URL";
        }

        var queue = settings.Aws.InterruptionQueueUrl;
        if (queue is not null && (!Uri.TryCreate(queue, UriKind.Absolute, out var queueUri) || queueUri.Scheme is not ("http" or "https") || queueUri.AbsolutePath.Trim('/').Split('/').Length != 2))
        {
            yield return $"{who}: aws.interruptionQueueUrl: '{queue}' is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>)";
        }

        foreach (var (zone, subnet) in settings.Aws.SubnetsByZone)
        {
            if (!subnet.StartsWith("subnet-", StringComparison.Ordinal)) yield return $"{who}: aws.subnetsByZone.{zone}: '{subnet}' is not a subnet id (subnet-…)";
        }

        foreach (var group in settings.Aws.SecurityGroupIds)
        {
            if (!group.StartsWith("sg-", StringComparison.Ordinal)) yield return $"{who}: aws.securityGroupIds: '{group}' is not a security group id (sg-…)";
        }

        if (CredentialsProblem(settings) is { } credentials) yield return $"{who}: {credentials}";
    }

    public ICloudAdapter Create(RealCloudSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var problems = Validate(settings).ToList();
        if (problems.Count > 0) throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        return new AwsCloudAdapter(settings, Credentials(settings), options, _catalog.Value, time, loggers.CreateLogger<AwsCloudAdapter>());
    }

    /// <summary>The credentials of the provider's source, or null for the SDK's standard chain.</summary>
    private static AWSCredentials? Credentials(RealCloudSettings settings)
    {
        var source = settings.Credentials;
        switch (source.Source.ToLowerInvariant())
        {
            case "environment":
                return new EnvironmentVariablesAWSCredentials();
            case "profile":
                return new CredentialProfileStoreChain().TryGetAWSCredentials(source.Profile ?? "default", out var profiled) ? profiled : null;
            case "file":
                var file = new SharedCredentialsFile(source.File);
                return file.TryGetProfile(source.Profile ?? "default", out var profile) && AWSCredentialsFactory.TryGetAWSCredentials(profile, file, out var filed) ? filed : null;
            default:
                return null;
        }
    }

    private static string? CredentialsProblem(RealCloudSettings settings)
    {
        var source = settings.Credentials;
        switch (source.Source.ToLowerInvariant())
        {
            case "environment":
                return string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) || string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY"))
                    ? "credentials.source: 'environment' needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set"
                    : null;
            case "profile":
                var name = source.Profile ?? "default";
                return new CredentialProfileStoreChain().TryGetAWSCredentials(name, out _) ? null : $"credentials.profile: no AWS profile '{name}' in the shared config or credentials files";
            case "file":
                if (string.IsNullOrWhiteSpace(source.File)) return "credentials.file: source 'file' needs the path of an AWS credentials file";
                if (!File.Exists(source.File)) return $"credentials.file: '{source.File}' does not exist";
                var file = new SharedCredentialsFile(source.File);
                var profileName = source.Profile ?? "default";
                if (!file.TryGetProfile(profileName, out var profile)) return $"credentials.file: '{source.File}' has no profile [{profileName}]";
                return AWSCredentialsFactory.TryGetAWSCredentials(profile, file, out _) ? null : $"credentials.file: profile [{profileName}] of '{source.File}' has no usable keys (aws_access_key_id and aws_secret_access_key)";
            default:
                return null;
        }
    }
}
