using System.Text.Json;

namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// What AWS publishes about how often spot capacity is taken back and how easy it is to get: the Spot Instance
/// Advisor's interruption bucket per (region, type), and the SpotLake snapshot's interruption-frequency code and
/// placement score per (zone, type).
/// </summary>
internal sealed class AwsInterruptionData
{
    /// <summary>Midpoints of the advisor's buckets &lt;5%, 5-10%, 10-15%, 15-20%, &gt;20% interrupted per month.</summary>
    private static readonly double[] BucketMidpoints = [0.025, 0.075, 0.125, 0.175, 0.25];

    /// <summary>Used when neither the advisor nor SpotLake knows the market: the 5-10% bucket (the advisor's global rate is "&lt;10%").</summary>
    public const double DefaultInterruptionRate = 0.075;

    /// <summary>Used when SpotLake has no placement score for the market: the middle score, 2 of 3.</summary>
    public const double DefaultAvailabilityScore = 2.0 / 3.0;

    private readonly Dictionary<(string Region, string Type), double> _advisor;
    private readonly Dictionary<(string Zone, string Type), (double Rate, int Sps)> _spotLakeByZone;
    private readonly Dictionary<(string Region, string Type), double> _spotLakeByRegion;

    private AwsInterruptionData(
        Dictionary<(string, string), double> advisor,
        Dictionary<(string, string), (double, int)> spotLakeByZone,
        Dictionary<(string, string), double> spotLakeByRegion)
    {
        _advisor = advisor;
        _spotLakeByZone = spotLakeByZone;
        _spotLakeByRegion = spotLakeByRegion;
    }

    public static AwsInterruptionData Load(MarketDataFiles files, StringPool pool)
    {
        var data = new AwsInterruptionData(LoadAdvisor(files.PathOf(MarketDataFiles.AwsSpotAdvisor), pool), new(), new());
        data.LoadSpotLake(files.PathOf(MarketDataFiles.AwsSpotLake), pool);
        return data;
    }

    /// <summary>The mean monthly interruption fraction over every market the Spot Advisor rates.</summary>
    public double MeanAdvisorRate => _advisor.Count == 0 ? DefaultInterruptionRate : _advisor.Values.Average();

    /// <summary>The monthly interruption fraction: advisor bucket, else SpotLake IF code (zone, then region), else the default.</summary>
    public double InterruptionRate(string region, string zone, string type)
    {
        if (_advisor.TryGetValue((region, type), out var rate)) return rate;
        if (_spotLakeByZone.TryGetValue((zone, type), out var lake) && lake.Rate > 0) return lake.Rate;
        return _spotLakeByRegion.TryGetValue((region, type), out rate) ? rate : DefaultInterruptionRate;
    }

    /// <summary>SpotLake's placement score 1..3 as 1/3, 2/3, 1; the default when unknown.</summary>
    public double AvailabilityScore(string zone, string type) =>
        _spotLakeByZone.TryGetValue((zone, type), out var lake) && lake.Sps is >= 1 and <= 3 ? lake.Sps / 3.0 : DefaultAvailabilityScore;

    /// <summary>SpotLake's IF code as a monthly fraction: 3.0 → 0.025, 2.5 → 0.075, 2.0 → 0.125, 1.5 → 0.175, 1.0 → 0.25.</summary>
    public static double RateOfSpotLakeCode(double code)
    {
        var bucket = (int)Math.Round((3.0 - code) * 2.0);
        return bucket is >= 0 and <= 4 ? BucketMidpoints[bucket] : 0;
    }

    private void LoadSpotLake(string path, StringPool pool)
    {
        var text = MarketDataFiles.ReadText(path);
        var csv = new CsvReader(text, path, lenient: true);
        if (!csv.HasHeader) return;
        var header = csv.Header;
        int sps = header.IndexOf("SPS"), az = header.IndexOf("AZ"), region = header.IndexOf("Region"), type = header.IndexOf("InstanceType"), code = header.IndexOf("IF");
        while (csv.MoveNext())
        {
            var typeName = pool.Get(csv[type]);
            var zone = pool.Get(csv[az]);
            var regionName = pool.Get(csv[region]);
            var codeText = csv[code];
            var rate = codeText.IsEmpty ? 0 : RateOfSpotLakeCode(CsvText.ParseDouble(codeText, path, "IF"));
            var spsText = csv[sps];
            var score = spsText.IsEmpty ? 0 : (int)CsvText.ParseDouble(spsText, path, "SPS");
            _spotLakeByZone[(zone, typeName)] = (rate, score);
            if (rate > 0) _spotLakeByRegion.TryAdd((regionName, typeName), rate);
        }
    }

    private static Dictionary<(string, string), double> LoadAdvisor(string path, StringPool pool)
    {
        var result = new Dictionary<(string, string), double>();
        using var stream = MarketDataFiles.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        if (!document.RootElement.TryGetProperty("spot_advisor", out var regions))
        {
            throw new InvalidDataException($"'{path}' has no 'spot_advisor' object.");
        }

        foreach (var region in regions.EnumerateObject())
        {
            if (!region.Value.TryGetProperty("Linux", out var types)) continue;
            var regionName = pool.Get(region.Name);
            foreach (var type in types.EnumerateObject())
            {
                if (type.Value.TryGetProperty("r", out var bucket) && bucket.TryGetInt32(out var index) && index is >= 0 and <= 4)
                {
                    result[(regionName, pool.Get(type.Name))] = BucketMidpoints[index];
                }
            }
        }

        return result;
    }
}
