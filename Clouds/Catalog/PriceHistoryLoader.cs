namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Reads the spot price histories in prices/: AWS us-east-1 (one row per change, per zone letter and type), GCP
/// (weekly per region and type) and the Azure subset (per region and type; blank spot values are skipped).
/// </summary>
internal static class PriceHistoryLoader
{
    public static Dictionary<(string Location, string Type), PriceSeries> LoadAws(MarketDataFiles files, StringPool pool) =>
        Load(files.PriceHistory(MarketDataFiles.AwsPriceHistoryPattern), pool, "timestamp_utc", "availability_zone", "instance_type", "spot_usd_hr");

    public static Dictionary<(string Location, string Type), PriceSeries> LoadGcp(MarketDataFiles files, StringPool pool) =>
        Load(files.PriceHistory(MarketDataFiles.GcpPriceHistoryPattern), pool, "snapshot_utc", "region", "machine_type", "spot_usd_hr");

    public static Dictionary<(string Location, string Type), PriceSeries> LoadAzure(MarketDataFiles files, StringPool pool) =>
        Load(files.PriceHistory(MarketDataFiles.AzurePriceHistoryPattern), pool, "snapshot_utc", "Region", "InstanceType", "spot_usd_hr");

    private sealed class SeriesBuilder
    {
        public readonly List<long> Ticks = [];
        public readonly List<decimal> Prices = [];
    }

    private static Dictionary<(string Location, string Type), PriceSeries> Load(
        string path, StringPool pool, string timeColumn, string locationColumn, string typeColumn, string priceColumn)
    {
        var text = MarketDataFiles.ReadText(path);
        var builders = new Dictionary<(string, string), SeriesBuilder>();
        var csv = new CsvReader(text, path);
        if (csv.HasHeader)
        {
            var header = csv.Header;
            int time = header.IndexOf(timeColumn), location = header.IndexOf(locationColumn), type = header.IndexOf(typeColumn), price = header.IndexOf(priceColumn);
            while (csv.MoveNext())
            {
                var priceText = csv[price];
                if (priceText.IsEmpty) continue;
                var key = (pool.Get(csv[location]), pool.Get(csv[type]));
                if (!builders.TryGetValue(key, out var builder)) builders[key] = builder = new SeriesBuilder();
                builder.Ticks.Add(CsvText.ParseUtcTicks(csv[time], path));
                builder.Prices.Add(CsvText.ParseDecimal(priceText, path, priceColumn));
            }
        }

        var result = new Dictionary<(string Location, string Type), PriceSeries>(builders.Count);
        foreach (var ((location, type), builder) in builders)
        {
            var ticks = builder.Ticks.ToArray();
            var prices = builder.Prices.ToArray();
            if (!IsSorted(ticks))
            {
                // Stable by time: rows at the same time keep file order, so the later row wins.
                var order = new int[ticks.Length];
                for (var i = 0; i < order.Length; i++) order[i] = i;
                var keys = ticks;
                Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
                ticks = new long[order.Length];
                prices = new decimal[order.Length];
                for (var i = 0; i < order.Length; i++)
                {
                    ticks[i] = keys[order[i]];
                    prices[i] = builder.Prices[order[i]];
                }
            }

            result[(location, type)] = new PriceSeries(location, type, ticks, prices);
        }

        return result;
    }

    private static bool IsSorted(long[] ticks)
    {
        for (var i = 1; i < ticks.Length; i++)
        {
            if (ticks[i] < ticks[i - 1]) return false;
        }

        return true;
    }
}
