using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Microsoft.Extensions.Logging;
using Instance = Amazon.EC2.Model.Instance;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>
/// Launch, describe, list by tags, terminate and health-check. A launch is RunInstances of one instance in the
/// offer's zone: spot launches ask for a one-time spot instance terminated on interruption, with the request's
/// maximum price; the client token makes a retried launch return the same instance.
/// </summary>
internal sealed partial class AwsCloudAdapter
{
    /// <summary>The tag naming the provider that launched an instance.</summary>
    public const string ProviderTag = "arbitrage:provider";

    /// <summary>The longest client token EC2 accepts.</summary>
    private const int MaxClientTokenLength = 64;

    private readonly ConcurrentDictionary<string, decimal> _launchPrices = new(StringComparer.Ordinal);

    public async Task<CloudInstance> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = RegionOrThrow(request.Region);
        if (string.IsNullOrWhiteSpace(request.ImageId)) throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{Provider}': a launch needs an image (AMI) id.");
        if (request.MaxPricePerHour is <= 0) throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{Provider}': MaxPricePerHour must be positive, not {request.MaxPricePerHour}.");
        await ZonesAsync(request.Region, cancellationToken); // zone names in EC2's answers read as zone IDs
        var tags = Tags(request.Tags);
        var run = new RunInstancesRequest
        {
            ImageId = request.ImageId,
            InstanceType = InstanceType.FindValue(request.InstanceType),
            MinCount = 1,
            MaxCount = 1,
            ClientToken = ClientToken(request.ClientToken),
            TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags },
                new TagSpecification { ResourceType = ResourceType.Volume, Tags = tags },
            ],
        };
        if (_settings.Aws.SubnetsByZone.TryGetValue(request.Zone, out var subnet)) run.SubnetId = subnet;
        else run.Placement = new Placement { AvailabilityZoneId = request.Zone };
        if (_settings.Aws.SecurityGroupIds.Count > 0) run.SecurityGroupIds = [.. _settings.Aws.SecurityGroupIds];
        if (request.Market == Market.Spot)
        {
            run.InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions
                {
                    SpotInstanceType = SpotInstanceType.OneTime,
                    InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate,
                    MaxPrice = request.MaxPricePerHour?.ToString(CultureInfo.InvariantCulture),
                },
            };
        }

        var answer = await CallAsync("RunInstances", () => _ec2[request.Region].RunInstancesAsync(run, cancellationToken));
        var instance = answer.Reservation?.Instances?.FirstOrDefault()
                       ?? throw new CloudException(CloudErrorCode.Unavailable, $"provider '{Provider}': RunInstances answered without an instance.");
        var price = request.Market == Market.Spot
            ? state.Prices.GetValueOrDefault((request.Zone, request.InstanceType))?.PricePerHour ?? request.MaxPricePerHour ?? OnDemandPrice(request.Region, request.InstanceType)
            : OnDemandPrice(request.Region, request.InstanceType);
        _launchPrices[instance.InstanceId] = price;
        LogLaunched(Provider, instance.InstanceId, request.InstanceType, request.Zone, request.Market);
        return ToCloudInstance(request.Region, instance);
    }

    public async Task<CloudInstance?> DescribeInstanceAsync(string instanceId, CancellationToken cancellationToken)
    {
        foreach (var region in _settings.Regions)
        {
            try
            {
                await ZonesAsync(region, cancellationToken);
                var answer = await _ec2[region].DescribeInstancesAsync(new DescribeInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
                if (answer.Reservations?.SelectMany(r => r.Instances ?? []).FirstOrDefault(i => i.InstanceId == instanceId) is { } found) return ToCloudInstance(region, found);
            }
            catch (AmazonServiceException e) when (AwsErrors.IsUnknownInstance(e))
            {
            }
            catch (Exception e) when (AwsErrors.IsCloudFailure(e))
            {
                throw AwsErrors.Map(Provider, "DescribeInstances", e);
            }
        }

        return null;
    }

    public async Task<IReadOnlyList<CloudInstance>> ListTaggedInstancesAsync(IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var filters = tags.Select(t => new Filter($"tag:{t.Key}", [t.Value])).ToList();
        filters.Add(new Filter("instance-state-name", ["pending", "running", "shutting-down", "stopping", "stopped"]));
        var found = new List<CloudInstance>();
        foreach (var region in _settings.Regions)
        {
            await ZonesAsync(region, cancellationToken);
            string? next = null;
            do
            {
                var page = await CallAsync("DescribeInstances", () => _ec2[region].DescribeInstancesAsync(
                    new DescribeInstancesRequest { Filters = filters, MaxResults = 1000, NextToken = next }, cancellationToken));
                found.AddRange(page.Reservations?.SelectMany(r => r.Instances ?? []).Select(i => ToCloudInstance(region, i)) ?? []);
                next = page.NextToken;
            }
            while (!string.IsNullOrEmpty(next));
        }

        return found;
    }

    public async Task TerminateAsync(string instanceId, CancellationToken cancellationToken)
    {
        foreach (var region in _settings.Regions)
        {
            try
            {
                await _ec2[region].TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [instanceId] }, cancellationToken);
                return;
            }
            catch (AmazonServiceException e) when (AwsErrors.IsUnknownInstance(e))
            {
                // Terminated long ago, or in another of the provider's regions.
            }
            catch (Exception e) when (AwsErrors.IsCloudFailure(e))
            {
                throw AwsErrors.Map(Provider, "TerminateInstances", e);
            }
        }
    }

    public async Task<InstanceHealth> CheckHealthAsync(string instanceId, int port, string path, CancellationToken cancellationToken)
    {
        var instance = await DescribeInstanceAsync(instanceId, cancellationToken);
        if (instance is null) throw new CloudException(CloudErrorCode.NotFound, $"provider '{Provider}': instance '{instanceId}' is unknown.");
        if (instance.State != InstanceState.Running || string.IsNullOrEmpty(instance.Address)) return InstanceHealth.Unknown;
        try
        {
            var url = new UriBuilder(Uri.UriSchemeHttp, instance.Address, port, path.StartsWith('/') ? path : "/" + path).Uri;
            using var response = await _health.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.IsSuccessStatusCode ? InstanceHealth.Healthy : InstanceHealth.Unhealthy;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return InstanceHealth.Unhealthy;
        }
    }

    private List<Tag> Tags(IReadOnlyDictionary<string, string>? requested)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal) { [ProviderTag] = Provider };
        foreach (var (key, value) in requested ?? new Dictionary<string, string>()) tags[key] = value;
        return tags.Select(t => new Tag(t.Key, t.Value)).ToList();
    }

    /// <summary>The request's client token, hashed down when longer than EC2 accepts (the same token always gives the same one).</summary>
    private static string ClientToken(string token)
    {
        if (token.Length <= MaxClientTokenLength) return token;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..32];
        return $"{token[..(MaxClientTokenLength - 33)]}-{hash}";
    }

    private decimal OnDemandPrice(string region, string instanceType) => _catalog.FindInRegion(region, instanceType)?.OnDemandPricePerHour ?? 0m;

    private CloudInstance ToCloudInstance(string region, Instance instance)
    {
        var zone = instance.Placement?.AvailabilityZoneId ?? ZoneIdOf(region, instance.Placement?.AvailabilityZone ?? "");
        var type = instance.InstanceType?.Value ?? "";
        var market = instance.InstanceLifecycle?.Value == "spot" ? Market.Spot : Market.OnDemand;
        var price = _launchPrices.TryGetValue(instance.InstanceId, out var launched)
            ? launched
            : market == Market.Spot && _regions.TryGetValue(region, out var state) && state.Prices.TryGetValue((zone, type), out var spot) ? spot.PricePerHour : OnDemandPrice(region, type);
        var stateName = instance.State?.Name?.Value;
        var mapped = stateName switch
        {
            "pending" => InstanceState.Pending,
            "running" => InstanceState.Running,
            "terminated" => InstanceState.Terminated,
            _ => InstanceState.ShuttingDown, // shutting-down, stopping, stopped: on its way out (spot instances here terminate on interruption)
        };
        var tags = instance.Tags?.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        var launchedAt = instance.LaunchTime is { } l ? new DateTimeOffset(DateTime.SpecifyKind(l, DateTimeKind.Utc)) : _time.GetUtcNow();
        return new CloudInstance(
            instance.InstanceId,
            region,
            zone,
            type,
            market,
            mapped,
            price,
            instance.PublicIpAddress ?? instance.PrivateIpAddress,
            launchedAt,
            mapped == InstanceState.Terminated ? _time.GetUtcNow() : null,
            instance.StateReason?.Message ?? (string.IsNullOrEmpty(instance.StateTransitionReason) ? null : instance.StateTransitionReason),
            tags);
    }

    [LoggerMessage(EventId = 7102, Level = LogLevel.Information, Message = "Provider {Provider} launched {InstanceId} ({InstanceType} {Market} in {Zone})")]
    private partial void LogLaunched(string provider, string instanceId, string instanceType, string zone, Market market);
}
