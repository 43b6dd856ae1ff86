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
        var lines = text.AsSpan().EnumerateLines();
        if (!lines.MoveNext()) return table;
        var header = new CsvHeader(lines.Current, path);
        int type = header.IndexOf("InstanceType"), vcpus = header.IndexOf("vCPUs"), memory = header.IndexOf("MemoryGiB"),
            gpu = header.IndexOf("AcceleratorName"), gpuCount = header.IndexOf("AcceleratorCount"), region = header.IndexOf("Region"),
            price = header.IndexOf("Price"), spot = header.IndexOf("SpotPrice");
        Span<Range> f = stackalloc Range[header.Count + 1];
        foreach (var line in lines)
        {
            if (line.IsEmpty) continue;
            if (CsvText.Split(line, f) < header.Count) throw new InvalidDataException($"'{path}': line '{line}' has fewer than {header.Count} fields.");
            var regionName = pool.Get(CsvText.Field(line, f[region]));
            var gpuName = pool.GetOrNull(CsvText.Field(line, f[gpu]));
            var spotPrice = CsvText.ParseOptionalDecimal(CsvText.Field(line, f[spot]), path, "SpotPrice");
            var countText = CsvText.Field(line, f[gpuCount]);
            var gpuCountValue = countText.IsEmpty ? 0 : (int)Math.Ceiling(CsvText.ParseDouble(countText, path, "AcceleratorCount"));
            var hazard = spotPrice is null ? 0 : figures.HourlyHazard(gpuName is not null);
            var offer = new InstanceTypeOffer(
                pool.Get(CsvText.Field(line, f[type])),
                regionName,
                regionName,
                (int)Math.Ceiling(CsvText.ParseDouble(CsvText.Field(line, f[vcpus]), path, "vCPUs")),
                CsvText.ParseDouble(CsvText.Field(line, f[memory]), path, "MemoryGiB"),
                gpuName,
                gpuCountValue,
                CsvText.ParseOptionalDecimal(CsvText.Field(line, f[price]), path, "Price"),
                spotPrice is not null,
                InterruptionMath.MonthlyFractionOfHourlyHazard(hazard),
                figures.AvailabilityScore(gpuName is not null));
            table.Add(offer, spotPrice, hazard);
        }

        return table;
    }
}
