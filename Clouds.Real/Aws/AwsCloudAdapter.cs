using System.Collections.Concurrent;
using System.Globalization;
using Amazon;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.SQS;
using Arbitrage.Orleans.Clouds.Catalog;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Aws;

/// <summary>
/// One AWS provider through the EC2 and SQS APIs (AWSSDK v4): zones from DescribeAvailabilityZones, the catalog from
/// DescribeInstanceTypes and DescribeInstanceTypeOfferings joined with the bundled catalog's on-demand prices, spot
/// prices from DescribeSpotPriceHistory (paged, and incremental from the last poll), launches by RunInstances with
/// one-time spot options, interruption notices from the EventBridge queue. Zones are zone IDs (use1-az4), as in the
/// bundled catalog, since zone names differ per account. One EC2 client per configured region; the SDK retries
/// throttling and 5xx answers with backoff (<see cref="AwsAdapterOptions.MaxErrorRetry"/>).
/// </summary>
internal sealed partial class AwsCloudAdapter : ICloudAdapter, IDisposable
{
    private const string LinuxProduct = "Linux/UNIX";

    private readonly RealCloudSettings _settings;
    private readonly AwsAdapterOptions _options;
    private readonly BundledCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, AmazonEC2Client> _ec2 = new(StringComparer.Ordinal);
    private readonly AmazonSQSClient? _sqs;
    private readonly HttpClient _health;
    private readonly ConcurrentDictionary<string, RegionState> _regions = new(StringComparer.Ordinal);

    public AwsCloudAdapter(RealCloudSettings settings, AWSCredentials? credentials, AwsAdapterOptions options, BundledCatalog catalog, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _options = options;
        _catalog = catalog;
        _time = time;
        _logger = logger;
        foreach (var region in settings.Regions)
        {
            var config = new AmazonEC2Config { RegionEndpoint = RegionEndpoint.GetBySystemName(region) };
            Configure(config, settings.Endpoint("ec2"), region);
            _ec2[region] = credentials is null ? new AmazonEC2Client(config) : new AmazonEC2Client(credentials, config);
            _regions[region] = new RegionState();
        }

        if (settings.Aws.InterruptionQueueUrl is { } queue)
        {
            var queueRegion = QueueRegion(queue) ?? settings.Regions[0];
            var config = new AmazonSQSConfig { RegionEndpoint = RegionEndpoint.GetBySystemName(queueRegion) };
            Configure(config, settings.Endpoint("sqs"), queueRegion);
            _sqs = credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
        }

        _health = new HttpClient { Timeout = options.HealthCheckTimeout };
        LaunchApis = [new LaunchApi("RunInstances", SupportsSpot: true, SupportsOnDemand: true, MaxInstances: 1, SupportsMaxPrice: true)];
    }

    public CloudKind Cloud => CloudKind.Aws;

    public IReadOnlyList<LaunchApi> LaunchApis { get; }

    private string Provider => _settings.Name;

    public async Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken)
    {
        var regions = new List<CloudRegion>();
        foreach (var region in _settings.Regions)
        {
            var zones = await ZonesAsync(region, cancellationToken);
            regions.Add(new CloudRegion(region, zones.Values.Distinct().Order(StringComparer.Ordinal).ToList(), zones));
        }

        return regions;
    }

    /// <summary>DescribeAvailabilityZones in the first region (the zones are cached for everything else).</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var region = _settings.Regions[0];
        await CallAsync("DescribeAvailabilityZones", () => _ec2[region].DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest(), cancellationToken));
    }

    public async Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken)
    {
        var state = RegionOrThrow(region);
        if (state.Catalog is { } cached && _time.GetUtcNow() - cached.At < _options.CatalogRefresh) return cached.Offers;
        var ec2 = _ec2[region];
        var shapes = new Dictionary<string, InstanceTypeInfo>(StringComparer.Ordinal);
        string? next = null;
        do
        {
            var page = await CallAsync("DescribeInstanceTypes", () => ec2.DescribeInstanceTypesAsync(new DescribeInstanceTypesRequest { MaxResults = 100, NextToken = next }, cancellationToken));
            foreach (var type in page.InstanceTypes ?? []) shapes[type.InstanceType.Value] = type;
            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        var offers = new List<InstanceTypeOffer>();
        do
        {
            var page = await CallAsync("DescribeInstanceTypeOfferings", () => ec2.DescribeInstanceTypeOfferingsAsync(
                new DescribeInstanceTypeOfferingsRequest { LocationType = LocationType.AvailabilityZoneId, MaxResults = 1000, NextToken = next }, cancellationToken));
            foreach (var offering in page.InstanceTypeOfferings ?? [])
            {
                if (!shapes.TryGetValue(offering.InstanceType.Value, out var shape)) continue;
                offers.Add(Offer(region, offering.Location, shape));
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        state.Catalog = new CatalogSnapshot(_time.GetUtcNow(), offers);
        return offers;
    }

    public async Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken)
    {
        var state = RegionOrThrow(region);
        var ec2 = _ec2[region];
        // From the last poll on: EC2 answers the prices set since then plus each market's price in force at that time.
        var since = state.LastPricePoll ?? _time.GetUtcNow();
        var polledAt = _time.GetUtcNow();
        string? next = null;
        var zones = await ZonesAsync(region, cancellationToken);
        do
        {
            var page = await CallAsync("DescribeSpotPriceHistory", () => ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest
            {
                StartTime = since.UtcDateTime,
                ProductDescriptions = [LinuxProduct],
                MaxResults = 1000,
                NextToken = next,
            }, cancellationToken));
            foreach (var price in page.SpotPriceHistory ?? [])
            {
                if (!decimal.TryParse(price.Price, NumberStyles.Number, CultureInfo.InvariantCulture, out var perHour)) continue;
                var zone = price.AvailabilityZoneId ?? zones.GetValueOrDefault(price.AvailabilityZone ?? "") ?? price.AvailabilityZone ?? "";
                var at = price.Timestamp is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : polledAt;
                var key = (zone, price.InstanceType.Value);
                if (!state.Prices.TryGetValue(key, out var known) || known.Timestamp <= at) state.Prices[key] = new SpotPrice(region, zone, price.InstanceType.Value, perHour, at);
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        state.LastPricePoll = polledAt;
        return state.Prices.Values.ToList();
    }

    /// <summary>
    /// DescribeSpotPriceHistory for one instance type (Linux/UNIX) from <see cref="SpotPriceHistoryQuery.From"/> to
    /// <see cref="SpotPriceHistoryQuery.To"/>, in one zone (asked by its name in this account) or all, page by page.
    /// EC2 answers newest first and includes each market's price in force at the start (with its earlier timestamp);
    /// the answer is per zone ID, oldest first. EC2 keeps 90 days of history.
    /// </summary>
    public async Task<IReadOnlyList<SpotPrice>> GetSpotPriceHistoryAsync(SpotPriceHistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        RegionOrThrow(query.Region);
        var ec2 = _ec2[query.Region];
        var zones = await ZonesAsync(query.Region, cancellationToken);
        string? zoneName = null;
        if (query.Zone is not null)
        {
            zoneName = zones.FirstOrDefault(z => z.Value == query.Zone).Key
                       ?? (zones.ContainsKey(query.Zone) ? query.Zone : throw new CloudException(CloudErrorCode.InvalidRequest,
                           $"provider '{Provider}': zone '{query.Zone}' is not one of region {query.Region}'s zones ({string.Join(", ", zones.Values.Order())})."));
        }

        var prices = new List<SpotPrice>();
        string? next = null;
        do
        {
            var page = await CallAsync("DescribeSpotPriceHistory", () => ec2.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest
            {
                StartTime = query.From.UtcDateTime,
                EndTime = query.To.UtcDateTime,
                InstanceTypes = [query.InstanceType],
                ProductDescriptions = [LinuxProduct],
                AvailabilityZone = zoneName,
                MaxResults = 1000,
                NextToken = next,
            }, cancellationToken));
            foreach (var price in page.SpotPriceHistory ?? [])
            {
                if (price.Timestamp is not { } t || !decimal.TryParse(price.Price, NumberStyles.Number, CultureInfo.InvariantCulture, out var perHour)) continue;
                var zone = price.AvailabilityZoneId ?? zones.GetValueOrDefault(price.AvailabilityZone ?? "") ?? price.AvailabilityZone ?? "";
                prices.Add(new SpotPrice(query.Region, zone, price.InstanceType?.Value ?? query.InstanceType, perHour, new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc))));
            }

            next = page.NextToken;
        }
        while (!string.IsNullOrEmpty(next));

        return prices.OrderBy(p => p.Zone, StringComparer.Ordinal).ThenBy(p => p.Timestamp).ToList();
    }

    public void Dispose()
    {
        StopPolling();
        foreach (var client in _ec2.Values) client.Dispose();
        _sqs?.Dispose();
        _health.Dispose();
    }

    private InstanceTypeOffer Offer(string region, string zone, InstanceTypeInfo shape)
    {
        var type = shape.InstanceType.Value;
        var bundled = _catalog.Find(region, zone, type);
        var onDemand = (bundled?.OnDemandPricePerHour is not null ? bundled : _catalog.FindInRegion(region, type))?.OnDemandPricePerHour;
        var gpu = shape.GpuInfo?.Gpus?.FirstOrDefault();
        var spot = shape.SupportedUsageClasses?.Contains("spot") ?? false;
        return new InstanceTypeOffer(
            type,
            region,
            zone,
            shape.VCpuInfo?.DefaultVCpus ?? 0,
            (shape.MemoryInfo?.SizeInMiB ?? 0) / 1024.0,
            gpu?.Name,
            gpu?.Count ?? 0,
            onDemand,
            spot,
            bundled?.InterruptionRate ?? 0.075,
            bundled?.AvailabilityScore ?? 2.0 / 3.0);
    }

    /// <summary>The region's zones, zone name → zone ID (asked once: zone names are fixed for an account).</summary>
    private async Task<IReadOnlyDictionary<string, string>> ZonesAsync(string region, CancellationToken cancellationToken)
    {
        var state = RegionOrThrow(region);
        if (state.Zones is { } zones) return zones;
        var answer = await CallAsync("DescribeAvailabilityZones", () => _ec2[region].DescribeAvailabilityZonesAsync(new DescribeAvailabilityZonesRequest(), cancellationToken));
        zones = (answer.AvailabilityZones ?? [])
            .Where(z => z.ZoneType is null or "availability-zone" && z.State?.Value is null or "available")
            .ToDictionary(z => z.ZoneName, z => z.ZoneId, StringComparer.Ordinal);
        state.Zones = zones;
        return zones;
    }

    private string ZoneIdOf(string region, string zoneName) =>
        _regions.TryGetValue(region, out var state) && state.Zones?.GetValueOrDefault(zoneName) is { } id ? id : zoneName;

    private RegionState RegionOrThrow(string region) =>
        _regions.TryGetValue(region, out var state)
            ? state
            : throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{Provider}': region '{region}' is not one of its regions ({string.Join(", ", _settings.Regions)}).");

    /// <summary>Calls AWS, reading its errors as <see cref="CloudException"/>s (the SDK has already retried what it may).</summary>
    private async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (AwsErrors.IsCloudFailure(e))
        {
            var mapped = AwsErrors.Map(Provider, operation, e);
            LogCallFailed(Provider, operation, mapped.Code, e.Message);
            throw mapped;
        }
    }

    private void Configure(ClientConfig config, Uri? endpoint, string region)
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = _options.MaxErrorRetry;
        config.Timeout = _options.RequestTimeout;
        if (endpoint is null) return;
        config.ServiceURL = endpoint.ToString();
        config.AuthenticationRegion = region;
    }

    /// <summary>The region of an SQS queue URL (https://sqs.us-east-1.amazonaws.com/…), or null for another host.</summary>
    private static string? QueueRegion(string queueUrl)
    {
        var host = new Uri(queueUrl).Host.Split('.');
        return host.Length >= 4 && host[0] == "sqs" && RegionEndpoint.EnumerableAllRegions.Any(r => r.SystemName == host[1]) ? host[1] : null;
    }

    [LoggerMessage(EventId = 7101, Level = LogLevel.Warning, Message = "Provider {Provider}: {Operation} failed ({Code}): {Reason}")]
    private partial void LogCallFailed(string provider, string operation, CloudErrorCode code, string reason);

    private sealed record CatalogSnapshot(DateTimeOffset At, IReadOnlyList<InstanceTypeOffer> Offers);

    /// <summary>What the adapter keeps per region: its zones, catalog, the latest spot price per market and when prices were last polled.</summary>
    private sealed class RegionState
    {
        public IReadOnlyDictionary<string, string>? Zones { get; set; }
        public CatalogSnapshot? Catalog { get; set; }
        public ConcurrentDictionary<(string Zone, string Type), SpotPrice> Prices { get; } = new();
        public DateTimeOffset? LastPricePoll { get; set; }
    }
}
