using System.Diagnostics;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Clouds.Catalog;
using Arbitrage.Orleans.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Arbitrage.Orleans.Tests.Clouds;

[Collection(MarketDataCollection.Name)]
public sealed class MarketCatalogTests(MarketDataFixture fixture, ITestOutputHelper output)
{
    private MarketDataSet Data => fixture.Data;

    [Fact]
    public void The_three_catalogs_hold_more_than_a_hundred_thousand_offers()
    {
        output.WriteLine($"AWS {Data.Aws.Offers.Count}, Azure {Data.Azure.Offers.Count}, GCP {Data.Gcp.Offers.Count}, total {Data.TotalOfferCount}");
        Assert.True(Data.Aws.Offers.Count > 0);
        Assert.True(Data.Azure.Offers.Count > 0);
        Assert.True(Data.Gcp.Offers.Count > 0);
        Assert.True(Data.TotalOfferCount > 100_000, $"only {Data.TotalOfferCount} offers");
    }

    [Fact]
    public void Loading_the_data_set_is_quick_and_reports_its_figures()
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var stopwatch = Stopwatch.StartNew();
        var data = MarketDataSet.Load(SharedData.Directory);
        stopwatch.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(data);

        foreach (var catalog in new[] { data.Aws, data.Azure, data.Gcp })
        {
            output.WriteLine(
                $"{catalog.Cloud}: {catalog.Offers.Count} offers, {catalog.SpotOfferCount} spot, {catalog.Regions.Count} regions, "
                + $"{catalog.Prices.SeriesCount} histories ({catalog.Prices.HistoryStart:u} + {catalog.Prices.HistoryLength.TotalDays:0.#} d): "
                + $"{catalog.Prices.HistoryMarkets} replayed, {catalog.Prices.RelativeMarkets} relative, {catalog.Prices.CatalogMarkets} constant; "
                + $"{catalog.TracedMarketCount} markets with availability traces");
        }

        output.WriteLine($"GPU hazard {data.GpuHourlyHazard:0.###}/h, CPU hazard {data.CpuHourlyHazard:0.###}/h, GPU availability {data.GpuAvailabilityScore:0.###}");
        output.WriteLine($"Loaded in {stopwatch.ElapsedMilliseconds} ms (data set says {data.LoadTime.TotalMilliseconds:0} ms); heap +{(after - before) / (1024.0 * 1024.0):0.0} MiB");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"loading took {stopwatch.Elapsed}");
    }

    [Fact]
    public void An_aws_row_becomes_an_offer_with_its_shape_and_spot_price()
    {
        Assert.True(Data.Aws.TryFindOffer("ap-northeast-1", "apne1-az2", "a1.2xlarge", out var index));
        var offer = Data.Aws.Offers[index];

        Assert.Equal(8, offer.VCpus);
        Assert.Equal(16.0, offer.MemoryGiB);
        Assert.Null(offer.GpuType);
        Assert.True(offer.SpotAvailable);
        Assert.Equal(0.069m, Data.Aws.CatalogSpotPrice(index));
        Assert.Equal(0.255556m, offer.OnDemandPricePerHour);
        Assert.Contains(offer.InterruptionRate, new[] { 0.025, 0.075, 0.125, 0.175, 0.25 });
        Assert.InRange(offer.AvailabilityScore, 0.3, 1.0);
    }

    [Fact]
    public void Aws_zones_are_zone_ids()
    {
        var region = Assert.Single(Data.Aws.Regions, r => r.Name == "us-east-1");
        Assert.Equal(["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"], region.Zones);
    }

    [Fact]
    public void A_gcp_a2_highgpu_offer_is_priced_as_host_plus_its_a100()
    {
        // catalog/gcp_vms.csv: host a2-highgpu-1g 0.94803 (spot 0.47407) and A100 x1 1.70586 (spot 1.3974) in asia-northeast1-a.
        Assert.True(Data.Gcp.TryFindOffer("asia-northeast1", "asia-northeast1-a", "a2-highgpu-1g", out var index));
        var offer = Data.Gcp.Offers[index];

        Assert.Equal("A100", offer.GpuType);
        Assert.Equal(1, offer.GpuCount);
        Assert.Equal(12, offer.VCpus);
        Assert.Equal(0.94803m + 1.70586m, offer.OnDemandPricePerHour);
        Assert.Equal(0.47407m + 1.3974m, Data.Gcp.CatalogSpotPrice(index));
    }

    [Fact]
    public void Gcp_gpu_families_carry_their_implied_accelerators_and_never_appear_bare()
    {
        var gpuFamilies = Data.Gcp.Offers.Where(o => o.InstanceType.StartsWith("a2-", StringComparison.Ordinal) || o.InstanceType.StartsWith("g2-", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(gpuFamilies);
        Assert.All(gpuFamilies, o => Assert.True(o.GpuType is not null && o.GpuCount > 0, $"{o.InstanceType} in {o.Zone} has no GPU"));
        Assert.Contains(Data.Gcp.Offers, o => o.InstanceType == "g2-standard-48" && o.GpuType == "L4" && o.GpuCount == 4);
        Assert.Contains(Data.Gcp.Offers, o => o.InstanceType == "a3-megagpu-8g" && o.GpuType == "H100-MEGA" && o.GpuCount == 8);
        Assert.DoesNotContain(Data.Gcp.Offers, o => o.GpuType is not null && o.GpuType.StartsWith("tpu", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void A_gcp_n1_host_with_an_attached_t4_is_an_offer()
    {
        var offer = Data.Gcp.Offers.First(o => o.InstanceType == "n1-standard-8+T4x1");
        Assert.True(Data.Gcp.TryFindOffer(offer.Region, offer.Zone, "n1-standard-8", out var host));

        Assert.Equal("T4", offer.GpuType);
        Assert.Equal(1, offer.GpuCount);
        Assert.Equal(8, offer.VCpus);
        Assert.True(offer.OnDemandPricePerHour > Data.Gcp.Offers[host].OnDemandPricePerHour);
    }

    [Fact]
    public void An_azure_row_without_a_spot_price_is_on_demand_only_and_zoned_by_its_region()
    {
        Assert.True(Data.Azure.TryFindOffer("jioindiacentral", "jioindiacentral", "Standard_A1_v2", out var index));
        var offer = Data.Azure.Offers[index];

        Assert.False(offer.SpotAvailable);
        Assert.Null(Data.Azure.CatalogSpotPrice(index));
        Assert.Equal(0.047m, offer.OnDemandPricePerHour);
        Assert.All(Data.Azure.Regions, r => Assert.Equal([r.Name], r.Zones));
    }

    [Fact]
    public void Azure_and_gcp_interruption_figures_come_from_the_traces()
    {
        Assert.True(Data.GpuHourlyHazard > 0);
        Assert.True(Data.CpuHourlyHazard > 0);
        var gpu = Data.Azure.Offers.First(o => o.SpotAvailable && o.GpuType is not null);
        var cpu = Data.Gcp.Offers.First(o => o.SpotAvailable && o.GpuType is null);

        Assert.Equal(InterruptionMath.MonthlyFractionOfHourlyHazard(Data.GpuHourlyHazard), gpu.InterruptionRate);
        Assert.Equal(Data.GpuAvailabilityScore, gpu.AvailabilityScore);
        Assert.Equal(InterruptionMath.MonthlyFractionOfHourlyHazard(Data.CpuHourlyHazard), cpu.InterruptionRate);
        Assert.Equal(0.9, cpu.AvailabilityScore);
    }

    [Fact]
    public void A_missing_data_directory_is_named_in_the_error()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-market-data-" + Guid.NewGuid().ToString("n"));

        var error = Assert.Throws<DirectoryNotFoundException>(() => MarketDataSet.Load(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_missing_data_file_is_named_in_the_error()
    {
        var empty = Directory.CreateTempSubdirectory("market-data-");
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => MarketDataSet.Load(empty.FullName));
            Assert.Contains(empty.FullName, error.Message);
            Assert.Contains("catalog/aws_vms.csv", error.Message);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
