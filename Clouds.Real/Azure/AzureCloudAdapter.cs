using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.ResourceManager;
using Azure.ResourceManager.Compute;
using Azure.ResourceManager.Compute.Models;
using Azure.ResourceManager.Resources;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// One Azure provider through Azure Resource Manager (Azure.ResourceManager.Compute) and the Retail Prices API.
/// A launch creates a Spot VM (priority Spot, eviction policy Delete, billing max price) whose network interface
/// and OS disk are created with it on <c>azure.subnetId</c> and deleted with it; the call follows ARM's long-running
/// operation to completion. Instances are VMs of <c>azure.resourceGroup</c>, named after the launch's client token
/// (so a retried launch is the same PUT), tagged with the request's tags plus <c>arbitrage:provider</c>.
/// Evictions are seen by polling the instance view of the VMs this adapter launched.
/// </summary>
public sealed partial class AzureCloudAdapter : ICloudAdapter, IDisposable
{
    /// <summary>Tag naming the provider that launched a VM, so two providers on one resource group keep apart.</summary>
    public const string ProviderTag = "arbitrage:provider";

    private static readonly ResourceType NetworkInterfaces = new("Microsoft.Network/networkInterfaces");

    private readonly RealCloudSettings _settings;
    private readonly AzureAdapterOptions _options;
    private readonly ArmClient _arm;
    private readonly RetailPricesOptions _pricesOptions;
    private readonly HttpClient _health;
    private readonly ResourceIdentifier _subscriptionId;
    private readonly ResourceIdentifier _resourceGroupId;
    private readonly Uri _prices;
    private readonly ConcurrentDictionary<string, string> _addresses = new(StringComparer.OrdinalIgnoreCase);

    private readonly ILogger<AzureCloudAdapter> _logger;

    public AzureCloudAdapter(RealCloudSettings settings, AzureAdapterOptions options, ILogger<AzureCloudAdapter> logger)
    {
        _logger = logger;
        _settings = settings;
        _options = options;
        HttpMessageHandler handler = options.CreateHttpHandler?.Invoke() ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var transport = new HttpClientTransport(handler);

        var credential = AzureCredentials.Create(settings, o =>
        {
            o.Transport = transport;
            o.Retry.MaxRetries = options.MaxRetries;
            o.Retry.Delay = options.RetryDelay;
            o.Retry.NetworkTimeout = options.NetworkTimeout;
            return o;
        });

        var arm = new ArmClientOptions { Transport = transport };
        arm.Retry.MaxRetries = options.MaxRetries;
        arm.Retry.Delay = options.RetryDelay;
        arm.Retry.Mode = RetryMode.Exponential;
        arm.Retry.NetworkTimeout = options.NetworkTimeout;
        if (settings.Endpoint("management") is { } management) arm.Environment = new ArmEnvironment(management, ArmEnvironment.AzurePublicCloud.Audience);
        arm.SetApiVersion(NetworkInterfaces, "2023-04-01");
        _arm = new ArmClient(credential, settings.Azure.SubscriptionId, arm);

        _pricesOptions = new RetailPricesOptions { Transport = transport };
        _pricesOptions.Retry.MaxRetries = options.MaxRetries;
        _pricesOptions.Retry.Delay = options.RetryDelay;
        _pricesOptions.Retry.Mode = RetryMode.Exponential;
        _pricesOptions.Retry.NetworkTimeout = options.NetworkTimeout;
        _health = new HttpClient { Timeout = options.HealthCheckTimeout };
        _subscriptionId = SubscriptionResource.CreateResourceIdentifier(settings.Azure.SubscriptionId);
        _resourceGroupId = ResourceGroupResource.CreateResourceIdentifier(settings.Azure.SubscriptionId, settings.Azure.ResourceGroup);
        _prices = settings.Endpoint("prices") ?? new Uri("https://prices.azure.com/api/retail/prices");
    }

    public CloudKind Cloud => CloudKind.Azure;

    public IReadOnlyList<LaunchApi> LaunchApis { get; } =
        [new("compute:VirtualMachines.CreateOrUpdate", SupportsSpot: true, SupportsOnDemand: true, MaxInstances: 1, SupportsMaxPrice: true)];

    private SubscriptionResource Subscription => _arm.GetSubscriptionResource(_subscriptionId);

    private ResourceGroupResource ResourceGroup => _arm.GetResourceGroupResource(_resourceGroupId);

    public async Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        if (!_settings.CanLaunch) throw new CloudException(CloudErrorCode.InvalidRequest, $"Provider '{_settings.Name}' is read-only (mode: read-only): it does not launch instances.");
        if (!_settings.Regions.Contains(request.Region, StringComparer.OrdinalIgnoreCase) && _settings.Regions.Count > 0)
        {
            throw new CloudException(CloudErrorCode.InvalidRequest, $"Provider '{_settings.Name}' does not use region '{request.Region}' (regions: {string.Join(", ", _settings.Regions)}).");
        }

        string name = VmName(request.ClientToken);
        var data = VmData(name, request);
        var launchedAt = _options.TimeProvider.GetUtcNow();
        VirtualMachineResource vm = await Call("launch", async () =>
            (await ResourceGroup.GetVirtualMachines().CreateOrUpdateAsync(WaitUntil.Completed, name, data, cancellationToken: cancellationToken)).Value);
        _launched[name] = new Launched(request.Region, request.Zone, request.InstanceType);
        LogLaunched(_settings.Name, name, request.InstanceType, request.Zone, request.Market);
        decimal price;
        try { price = await PriceOfAsync(request, cancellationToken); }
        catch (CloudException) { price = request.MaxPricePerHour ?? 0; } // the VM runs; its price is read again with the next prices
        return ToInstance(vm.Data, price) with { LaunchedAt = vm.Data.TimeCreated ?? launchedAt };
    }

    public async Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (!IsVmName(instanceId)) return null;
        var vm = await GetVmAsync(instanceId, cancellationToken);
        if (vm is null) return null;
        var instance = ToInstance(vm, LastSpotPrice(vm));
        if (instance.State == InstanceState.Running) instance = instance with { Address = await AddressOfAsync(vm, cancellationToken) };
        return instance;
    }

    public async Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        return await Call("list", async () =>
        {
            var found = new List<CloudInstance>();
            // ARM filters a resource group's VMs by one tag at most; the rest are checked here.
            await foreach (var vm in ResourceGroup.GetVirtualMachines().GetAllAsync(cancellationToken: cancellationToken))
            {
                if (tags.All(t => vm.Data.Tags.TryGetValue(t.Key, out var value) && value == t.Value))
                {
                    var instance = ToInstance(vm.Data, LastSpotPrice(vm.Data));
                    if (instance.State != InstanceState.Terminated) found.Add(instance);
                }
            }

            return (IReadOnlyList<CloudInstance>)found;
        });
    }

    public async Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (!IsVmName(instanceId)) return;
        _terminating[instanceId] = true;
        _launched.TryRemove(instanceId, out _);
        // The NIC and OS disk were created with deleteOption Delete, so they go with the VM. Deleting an unknown VM is 204.
        await Call("terminate", async () =>
        {
            try
            {
                await _arm.GetVirtualMachineResource(VirtualMachineResource.CreateResourceIdentifier(_settings.Azure.SubscriptionId, _settings.Azure.ResourceGroup, instanceId))
                    .DeleteAsync(WaitUntil.Started, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404) { }

            return true;
        });
        _addresses.TryRemove(instanceId, out _);
        LogTerminated(_settings.Name, instanceId);
    }

    public async Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken)
    {
        var instance = await DescribeInstanceAsync(instanceId, cancellationToken)
            ?? throw new CloudException(CloudErrorCode.NotFound, $"Provider '{_settings.Name}' has no VM '{instanceId}' in resource group '{_settings.Azure.ResourceGroup}'.");
        if (instance.State != InstanceState.Running || instance.Address is null) return InstanceHealth.Unknown;
        try
        {
            using var answer = await _health.GetAsync(new UriBuilder("http", instance.Address, port, path).Uri, cancellationToken);
            return answer.IsSuccessStatusCode ? InstanceHealth.Healthy : InstanceHealth.Unhealthy;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return InstanceHealth.Unhealthy;
        }
    }

    private async Task<VirtualMachineData?> GetVmAsync(string name, CancellationToken cancellationToken)
    {
        return await Call("describe", async () =>
        {
            try
            {
                var id = VirtualMachineResource.CreateResourceIdentifier(_settings.Azure.SubscriptionId, _settings.Azure.ResourceGroup, name);
                return (await _arm.GetVirtualMachineResource(id).GetAsync(InstanceViewType.InstanceView, cancellationToken)).Value.Data;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                return null;
            }
        });
    }

    /// <summary>The private address of the VM's primary network interface (read once, from the Network resource provider).</summary>
    private async Task<string?> AddressOfAsync(VirtualMachineData vm, CancellationToken cancellationToken)
    {
        if (_addresses.TryGetValue(vm.Name, out var known)) return known;
        var nic = vm.NetworkProfile?.NetworkInterfaces.FirstOrDefault(n => n.Primary ?? true)?.Id;
        if (nic is null) return null;
        var data = await Call("describe network interface", async () => (await _arm.GetGenericResource(nic).GetAsync(cancellationToken)).Value.Data);
        using var properties = JsonDocument.Parse(data.Properties.ToString());
        string? address = null;
        if (properties.RootElement.TryGetProperty("ipConfigurations", out var configurations))
        {
            foreach (var configuration in configurations.EnumerateArray())
            {
                if (configuration.TryGetProperty("properties", out var p) && p.TryGetProperty("privateIPAddress", out var ip)) { address = ip.GetString(); break; }
            }
        }

        if (address is not null) _addresses[vm.Name] = address;
        return address;
    }

    private VirtualMachineData VmData(string name, LaunchRequest request)
    {
        var azure = _settings.Azure;
        var data = new VirtualMachineData(new AzureLocation(request.Region))
        {
            HardwareProfile = new VirtualMachineHardwareProfile { VmSize = new VirtualMachineSizeType(request.InstanceType) },
            StorageProfile = new VirtualMachineStorageProfile
            {
                ImageReference = Image(request.ImageId),
                OSDisk = new VirtualMachineOSDisk(DiskCreateOptionType.FromImage) { DeleteOption = DiskDeleteOptionType.Delete },
            },
            OSProfile = new VirtualMachineOSProfile
            {
                ComputerName = name,
                AdminUsername = azure.AdminUsername,
                LinuxConfiguration = new LinuxConfiguration
                {
                    DisablePasswordAuthentication = true,
                    SshPublicKeys = { new SshPublicKeyConfiguration { Path = $"/home/{azure.AdminUsername}/.ssh/authorized_keys", KeyData = azure.SshPublicKey } },
                },
            },
            NetworkProfile = new VirtualMachineNetworkProfile
            {
                NetworkApiVersion = NetworkApiVersion.TwoThousandTwenty1101,
                NetworkInterfaceConfigurations =
                {
                    new VirtualMachineNetworkInterfaceConfiguration(name + "-nic")
                    {
                        Primary = true,
                        DeleteOption = ComputeDeleteOption.Delete,
                        IPConfigurations = { new VirtualMachineNetworkInterfaceIPConfiguration(name + "-ip") { Primary = true, SubnetId = new ResourceIdentifier(azure.SubnetId!) } },
                    },
                },
            },
        };

        if (request.Market == Market.Spot)
        {
            data.Priority = VirtualMachinePriorityType.Spot;
            data.EvictionPolicy = VirtualMachineEvictionPolicyType.Delete;
            // -1: pay up to the on-demand price and never be evicted for price.
            data.BillingMaxPrice = request.MaxPricePerHour is { } max ? (double)max : -1;
        }

        string? zone = ZoneNumber(request.Region, request.Zone);
        if (zone is not null) data.Zones.Add(zone);
        foreach (var (key, value) in request.Tags ?? new Dictionary<string, string>()) data.Tags[key] = value;
        data.Tags[ProviderTag] = _settings.Name;
        return data;
    }

    /// <summary>
    /// An image as a URN (<c>publisher:offer:sku:version</c>), a resource id (managed image or gallery image version),
    /// or a bare name: a managed image in the provider's resource group.
    /// </summary>
    private ImageReference Image(string imageId)
    {
        if (imageId.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase)) return new ImageReference { Id = new ResourceIdentifier(imageId) };
        var parts = imageId.Split(':');
        if (parts.Length == 4) return new ImageReference { Publisher = parts[0], Offer = parts[1], Sku = parts[2], Version = parts[3] };
        return new ImageReference
        {
            Id = new ResourceIdentifier($"/subscriptions/{_settings.Azure.SubscriptionId}/resourceGroups/{_settings.Azure.ResourceGroup}/providers/Microsoft.Compute/images/{imageId}"),
        };
    }

    private CloudInstance ToInstance(VirtualMachineData vm, decimal price)
    {
        string region = vm.Location.Name;
        string zone = vm.Zones.Count > 0 ? $"{region}-{vm.Zones[0]}" : region;
        var (state, reason) = StateOf(vm);
        var tags = vm.Tags.Where(t => t.Key != ProviderTag).ToDictionary(t => t.Key, t => t.Value);
        return new CloudInstance(
            vm.Name, region, zone, vm.HardwareProfile?.VmSize?.ToString() ?? "", vm.Priority == VirtualMachinePriorityType.Spot ? Market.Spot : Market.OnDemand,
            state, price, _addresses.GetValueOrDefault(vm.Name), vm.TimeCreated ?? DateTimeOffset.MinValue,
            state == InstanceState.Terminated ? _options.TimeProvider.GetUtcNow() : null, reason, tags);
    }

    /// <summary>The instance's state from the VM's provisioning state and the power state of its instance view.</summary>
    internal static (InstanceState State, string? Reason) StateOf(VirtualMachineData vm)
    {
        string provisioning = vm.ProvisioningState ?? "";
        string? power = vm.InstanceView?.Statuses.Select(s => s.Code).FirstOrDefault(c => c?.StartsWith("PowerState/", StringComparison.OrdinalIgnoreCase) == true);
        if (provisioning.Equals("Deleting", StringComparison.OrdinalIgnoreCase)) return (InstanceState.ShuttingDown, "the VM is being deleted");
        if (provisioning.Equals("Failed", StringComparison.OrdinalIgnoreCase))
        {
            string? message = vm.InstanceView?.Statuses.FirstOrDefault(s => s.Code?.StartsWith("ProvisioningState/failed", StringComparison.OrdinalIgnoreCase) == true)?.Message;
            return (InstanceState.Terminated, "provisioning failed" + (message is null ? "" : ": " + message));
        }

        return power?.ToLowerInvariant() switch
        {
            "powerstate/running" => (InstanceState.Running, null),
            "powerstate/stopping" or "powerstate/deallocating" => (InstanceState.ShuttingDown, power),
            "powerstate/stopped" or "powerstate/deallocated" => (InstanceState.Terminated, power),
            _ => (InstanceState.Pending, power ?? "ProvisioningState/" + provisioning),
        };
    }

    /// <summary>A VM name derived from the launch's client token: a retried launch updates the same VM instead of making another.</summary>
    internal static string VmName(string clientToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(clientToken));
        return "arb-" + Convert.ToHexStringLower(hash)[..20];
    }

    private static bool IsVmName(string id) => id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>The zone number of a zone named <c>region-n</c>, or null for a region without zones.</summary>
    private static string? ZoneNumber(string region, string zone) =>
        zone.StartsWith(region + "-", StringComparison.OrdinalIgnoreCase) ? zone[(region.Length + 1)..] : null;

    /// <summary>Runs one Azure call, turning Azure's refusals into <see cref="CloudException"/>.</summary>
    private async Task<T> Call<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (AzureErrors.Translate(_settings.Name, operation, e) is { } translated)
        {
            throw translated;
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Azure provider {Provider} launched VM {Vm} ({Size} in {Zone}, {Market})")]
    private partial void LogLaunched(string provider, string vm, string size, string zone, Market market);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Azure provider {Provider} deleted VM {Vm}")]
    private partial void LogTerminated(string provider, string vm);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Azure provider {Provider}: VM {Vm} is being evicted: {Reason}")]
    private partial void LogEvicted(string provider, string vm, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Azure provider {Provider}: watching for evictions failed this round; trying again")]
    private partial void LogWatchFailed(Exception exception, string provider);

    public void Dispose()
    {
        StopPolling();
        _health.Dispose();
    }
}
