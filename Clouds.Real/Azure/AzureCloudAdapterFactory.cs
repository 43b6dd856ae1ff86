using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// Makes the Azure adapter of a provider with <c>type: azure, adapter: real</c>, after checking its settings: the
/// subscription and resource group, the regions, the credentials source, the endpoint overrides (<c>management</c>,
/// <c>login</c>, <c>prices</c>) and, to launch, the subnet and SSH key. Each problem names the provider and the field.
/// </summary>
public sealed partial class AzureCloudAdapterFactory(AzureAdapterOptions? options = null, ILoggerFactory? loggers = null) : IRealCloudAdapterFactory
{
    private readonly AzureAdapterOptions _options = options ?? new AzureAdapterOptions();

    /// <summary>The endpoint overrides the Azure adapter knows.</summary>
    public static readonly IReadOnlySet<string> Services = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "management", "login", "prices" };

    public CloudKind Cloud => CloudKind.Azure;

    public IEnumerable<string> Validate(RealCloudSettings settings)
    {
        string who = $"provider '{settings.Name}'";
        var azure = settings.Azure;
        if (string.IsNullOrWhiteSpace(azure.SubscriptionId)) yield return $"{who}: azure.subscriptionId is required";
        else if (!Guid.TryParse(azure.SubscriptionId, out _)) yield return $"{who}: azure.subscriptionId '{azure.SubscriptionId}' is not a subscription id (a GUID)";
        if (string.IsNullOrWhiteSpace(azure.ResourceGroup)) yield return $"{who}: azure.resourceGroup is required (the group the adapter launches into and lists)";
        else if (!ResourceGroupName().IsMatch(azure.ResourceGroup)) yield return $"{who}: azure.resourceGroup '{azure.ResourceGroup}' is not a valid resource group name";
        if (azure.TenantId is { } tenant && !Guid.TryParse(tenant, out _) && !TenantDomain().IsMatch(tenant)) yield return $"{who}: azure.tenantId '{tenant}' is neither a GUID nor a domain";

        foreach (var region in settings.Regions)
        {
            if (!AzureRegions.Known.Contains(region)) yield return $"{who}: regions: '{region}' is not an Azure region (use the ARM name, e.g. eastus, westeurope)";
        }

        foreach (var (service, url) in settings.Endpoints)
        {
            if (!Services.Contains(service)) { yield return $"{who}: endpoints.{service} is not an Azure service (use {string.Join(", ", Services)})"; continue; }
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")) { yield return $"{who}: endpoints.{service} '{url}' must be an absolute http(s) URL"; continue; }
            if (uri.Scheme != "https" && !service.Equals("prices", StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{who}: endpoints.{service} '{url}' must be https (Azure sends bearer tokens and client secrets over TLS only)";
            }
        }

        var credentials = settings.Credentials;
        switch (credentials.Source.ToLowerInvariant())
        {
            case "profile":
                yield return $"{who}: credentials.source 'profile' is AWS only; Azure takes default, environment or file";
                break;
            case "file" when string.IsNullOrWhiteSpace(credentials.File):
                yield return $"{who}: credentials.file is required with credentials.source 'file' (a JSON file with tenantId, clientId, clientSecret)";
                break;
            case "file" when !File.Exists(credentials.File):
                yield return $"{who}: credentials.file '{credentials.File}' does not exist";
                break;
            case "file":
                string? problem = AzureCredentials.CheckFile(credentials.File!, azure.TenantId);
                if (problem is not null) yield return $"{who}: credentials.file '{credentials.File}': {problem}";
                break;
        }

        if (settings.CanLaunch)
        {
            if (string.IsNullOrWhiteSpace(azure.SubnetId)) yield return $"{who}: azure.subnetId is required with mode: launch (the subnet new VMs' network interfaces join)";
            else if (!SubnetId().IsMatch(azure.SubnetId)) yield return $"{who}: azure.subnetId '{azure.SubnetId}' is not a subnet resource id (/subscriptions/.../providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>)";
            if (string.IsNullOrWhiteSpace(azure.SshPublicKey)) yield return $"{who}: azure.sshPublicKey is required with mode: launch (Linux VMs are created with SSH keys only)";
            if (string.IsNullOrWhiteSpace(azure.AdminUsername)) yield return $"{who}: azure.adminUsername cannot be empty";
        }

        foreach (var problem in _options.Problems()) yield return $"{who}: {problem}";
    }

    public ICloudAdapter Create(RealCloudSettings settings) =>
        new AzureCloudAdapter(settings, _options, (loggers ?? NullLoggerFactory.Instance).CreateLogger<AzureCloudAdapter>());

    [GeneratedRegex(@"^[-\w\._\(\)]{1,90}$")]
    private static partial Regex ResourceGroupName();

    [GeneratedRegex(@"^[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$")]
    private static partial Regex TenantDomain();

    [GeneratedRegex(@"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+$", RegexOptions.IgnoreCase)]
    private static partial Regex SubnetId();
}
