using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.ResourceManager.Compute;
using Azure.ResourceManager.Compute.Models;
using Azure.ResourceManager.Resources;

namespace Arbitrage.Orleans.Clouds.Real.Azure;

/// <summary>
/// The market side: regions and zones and VM sizes from the Compute resource SKUs of each region (ARM), spot and
/// on-demand prices from the Azure Retail Prices API (unauthenticated, OData-filtered, paged by NextPageLink).
/// </summary>
public sealed partial class AzureCloudAdapter
{
    /// <summary>Resource SKUs change rarely; they are read once an hour per region.</summary>
    private static readonly TimeSpan SkuLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, (DateTimeOffset At, IReadOnlyList<ComputeResourceSku> Skus)> _skus = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Region, string Size), decimal> _lastSpot = new();
    private HttpPipeline? _pricesPipeline;

    public async Task<IReadOnlyList<CloudRegion>> ListRegionsAsync(CancellationToken cancellationToken)
    {
        var names = _settings.Regions.Count > 0 ? _settings.Regions : await Call("list regions", async () =>
        {
            var found = new List<string>();
            await foreach (var location in Subscription.GetLocationsAsync(cancellationToken: cancellationToken)) found.Add(location.Name);
            return (IReadOnlyList<string>)found;
        });

        var regions = new List<CloudRegion>();
        foreach (var region in names)
        {
            var zones = (await SkusAsync(region, cancellationToken)).SelectMany(s => ZonesOf(s, region)).Distinct().Order().ToList();
            regions.Add(new CloudRegion(region, zones.Count > 0 ? zones : [region]));
        }

        return regions;
    }

    /// <summary>The subscription's locations (one small ARM call; the SKUs and prices stay cached).</summary>
    public Task ProbeAsync(CancellationToken cancellationToken) => Call("list regions", async () =>
    {
        await foreach (var _ in Subscription.GetLocationsAsync(cancellationToken: cancellationToken)) break;
        return true;
    });

    public async Task<IReadOnlyList<InstanceTypeOffer>> DescribeInstanceTypesAsync(string region, CancellationToken cancellationToken)
    {
        var skus = await SkusAsync(region, cancellationToken);
        var onDemand = await RetailPricesAsync(region, spot: false, cancellationToken);
        var offers = new List<InstanceTypeOffer>();
        foreach (var sku in skus)
        {
            if (sku.Restrictions.Any(r => r.RestrictionsType == ComputeResourceSkuRestrictionsType.Location)) continue;
            int vcpus = (int)Capability(sku, "vCPUs");
            double memory = Capability(sku, "MemoryGB");
            int gpus = (int)Capability(sku, "GPUs");
            bool spot = string.Equals(CapabilityText(sku, "LowPriorityCapable"), "True", StringComparison.OrdinalIgnoreCase);
            decimal? price = onDemand.TryGetValue(sku.Name, out var p) ? p : null;
            var zones = ZonesOf(sku, region).ToList();
            // Azure publishes eviction rates only through Azure Resource Graph; until it is read, each market gets a neutral estimate.
            foreach (var zone in zones.Count > 0 ? zones : [region])
            {
                offers.Add(new InstanceTypeOffer(sku.Name, region, zone, vcpus, memory, null, gpus, price, spot, InterruptionRate: 0.1, AvailabilityScore: 0.5));
            }
        }

        return offers;
    }

    public async Task<IReadOnlyList<SpotPrice>> GetSpotPricesAsync(string region, CancellationToken cancellationToken)
    {
        var skus = (await SkusAsync(region, cancellationToken)).ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        var spot = await RetailPricesAsync(region, spot: true, cancellationToken);
        var now = _options.TimeProvider.GetUtcNow();
        var prices = new List<SpotPrice>();
        foreach (var (size, price) in spot)
        {
            _lastSpot[(region.ToLowerInvariant(), size.ToLowerInvariant())] = price;
            // Azure prices a spot size per region; each of its zones gets the region's price.
            var zones = skus.TryGetValue(size, out var sku) ? ZonesOf(sku, region).ToList() : [];
            foreach (var zone in zones.Count > 0 ? zones : [region]) prices.Add(new SpotPrice(region, zone, size, price, now));
        }

        return prices;
    }

    private async Task<IReadOnlyList<ComputeResourceSku>> SkusAsync(string region, CancellationToken cancellationToken)
    {
        var now = _options.TimeProvider.GetUtcNow();
        if (_skus.TryGetValue(region, out var cached) && now - cached.At < SkuLifetime) return cached.Skus;
        var skus = await Call("list resource SKUs", async () =>
        {
            var found = new List<ComputeResourceSku>();
            await foreach (var sku in Subscription.GetComputeResourceSkusAsync($"location eq '{region}'", cancellationToken: cancellationToken))
            {
                if (string.Equals(sku.ResourceType, "virtualMachines", StringComparison.OrdinalIgnoreCase)) found.Add(sku);
            }

            return (IReadOnlyList<ComputeResourceSku>)found;
        });
        _skus[region] = (now, skus);
        return skus;
    }

    private static IEnumerable<string> ZonesOf(ComputeResourceSku sku, string region)
    {
        var restricted = sku.Restrictions.Where(r => r.RestrictionsType == ComputeResourceSkuRestrictionsType.Zone)
            .SelectMany(r => r.RestrictionInfo?.Zones ?? []).ToHashSet();
        return sku.LocationInfo.Where(l => string.Equals(l.Location.ToString(), region, StringComparison.OrdinalIgnoreCase))
            .SelectMany(l => l.Zones).Where(z => !restricted.Contains(z)).Select(z => $"{region}-{z}");
    }

    private static string? CapabilityText(ComputeResourceSku sku, string name) =>
        sku.Capabilities.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;

    private static double Capability(ComputeResourceSku sku, string name) =>
        double.TryParse(CapabilityText(sku, name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : 0;

    /// <summary>
    /// Linux pay-as-you-go hourly prices of the region's VM sizes from the Retail Prices API: the spot meters
    /// (<c>meterName</c> containing 'Spot') or the regular ones (neither Spot nor Low Priority). Follows NextPageLink.
    /// </summary>
    private async Task<Dictionary<string, decimal>> RetailPricesAsync(string region, bool spot, CancellationToken cancellationToken)
    {
        string filter = $"serviceName eq 'Virtual Machines' and armRegionName eq '{region}' and priceType eq 'Consumption'" + (spot ? " and contains(meterName, 'Spot')" : "");
        Uri? next = new($"{_prices}?api-version=2023-01-01-preview&$filter={Uri.EscapeDataString(filter)}");
        var prices = new Dictionary<string, (decimal Price, DateTimeOffset Since)>(StringComparer.OrdinalIgnoreCase);
        int pages = 0;
        while (next is not null)
        {
            if (++pages > 1000) throw new CloudException(CloudErrorCode.Unavailable, $"Azure provider '{_settings.Name}' (prices): the Retail Prices API kept paging beyond 1000 pages.");
            using var page = await Call("prices", () => GetJsonAsync(next, cancellationToken));
            var root = page.RootElement;
            if (!root.TryGetProperty("Items", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new CloudException(CloudErrorCode.Unavailable, $"Azure provider '{_settings.Name}' (prices): the Retail Prices API answered without Items.");
            }

            foreach (var item in items.EnumerateArray())
            {
                string size = Text(item, "armSkuName");
                string meter = Text(item, "meterName");
                string product = Text(item, "productName");
                if (size.Length == 0 || Text(item, "unitOfMeasure") != "1 Hour" || product.Contains("Windows", StringComparison.OrdinalIgnoreCase)) continue;
                bool isSpot = meter.Contains("Spot", StringComparison.OrdinalIgnoreCase);
                if (isSpot != spot || meter.Contains("Low Priority", StringComparison.OrdinalIgnoreCase)) continue;
                if (!item.TryGetProperty("retailPrice", out var priceElement) || !priceElement.TryGetDecimal(out var price) || price <= 0) continue;
                var since = item.TryGetProperty("effectiveStartDate", out var s) && s.TryGetDateTimeOffset(out var d) ? d : DateTimeOffset.MinValue;
                if (!prices.TryGetValue(size, out var known) || since >= known.Since) prices[size] = (price, since);
            }

            next = root.TryGetProperty("NextPageLink", out var link) && link.ValueKind == JsonValueKind.String && Uri.TryCreate(link.GetString(), UriKind.Absolute, out var uri) ? uri : null;
        }

        return prices.ToDictionary(p => p.Key, p => p.Value.Price, StringComparer.OrdinalIgnoreCase);
    }

    private static string Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : "";

    /// <summary>A GET through an Azure SDK pipeline, so the Retail Prices API's 429 and 5xx are retried after Retry-After like ARM's.</summary>
    private async Task<JsonDocument> GetJsonAsync(Uri uri, CancellationToken cancellationToken)
    {
        var pipeline = _pricesPipeline ??= HttpPipelineBuilder.Build(_pricesOptions);
        using var request = pipeline.CreateRequest();
        request.Method = RequestMethod.Get;
        request.Uri.Reset(uri);
        using var response = await pipeline.SendRequestAsync(request, cancellationToken);
        if (response.IsError) throw new RequestFailedException(response);
        return await JsonDocument.ParseAsync(response.ContentStream!, cancellationToken: cancellationToken);
    }

    private async Task<decimal> PriceOfAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        if (request.Market == Market.OnDemand)
        {
            var onDemand = await RetailPricesAsync(request.Region, spot: false, cancellationToken);
            return onDemand.GetValueOrDefault(request.InstanceType);
        }

        var key = (request.Region.ToLowerInvariant(), request.InstanceType.ToLowerInvariant());
        if (!_lastSpot.ContainsKey(key)) await GetSpotPricesAsync(request.Region, cancellationToken);
        return _lastSpot.TryGetValue(key, out var price) ? price : request.MaxPricePerHour ?? 0;
    }

    private decimal LastSpotPrice(VirtualMachineData vm) =>
        _lastSpot.GetValueOrDefault((vm.Location.Name.ToLowerInvariant(), (vm.HardwareProfile?.VmSize?.ToString() ?? "").ToLowerInvariant()));

    /// <summary>The Retail Prices API's client options: the provider's transport and retries.</summary>
    private sealed class RetailPricesOptions : ClientOptions;
}
