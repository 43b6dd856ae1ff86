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
        var csv = new CsvReader(text, path);
        if (!csv.HasHeader) return table;
        var header = csv.Header;
        int type = header.IndexOf("InstanceType"), vcpus = header.IndexOf("vCPUs"), memory = header.IndexOf("MemoryGiB"),
            gpu = header.IndexOf("AcceleratorName"), gpuCount = header.IndexOf("AcceleratorCount"), region = header.IndexOf("Region"),
            zone = header.IndexOf("AvailabilityZone"), price = header.IndexOf("Price"), spot = header.IndexOf("SpotPrice");
        while (csv.MoveNext())
        {
            var typeName = pool.Get(csv[type]);
            var regionName = pool.Get(csv[region]);
            var zoneName = pool.Get(csv[zone]);
            var spotPrice = CsvText.ParseOptionalDecimal(csv[spot], path, "SpotPrice");
            var countText = csv[gpuCount];
            var rate = spotPrice is null ? 0 : interruption.InterruptionRate(regionName, zoneName, typeName);
            var offer = new InstanceTypeOffer(
                typeName,
                regionName,
                zoneName,
                (int)Math.Ceiling(CsvText.ParseDouble(csv[vcpus], path, "vCPUs")),
                CsvText.ParseDouble(csv[memory], path, "MemoryGiB"),
                pool.GetOrNull(csv[gpu]),
                countText.IsEmpty ? 0 : (int)CsvText.ParseDouble(countText, path, "AcceleratorCount"),
                CsvText.ParseOptionalDecimal(csv[price], path, "Price"),
                spotPrice is not null,
                rate,
                interruption.AvailabilityScore(zoneName, typeName));
            table.Add(offer, spotPrice, InterruptionMath.HourlyHazardOfMonthlyFraction(rate));
        }

        return table;
    }
}
