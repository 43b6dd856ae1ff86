namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Reads catalog/aws_vms.csv: one offer per row, zones are zone IDs (use1-az4). Interruption rate from the Spot
/// Advisor, else SpotLake, else <see cref="AwsInterruptionData.DefaultInterruptionRate"/>; availability score
/// from SpotLake's placement score.
/// </summary>
internal static class AwsCatalogLoader
{
    public static OfferTable Load(MarketDataFiles files, StringPool pool, AwsInterruptionData interruption)
    {
        var path = files.PathOf(MarketDataFiles.AwsCatalog);
        var text = MarketDataFiles.ReadText(path);
        var table = new OfferTable();
        var lines = text.AsSpan().EnumerateLines();
        if (!lines.MoveNext()) return table;
        var header = new CsvHeader(lines.Current, path);
        int type = header.IndexOf("InstanceType"), vcpus = header.IndexOf("vCPUs"), memory = header.IndexOf("MemoryGiB"),
            gpu = header.IndexOf("AcceleratorName"), gpuCount = header.IndexOf("AcceleratorCount"), region = header.IndexOf("Region"),
            zone = header.IndexOf("AvailabilityZone"), price = header.IndexOf("Price"), spot = header.IndexOf("SpotPrice");
        Span<Range> f = stackalloc Range[header.Count + 1];
        foreach (var line in lines)
        {
            if (line.IsEmpty) continue;
            if (CsvText.Split(line, f) < header.Count) throw new InvalidDataException($"'{path}': line '{line}' has fewer than {header.Count} fields.");
            var typeName = pool.Get(CsvText.Field(line, f[type]));
            var regionName = pool.Get(CsvText.Field(line, f[region]));
            var zoneName = pool.Get(CsvText.Field(line, f[zone]));
            var spotPrice = CsvText.ParseOptionalDecimal(CsvText.Field(line, f[spot]), path, "SpotPrice");
            var countText = CsvText.Field(line, f[gpuCount]);
            var rate = spotPrice is null ? 0 : interruption.InterruptionRate(regionName, zoneName, typeName);
            var offer = new InstanceTypeOffer(
                typeName,
                regionName,
                zoneName,
                (int)Math.Ceiling(CsvText.ParseDouble(CsvText.Field(line, f[vcpus]), path, "vCPUs")),
                CsvText.ParseDouble(CsvText.Field(line, f[memory]), path, "MemoryGiB"),
                pool.GetOrNull(CsvText.Field(line, f[gpu])),
                countText.IsEmpty ? 0 : (int)CsvText.ParseDouble(countText, path, "AcceleratorCount"),
                CsvText.ParseOptionalDecimal(CsvText.Field(line, f[price]), path, "Price"),
                spotPrice is not null,
                rate,
                interruption.AvailabilityScore(zoneName, typeName));
            table.Add(offer, spotPrice, InterruptionMath.HourlyHazardOfMonthlyFraction(rate));
        }

        return table;
    }
}
