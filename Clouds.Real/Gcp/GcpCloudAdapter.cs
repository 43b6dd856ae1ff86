using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// One GCP provider over the Compute Engine REST API v1 and the Cloud Billing Catalog API: regions and zones
/// (regions.get), machine types (machineTypes.list per zone), prices (Compute Engine SKUs, paged), spot VMs
/// (instances.insert with provisioningModel SPOT and instanceTerminationAction DELETE, followed to the end of their
/// zone operation), describe, list by labels, delete, and preemption notices (zone operations of type
/// <c>compute.instances.preempted</c>, polled). An instance id is the VM's name, which carries its zone.
/// </summary>
internal sealed partial class GcpCloudAdapter : ICloudAdapter
{
    /// <summary>What GCP gives a spot VM between the preemption notice and its stop.</summary>
    public static readonly TimeSpan PreemptionNotice = TimeSpan.FromSeconds(30);

    private readonly RealCloudSettings _settings;
    private readonly GcpApi _api;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _priceLock = new(1, 1);
    private readonly ConcurrentDictionary<string, IReadOnlyList<GcpMachineType>> _machineTypes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CloudRegion> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _instanceTypes = new(StringComparer.Ordinal);
    private GcpPriceBook? _prices;

    public GcpCloudAdapter(RealCloudSettings settings, IGcpTokenSource tokens, HttpClient http, TimeProvider time, ILogger logger)
    {
        _settings = settings;
        _http = http;
        _time = time;
        _logger = logger;
        _api = new GcpApi(settings, tokens, http, time, logger);
    }

    public CloudKind Cloud => CloudKind.Gcp;

    public IReadOnlyList<LaunchApi> LaunchApis { get; } = [new LaunchApi("instances.insert", SupportsSpot: true, SupportsOnDemand: true, MaxInstances: 1)];

    private string Project => _settings.Gcp.Project!;

    public async Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken)
    {
        IEnumerable<string> names = _settings.Regions;
        if (_settings.Regions.Count == 0)
        {
            var all = await ListAllAsync(_api.Compute, $"{_api.ProjectPath}/regions", GcpJson.Default.GcpListGcpRegion, "regions.list", cancellationToken);
            foreach (var region in all) _regions[region.Name] = ToRegion(region);
            names = all.Select(r => r.Name);
        }

        var regions = new List<CloudRegion>();
        foreach (var name in names) regions.Add(await GetRegionAsync(name, cancellationToken));
        return regions;
    }

    /// <summary>regions.get of the first configured region (regions.list without one), past the cache.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        if (_settings.Regions.Count == 0)
        {
            await ListAllAsync(_api.Compute, $"{_api.ProjectPath}/regions", GcpJson.Default.GcpListGcpRegion, "regions.list", cancellationToken);
            return;
        }

        await GetRegionAsync(_settings.Regions[0], cancellationToken, fresh: true);
    }

    public async Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken)
    {
        var prices = await PricesAsync(cancellationToken);
        var offers = new List<InstanceTypeOffer>();
        foreach (var zone in (await GetRegionAsync(region, cancellationToken)).Zones)
        {
            foreach (var type in await MachineTypesAsync(zone, cancellationToken))
            {
                if (GcpPriceBook.FamilyOf(type.Name) is null) continue;
                double memory = type.MemoryMb / 1024.0;
                var onDemand = prices.PriceOf(region, type.Name, type.GuestCpus, memory, spot: false);
                var spot = prices.PriceOf(region, type.Name, type.GuestCpus, memory, spot: true);
                var gpu = type.Accelerators?.FirstOrDefault();
                offers.Add(new InstanceTypeOffer(type.Name, region, zone, type.GuestCpus, memory, gpu?.GuestAcceleratorType, gpu?.GuestAcceleratorCount ?? 0,
                    onDemand?.Price, spot is not null, AssumedMonthlyPreemption, AssumedAvailability));
            }
        }

        return offers;
    }

    /// <summary>GCP publishes no preemption rate or placement score; the adapter assumes these (documented in docs/CLOUDS.md).</summary>
    private const double AssumedMonthlyPreemption = 0.1, AssumedAvailability = 0.5;

    public async Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken)
    {
        var prices = await PricesAsync(cancellationToken, refresh: true);
        var spotPrices = new List<SpotPrice>();
        foreach (var zone in (await GetRegionAsync(region, cancellationToken)).Zones)
        {
            foreach (var type in await MachineTypesAsync(zone, cancellationToken))
            {
                if (prices.PriceOf(region, type.Name, type.GuestCpus, type.MemoryMb / 1024.0, spot: true) is { } spot)
                {
                    spotPrices.Add(new SpotPrice(region, zone, type.Name, spot.Price, spot.Effective));
                }
            }
        }

        return spotPrices;
    }

    private async Task<CloudRegion> GetRegionAsync(string name, CancellationToken cancellationToken, bool fresh = false)
    {
        if (!fresh && _regions.TryGetValue(name, out var known)) return known;
        var region = await _api.GetAsync(_api.Compute, $"{_api.ProjectPath}/regions/{Uri.EscapeDataString(name)}", GcpJson.Default.GcpRegion, "regions.get", cancellationToken, notFoundIsNull: true)
            ?? throw new CloudException(CloudErrorCode.InvalidRequest, $"provider '{_settings.Name}': GCP has no region '{name}' for project '{Project}'");
        return _regions[name] = ToRegion(region);
    }

    private static CloudRegion ToRegion(GcpRegion region) => new(region.Name, (region.Zones ?? []).Select(LastSegment).Order(StringComparer.Ordinal).ToList());

    private async Task<IReadOnlyList<GcpMachineType>> MachineTypesAsync(string zone, CancellationToken cancellationToken)
    {
        if (_machineTypes.TryGetValue(zone, out var known)) return known;
        var types = await ListAllAsync(_api.Compute, $"{_api.ProjectPath}/zones/{Uri.EscapeDataString(zone)}/machineTypes", GcpJson.Default.GcpListGcpMachineType, "machineTypes.list", cancellationToken);
        return _machineTypes[zone] = types;
    }

    /// <summary>The Compute Engine SKUs of the Cloud Billing Catalog, read again when older than gcp.priceRefreshInterval (or when <paramref name="refresh"/> and a minute old).</summary>
    private async Task<GcpPriceBook> PricesAsync(CancellationToken cancellationToken, bool refresh = false)
    {
        var now = _time.GetUtcNow();
        bool Fresh(GcpPriceBook? book) => book is not null && now - book.LoadedAt < (refresh ? TimeSpan.FromMinutes(1) : _settings.Gcp.PriceRefreshInterval);
        if (Fresh(_prices)) return _prices!;
        await _priceLock.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_prices)) return _prices!;
            var book = new GcpPriceBook(now);
            string? page = null;
            do
            {
                string path = $"v1/services/{GcpPriceBook.ComputeService}/skus?currencyCode=USD&pageSize=5000" + (page is null ? "" : "&pageToken=" + Uri.EscapeDataString(page));
                var skus = await _api.GetAsync(_api.Billing, path, GcpJson.Default.BillingSkuPage, "services.skus.list", cancellationToken)!;
                foreach (var sku in skus!.Skus ?? []) book.Add(sku);
                page = string.IsNullOrEmpty(skus.NextPageToken) ? null : skus.NextPageToken;
            }
            while (page is not null);
            LogPricesRead(_logger, _settings.Name, book.SkusRead);
            return _prices = book;
        }
        finally
        {
            _priceLock.Release();
        }
    }

    private async Task<List<T>> ListAllAsync<T>(Uri service, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<GcpList<T>> type, string what, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        string? page = null;
        do
        {
            string separator = path.Contains('?') ? "&" : "?";
            var list = await _api.GetAsync(service, page is null ? path : $"{path}{separator}pageToken={Uri.EscapeDataString(page)}", type, what, cancellationToken);
            all.AddRange(list!.Items ?? []);
            page = string.IsNullOrEmpty(list.NextPageToken) ? null : list.NextPageToken;
        }
        while (page is not null);
        return all;
    }

    internal static string LastSegment(string url) => url[(url.TrimEnd('/').LastIndexOf('/') + 1)..];

    [LoggerMessage(EventId = 1302, Level = LogLevel.Information, Message = "Provider {Provider}: read {Skus} Compute Engine SKUs from the Cloud Billing Catalog")]
    private static partial void LogPricesRead(ILogger logger, string provider, int skus);
}
