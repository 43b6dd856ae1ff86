using System.Globalization;
using System.Text.RegularExpressions;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

/// <summary>
/// Compute Engine prices from the Cloud Billing Catalog: per region and machine family, the hourly price of one vCPU
/// (<c>… Instance Core running in …</c>) and of one GiB of memory (<c>… Instance Ram running in …</c>), on demand
/// (usageType OnDemand) and spot (usageType Preemptible, "Spot Preemptible …"). A predefined machine type costs
/// vCPUs × core + GiB × RAM. Only the families of the bundled catalog whose machine types are priced that way are read
/// (see <see cref="Families"/>); custom, sole-tenant, commitment, GPU and shared-core prices are not.
/// </summary>
internal sealed partial class GcpPriceBook
{
    /// <summary>The Compute Engine service of the Cloud Billing Catalog.</summary>
    public const string ComputeService = "6F81-5844-456A";

    /// <summary>Families priced per vCPU and GiB (GPU families a2/a3/a4/g2 and shared-core f1/g1 are not).</summary>
    public static readonly IReadOnlySet<string> Families = new HashSet<string>(StringComparer.Ordinal)
    {
        "e2", "n1", "n2", "n2d", "n4", "c2", "c2d", "c3", "c3d", "c4", "c4d", "t2d", "t2a", "m1", "m3",
    };

    private readonly Dictionary<(string Region, string Family, bool Spot), Rate> _rates = new();

    private sealed record Rate(decimal Core, decimal Ram, DateTimeOffset Effective);

    public DateTimeOffset LoadedAt { get; }

    public int SkusRead { get; private set; }

    public GcpPriceBook(DateTimeOffset loadedAt) => LoadedAt = loadedAt;

    /// <summary>The family of a machine type (<c>n2-standard-8</c> → <c>n2</c>), or null when its price is not vCPU × core + GiB × RAM.</summary>
    public static string? FamilyOf(string machineType)
    {
        int dash = machineType.IndexOf('-');
        if (dash <= 0) return null;
        var family = machineType[..dash];
        if (!Families.Contains(family)) return null;
        return family == "e2" && machineType is "e2-micro" or "e2-small" or "e2-medium" ? null : family;
    }

    public void Add(BillingSku sku)
    {
        SkusRead++;
        if (sku.Category is not { ResourceFamily: "Compute", UsageType: "OnDemand" or "Preemptible" } category) return;
        if (sku.Description is null || SkuDescription().Match(sku.Description) is not { Success: true } match) return;
        var family = FamilyToken(match.Groups["family"].Value);
        if (family is null || !Families.Contains(family)) return;
        var info = sku.PricingInfo?.FirstOrDefault();
        var rate = info?.PricingExpression?.TieredRates?.OrderBy(r => r.StartUsageAmount).LastOrDefault(r => r.StartUsageAmount == 0)
            ?? info?.PricingExpression?.TieredRates?.FirstOrDefault();
        if (rate is null) return;
        var effective = DateTimeOffset.TryParse(info!.EffectiveTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : LoadedAt;
        bool spot = category.UsageType == "Preemptible";
        bool core = match.Groups["resource"].Value == "Core";
        foreach (var region in sku.ServiceRegions ?? [])
        {
            var key = (region, family, spot);
            var old = _rates.GetValueOrDefault(key) ?? new Rate(0, 0, effective);
            _rates[key] = core ? old with { Core = rate.UnitPrice.Amount, Effective = effective } : old with { Ram = rate.UnitPrice.Amount };
        }
    }

    /// <summary>The hourly price of a machine type in a region, when its family's core and RAM rates are both known.</summary>
    public (decimal Price, DateTimeOffset Effective)? PriceOf(string region, string machineType, int vcpus, double memoryGiB, bool spot)
    {
        if (FamilyOf(machineType) is not { } family || !_rates.TryGetValue((region, family, spot), out var rate) || rate.Core <= 0 || rate.Ram <= 0) return null;
        return (Math.Round(vcpus * rate.Core + (decimal)memoryGiB * rate.Ram, 6), rate.Effective);
    }

    private static string? FamilyToken(string token) => token switch
    {
        "Compute optimized" => "c2",
        "Memory-optimized" => "m1",
        _ => token.ToLowerInvariant(),
    };

    // "N2 Instance Core running in Americas", "Spot Preemptible N2D AMD Instance Ram running in Belgium",
    // "N1 Predefined Instance Core running in Americas", "Spot Preemptible Compute optimized Core running in Americas".
    [GeneratedRegex(@"^(?:Spot )?(?:Preemptible )?(?<family>[A-Z][0-9][A-Z]?|Compute optimized|Memory-optimized)(?: AMD| Arm| Intel| Predefined)*(?: Instance)? (?<resource>Core|Ram) running in ", RegexOptions.CultureInvariant)]
    private static partial Regex SkuDescription();
}
