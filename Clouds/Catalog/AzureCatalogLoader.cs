namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Reads catalog/azure_vms.csv: rows are per region (Azure's catalog has no zones), so each offer's zone is the
/// region's name. Rows without SpotPrice are on-demand only. Interruption rate and availability score come from
/// <see cref="TraceMarketFigures"/> (GPU types: the real spot traces; others: the AWS Spot Advisor's mean).
/// </summary>
internal static class AzureCatalogLoader
{
    public static OfferTable Load(MarketDataFiles files, StringPool pool, TraceMarketFigures figures)
    {
        var path = files.PathOf(MarketDataFiles.AzureCatalog);
        var text = MarketDataFiles.ReadText(path);
        var table = new OfferTable();
        var csv = new CsvReader(text, path);
        if (!csv.HasHeader) return table;
        var header = csv.Header;
        int type = header.IndexOf("InstanceType"), vcpus = header.IndexOf("vCPUs"), memory = header.IndexOf("MemoryGiB"),
            gpu = header.IndexOf("AcceleratorName"), gpuCount = header.IndexOf("AcceleratorCount"), region = header.IndexOf("Region"),
            price = header.IndexOf("Price"), spot = header.IndexOf("SpotPrice");
        while (csv.MoveNext())
        {
            var regionName = pool.Get(csv[region]);
            var gpuName = pool.GetOrNull(csv[gpu]);
            var spotPrice = CsvText.ParseOptionalDecimal(csv[spot], path, "SpotPrice");
            var countText = csv[gpuCount];
            var gpuCountValue = countText.IsEmpty ? 0 : (int)Math.Ceiling(CsvText.ParseDouble(countText, path, "AcceleratorCount"));
            var hazard = spotPrice is null ? 0 : figures.HourlyHazard(gpuName is not null);
            var offer = new InstanceTypeOffer(
                pool.Get(csv[type]),
                regionName,
                regionName,
                (int)Math.Ceiling(CsvText.ParseDouble(csv[vcpus], path, "vCPUs")),
                CsvText.ParseDouble(csv[memory], path, "MemoryGiB"),
                gpuName,
                gpuCountValue,
                CsvText.ParseOptionalDecimal(csv[price], path, "Price"),
                spotPrice is not null,
                InterruptionMath.MonthlyFractionOfHourlyHazard(hazard),
                figures.AvailabilityScore(gpuName is not null));
            table.Add(offer, spotPrice, hazard);
        }

        return table;
    }
}
