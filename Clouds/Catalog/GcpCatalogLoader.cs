namespace Arbitrage.Orleans.Clouds.Catalog;

/// <summary>
/// Reads catalog/gcp_vms.csv (SkyPilot format: accelerators are priced in their own rows, InstanceType empty).
/// Host rows are offers, except GPU-family hosts, which are offers only together with their implied accelerator
/// (<see cref="TryGetImpliedGpu"/>: price = host row + the accelerator row of that name and count in the same zone).
/// Attachable GPUs (T4, V100, P100, P4) combine with n1-standard-4/8/16/32 hosts of the same zone into
/// offers named <c>{host}+{GPU}x{count}</c>. TPU rows are skipped.
/// </summary>
internal static class GcpCatalogLoader
{
    /// <summary>GPUs that attach to N1 hosts.</summary>
    private static readonly string[] AttachableGpus = ["T4", "V100", "P100", "P4"];

    /// <summary>The N1 hosts attachable GPUs are offered with.</summary>
    private static readonly string[] AttachableGpuHosts = ["n1-standard-4", "n1-standard-8", "n1-standard-16", "n1-standard-32"];

    private static readonly string[] GpuFamilies = ["a2-", "a3-", "a4-", "g2-"];

    private readonly record struct Row(
        string Type, int VCpus, double MemoryGiB, string? Accelerator, int AcceleratorCount, string Region, string Zone, decimal? Price, decimal? Spot);

    public static OfferTable Load(MarketDataFiles files, StringPool pool, TraceMarketFigures figures)
    {
        var path = files.PathOf(MarketDataFiles.GcpCatalog);
        var rows = ReadRows(path, pool);
        var accelerators = new Dictionary<(string Zone, string Name, int Count), Row>();
        var n1Hosts = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Type.Length == 0)
            {
                if (row.Accelerator is not null) accelerators.TryAdd((row.Zone, row.Accelerator, row.AcceleratorCount), row);
            }
            else if (Array.IndexOf(AttachableGpuHosts, row.Type) >= 0)
            {
                if (!n1Hosts.TryGetValue(row.Zone, out var hosts)) n1Hosts[row.Zone] = hosts = [];
                hosts.Add(row);
            }
        }

        var table = new OfferTable();
        foreach (var row in rows)
        {
            if (row.Type.Length == 0)
            {
                if (row.Accelerator is null || Array.IndexOf(AttachableGpus, row.Accelerator) < 0 || !n1Hosts.TryGetValue(row.Zone, out var hosts)) continue;
                foreach (var host in hosts)
                {
                    Add(table, figures, host, row, pool.Get($"{host.Type}+{row.Accelerator}x{row.AcceleratorCount}"));
                }
            }
            else if (TryGetImpliedGpu(row.Type, out var gpu, out var count))
            {
                if (accelerators.TryGetValue((row.Zone, gpu, count), out var accelerator)) Add(table, figures, row, accelerator, row.Type);
            }
            else if (!IsGpuFamily(row.Type))
            {
                var spotHazard = row.Spot is null ? 0 : figures.HourlyHazard(row.Accelerator is not null);
                table.Add(
                    new InstanceTypeOffer(row.Type, row.Region, row.Zone, row.VCpus, row.MemoryGiB, row.Accelerator, row.AcceleratorCount, row.Price,
                        row.Spot is not null, InterruptionMath.MonthlyFractionOfHourlyHazard(spotHazard), figures.AvailabilityScore(row.Accelerator is not null)),
                    row.Spot,
                    spotHazard);
            }
        }

        return table;
    }

    /// <summary>
    /// The accelerator a GPU-family machine type comes with: a2-highgpu-{n}g → A100×n, a2-ultragpu-{n}g → A100-80GB×n,
    /// a2-megagpu-16g → A100×16, a3-highgpu-{n}g → H100×n, a3-megagpu-8g → H100-MEGA×8, a3-ultragpu-8g → H200×8,
    /// a4-highgpu-8g → B200×8, g2-standard-{k} → L4 (4/8/12/16/32 → 1, 24 → 2, 48 → 4, 96 → 8).
    /// </summary>
    public static bool TryGetImpliedGpu(string type, out string gpu, out int count)
    {
        (gpu, count) = type switch
        {
            "a2-megagpu-16g" => ("A100", 16),
            "a3-megagpu-8g" => ("H100-MEGA", 8),
            "a3-ultragpu-8g" => ("H200", 8),
            "a4-highgpu-8g" => ("B200", 8),
            "g2-standard-4" or "g2-standard-8" or "g2-standard-12" or "g2-standard-16" or "g2-standard-32" => ("L4", 1),
            "g2-standard-24" => ("L4", 2),
            "g2-standard-48" => ("L4", 4),
            "g2-standard-96" => ("L4", 8),
            _ when TryGpuCount(type, "a2-highgpu-", out var n) => ("A100", n),
            _ when TryGpuCount(type, "a2-ultragpu-", out var n) => ("A100-80GB", n),
            _ when TryGpuCount(type, "a3-highgpu-", out var n) => ("H100", n),
            _ => ("", 0),
        };
        return count > 0;
    }

    private static bool IsGpuFamily(string type)
    {
        foreach (var family in GpuFamilies)
        {
            if (type.StartsWith(family, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>Reads n from "{prefix}{n}g".</summary>
    private static bool TryGpuCount(string type, string prefix, out int count)
    {
        count = 0;
        return type.StartsWith(prefix, StringComparison.Ordinal) && type.EndsWith('g')
            && int.TryParse(type.AsSpan(prefix.Length, type.Length - prefix.Length - 1), out count) && count > 0;
    }

    private static void Add(OfferTable table, TraceMarketFigures figures, Row host, Row accelerator, string name)
    {
        var spot = host.Spot is { } hostSpot && accelerator.Spot is { } acceleratorSpot ? hostSpot + acceleratorSpot : (decimal?)null;
        var price = host.Price is { } hostPrice && accelerator.Price is { } acceleratorPrice ? hostPrice + acceleratorPrice : (decimal?)null;
        var hazard = spot is null ? 0 : figures.HourlyHazard(gpu: true);
        table.Add(
            new InstanceTypeOffer(name, host.Region, host.Zone, host.VCpus, host.MemoryGiB, accelerator.Accelerator, accelerator.AcceleratorCount, price,
                spot is not null, InterruptionMath.MonthlyFractionOfHourlyHazard(hazard), figures.AvailabilityScore(gpu: true)),
            spot,
            hazard);
    }

    private static List<Row> ReadRows(string path, StringPool pool)
    {
        var text = MarketDataFiles.ReadText(path);
        var rows = new List<Row>(32_000);
        var csv = new CsvReader(text, path);
        if (!csv.HasHeader) return rows;
        var header = csv.Header;
        int type = header.IndexOf("InstanceType"), vcpus = header.IndexOf("vCPUs"), memory = header.IndexOf("MemoryGiB"),
            gpu = header.IndexOf("AcceleratorName"), gpuCount = header.IndexOf("AcceleratorCount"), region = header.IndexOf("Region"),
            zone = header.IndexOf("AvailabilityZone"), price = header.IndexOf("Price"), spot = header.IndexOf("SpotPrice");
        while (csv.MoveNext())
        {
            var accelerator = pool.GetOrNull(csv[gpu]);
            if (accelerator is not null && accelerator.StartsWith("tpu", StringComparison.OrdinalIgnoreCase)) continue;
            var vcpuText = csv[vcpus];
            var memoryText = csv[memory];
            var countText = csv[gpuCount];
            rows.Add(new Row(
                pool.Get(csv[type]),
                vcpuText.IsEmpty ? 0 : (int)Math.Ceiling(CsvText.ParseDouble(vcpuText, path, "vCPUs")),
                memoryText.IsEmpty ? 0 : CsvText.ParseDouble(memoryText, path, "MemoryGiB"),
                accelerator,
                countText.IsEmpty ? 0 : (int)Math.Ceiling(CsvText.ParseDouble(countText, path, "AcceleratorCount")),
                pool.Get(csv[region]),
                pool.Get(csv[zone]),
                CsvText.ParseOptionalDecimal(csv[price], path, "Price"),
                CsvText.ParseOptionalDecimal(csv[spot], path, "SpotPrice")));
        }

        return rows;
    }
}
