using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>Launch, describe, list by labels, delete and health checks of the provider's VMs.</summary>
internal sealed partial class GcpCloudAdapter
{
    /// <summary>
    /// Inserts a spot (or standard) VM named after the request's client token, so a retried launch meets the VM the
    /// first attempt made (409 alreadyExists) and the insert's requestId makes the call itself idempotent; then follows
    /// the zone operation: capacity and quota errors arrive there.
    /// </summary>
    public async Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        if (!_settings.Regions.Contains(request.Region) && _settings.Regions.Count > 0)
        {
            throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{_settings.Name}': region '{request.Region}' is not in the provider's regions");
        }

        if (!request.Zone.StartsWith(request.Region + "-", StringComparison.Ordinal))
        {
            throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{_settings.Name}': zone '{request.Zone}' is not in region '{request.Region}'");
        }

        string name = InstanceName(request.Zone, request.ClientToken);
        string zonePath = $"{_api.ProjectPath}/zones/{Uri.EscapeDataString(request.Zone)}";
        var body = new GcpInstance
        {
            Name = name,
            MachineType = $"zones/{request.Zone}/machineTypes/{request.InstanceType}",
            Labels = GcpLabels.ToLabels(request.Tags),
            Scheduling = request.Market == Market.Spot
                ? new GcpScheduling("SPOT", "DELETE", AutomaticRestart: false, OnHostMaintenance: "TERMINATE")
                : new GcpScheduling("STANDARD", null, AutomaticRestart: true, OnHostMaintenance: "MIGRATE"),
            Disks = [new GcpAttachedDisk(Boot: true, AutoDelete: true, new GcpInitializeParams(SourceImage(request.ImageId)))],
            NetworkInterfaces = [new GcpNetworkInterface(_settings.Gcp.Network, _settings.Gcp.Subnetwork, null, [new GcpAccessConfig("ONE_TO_ONE_NAT", "External NAT", null)])],
            ServiceAccounts = _settings.Gcp.ServiceAccountEmail is { } email ? [new GcpServiceAccount(email, [GoogleTokenSource.Scope])] : null,
        };
        _instanceTypes[name] = request.InstanceType;
        // 409 alreadyExists: a launch retried with the same client token; the VM the first attempt made is described below.
        var operation = await _api.WriteAsync(HttpMethod.Post, $"{zonePath}/instances?requestId={RequestId(request.ClientToken, "insert")}",
            JsonSerializer.Serialize(body, GcpJson.Default.GcpInstance), GcpJson.Default.GcpOperation, "instances.insert", cancellationToken, nullOn: HttpStatusCode.Conflict);
        if (operation is null) LogRelaunch(_logger, _settings.Name, name);
        if (operation is not null) await FollowAsync(zonePath, operation, "instances.insert", cancellationToken);
        var instance = await DescribeInstanceAsync(name, cancellationToken);
        if (instance is not null) return instance;

        var price = await PriceOrZeroAsync(request.Region, request.Zone, request.InstanceType, request.Market == Market.Spot, cancellationToken);
        return new CloudInstance(name, request.Region, request.Zone, request.InstanceType, request.Market, InstanceState.Pending, price, null,
            _time.GetUtcNow(), null, "insert accepted; the VM is not visible yet", GcpLabels.ToTags(body.Labels));
    }

    public async Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (ZoneOf(instanceId) is not { } zone) return null;
        var instance = await _api.GetAsync(_api.Compute, $"{_api.ProjectPath}/zones/{zone}/instances/{instanceId}", GcpJson.Default.GcpInstance,
            "instances.get", cancellationToken, notFoundIsNull: true);
        return instance is null ? null : await ToCloudInstanceAsync(instance, cancellationToken);
    }

    /// <summary>instances.aggregatedList filtered on the labels of <paramref name="tags"/>, in the provider's regions, not yet terminated.</summary>
    public async Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        var labels = GcpLabels.ToLabels(tags);
        string filter = string.Join(" ", labels.Select(l => $"(labels.{l.Key} = \"{l.Value}\")"));
        var found = new List<CloudInstance>();
        string? page = null;
        do
        {
            string path = $"{_api.ProjectPath}/aggregated/instances?maxResults=500" + (filter.Length > 0 ? "&filter=" + Uri.EscapeDataString(filter) : "")
                + (page is null ? "" : "&pageToken=" + Uri.EscapeDataString(page));
            var list = await _api.GetAsync(_api.Compute, path, GcpJson.Default.GcpAggregatedInstances, "instances.aggregatedList", cancellationToken);
            foreach (var instance in (list!.Items ?? new Dictionary<string, GcpInstancesScope>()).Values.SelectMany(s => s.Instances ?? []))
            {
                var labelled = instance.Labels ?? new Dictionary<string, string>();
                if (!labels.All(l => labelled.TryGetValue(l.Key, out var v) && v == l.Value)) continue;
                var described = await ToCloudInstanceAsync(instance, cancellationToken);
                if (described.State == InstanceState.Terminated) continue;
                if (_settings.Regions.Count > 0 && !_settings.Regions.Contains(described.Region)) continue;
                found.Add(described);
            }

            page = string.IsNullOrEmpty(list.NextPageToken) ? null : list.NextPageToken;
        }
        while (page is not null);
        return found;
    }

    /// <summary>instances.delete; a VM already gone (404) is not an error. Does not wait for the delete operation.</summary>
    public async Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        if (ZoneOf(instanceId) is not { } zone) return;
        await _api.WriteAsync(HttpMethod.Delete, $"{_api.ProjectPath}/zones/{zone}/instances/{instanceId}?requestId={RequestId(instanceId, "delete")}", null,
            GcpJson.Default.GcpOperation, "instances.delete", cancellationToken, nullOn: HttpStatusCode.NotFound);
    }

    /// <summary>An HTTP GET of <paramref name="path"/> on the VM's external (else internal) address; Unknown while it is not running.</summary>
    public async Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken)
    {
        var instance = await DescribeInstanceAsync(instanceId, cancellationToken);
        if (instance is not { State: InstanceState.Running, Address: { } address }) return InstanceHealth.Unknown;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HealthCheckTimeout);
        try
        {
            var uri = new UriBuilder(Uri.UriSchemeHttp, address, port, path).Uri;
            using var response = await _http.GetAsync(uri, timeout.Token);
            return response.IsSuccessStatusCode ? InstanceHealth.Healthy : InstanceHealth.Unhealthy;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return InstanceHealth.Unhealthy;
        }
    }

    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Polls the zone operation until DONE (zoneOperations.get), for at most gcp.operationTimeout; its errors become CloudExceptions.</summary>
    private async Task FollowAsync(string zonePath, GcpOperation operation, string what, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _settings.Gcp.OperationTimeout;
        while (operation.Status != "DONE")
        {
            if (_time.GetUtcNow() >= deadline)
            {
                LogOperationTimedOut(_logger, _settings.Name, operation.Name);
                return;
            }

            await Task.Delay(_settings.Gcp.OperationPollInterval, _time, cancellationToken);
            operation = await _api.GetAsync(_api.Compute, $"{zonePath}/operations/{Uri.EscapeDataString(operation.Name)}", GcpJson.Default.GcpOperation,
                "zoneOperations.get", cancellationToken) ?? operation;
        }

        if (operation.Error is { Errors.Count: > 0 }) throw GcpErrors.FromOperation(_settings.Name, what, operation);
    }

    private async Task<CloudInstance> ToCloudInstanceAsync(GcpInstance instance, CancellationToken cancellationToken)
    {
        string zone = LastSegment(instance.Zone ?? ZoneOf(instance.Name) ?? "");
        string region = RegionOf(zone);
        string type = LastSegment(instance.MachineType ?? "");
        _instanceTypes[instance.Name] = type;
        bool spot = instance.Scheduling?.ProvisioningModel == "SPOT";
        var state = instance.Status switch
        {
            "PROVISIONING" or "STAGING" or "REPAIRING" => InstanceState.Pending,
            "RUNNING" => InstanceState.Running,
            "STOPPING" or "SUSPENDING" => InstanceState.ShuttingDown,
            _ => InstanceState.Terminated,
        };
        var nic = instance.NetworkInterfaces?.FirstOrDefault();
        string? address = nic?.AccessConfigs?.FirstOrDefault(a => !string.IsNullOrEmpty(a.NatIP))?.NatIP ?? nic?.NetworkIP;
        var launchedAt = ParseTime(instance.CreationTimestamp) ?? _time.GetUtcNow();
        var price = await PriceOrZeroAsync(region, zone, type, spot, cancellationToken);
        return new CloudInstance(instance.Name, region, zone, type, spot ? Market.Spot : Market.OnDemand, state, price,
            string.IsNullOrEmpty(address) ? null : address, launchedAt, state == InstanceState.Terminated ? ParseTime(instance.LastStopTimestamp) ?? _time.GetUtcNow() : null,
            instance.StatusMessage ?? instance.Status, GcpLabels.ToTags(instance.Labels));
    }

    /// <summary>The machine type's price from the Billing Catalog; 0 when it is not priced (a family the price book does not read) or prices are unreachable.</summary>
    private async Task<decimal> PriceOrZeroAsync(string region, string zone, string type, bool spot, CancellationToken cancellationToken)
    {
        try
        {
            var shape = (await MachineTypesAsync(zone, cancellationToken)).FirstOrDefault(t => t.Name == type);
            if (shape is null) return 0;
            return (await PricesAsync(cancellationToken)).PriceOf(region, type, shape.GuestCpus, shape.MemoryMb / 1024.0, spot)?.Price ?? 0;
        }
        catch (CloudException e)
        {
            LogPriceUnknown(_logger, _settings.Name, type, zone, e.Message);
            return 0;
        }
    }

    private string SourceImage(string imageId) =>
        string.IsNullOrWhiteSpace(imageId) ? _settings.Gcp.DefaultImage
        : imageId.Contains('/', StringComparison.Ordinal) ? imageId
        : $"projects/{Project}/global/images/{imageId}";

    /// <summary><c>arb-{zone}-{10 hex of the client token's hash}</c>: a valid VM name (≤ 63 characters) that says its zone.</summary>
    internal static string InstanceName(string zone, string clientToken) =>
        $"arb-{zone}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientToken)))[..10]}";

    internal static string? ZoneOf(string instanceId) => InstanceNamePattern().Match(instanceId) is { Success: true } m ? m.Groups["zone"].Value : null;

    internal static string RegionOf(string zone) => zone.LastIndexOf('-') is > 0 and var dash ? zone[..dash] : zone;

    /// <summary>A UUID (what requestId must be) derived from the token, so a retried call carries the same one.</summary>
    private static string RequestId(string token, string call) => new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(call + ":" + token))[..16]).ToString();

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    [GeneratedRegex(@"^arb-(?<zone>[a-z]+-[a-z]+[0-9]+-[a-z])-[0-9a-f]{10}$", RegexOptions.CultureInvariant)]
    private static partial Regex InstanceNamePattern();

    [LoggerMessage(EventId = 1303, Level = LogLevel.Information, Message = "Provider {Provider}: VM {Instance} already exists (a retried launch); describing it")]
    private static partial void LogRelaunch(ILogger logger, string provider, string instance);

    [LoggerMessage(EventId = 1304, Level = LogLevel.Warning, Message = "Provider {Provider}: operation {Operation} not done within gcp.operationTimeout; the VM is reported as pending")]
    private static partial void LogOperationTimedOut(ILogger logger, string provider, string operation);

    [LoggerMessage(EventId = 1305, Level = LogLevel.Warning, Message = "Provider {Provider}: no price for {InstanceType} in {Zone}: {Reason}")]
    private static partial void LogPriceUnknown(ILogger logger, string provider, string instanceType, string zone, string reason);
}
