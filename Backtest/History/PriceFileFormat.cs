using Arbitrage.Orleans.Clouds;

namespace Arbitrage.Orleans.Backtest.History;

/// <summary>
/// A price history format, recognised by its header (the set of column names, in any order; nothing more, nothing
/// less). <see cref="LocationIsZone"/>: the location column names a zone (AWS: us-east-1a) rather than a region.
/// <see cref="OnDemandColumn"/> is null when the file has no on-demand prices (they then come from the catalog).
/// </summary>
public sealed record PriceFileFormat(
    string Name, CloudKind Cloud, string TimeColumn, string LocationColumn, bool LocationIsZone, string TypeColumn, string SpotColumn, string? OnDemandColumn)
{
    /// <summary>AWS spot price changes, one row per change per zone and type (DescribeSpotPriceHistory).</summary>
    public static PriceFileFormat AwsChanges { get; } = new("aws-spot-changes", CloudKind.Aws, "timestamp_utc", "availability_zone", true, "instance_type", "spot_usd_hr", null);

    /// <summary>GCP snapshots per region and machine type, with on-demand and spot prices.</summary>
    public static PriceFileFormat GcpSnapshots { get; } = new("gcp-snapshots", CloudKind.Gcp, "snapshot_utc", "region", false, "machine_type", "spot_usd_hr", "ondemand_usd_hr");

    /// <summary>Azure snapshots per region and size, with on-demand and spot prices.</summary>
    public static PriceFileFormat AzureSnapshots { get; } = new("azure-snapshots", CloudKind.Azure, "snapshot_utc", "Region", false, "InstanceType", "spot_usd_hr", "ondemand_usd_hr");

    public static IReadOnlyList<PriceFileFormat> All { get; } = [AwsChanges, GcpSnapshots, AzureSnapshots];

    /// <summary>Snapshot formats repeat every market at every snapshot; a change format only lists changes.</summary>
    public bool IsSnapshot => OnDemandColumn is not null;

    public IReadOnlyList<string> Columns => OnDemandColumn is null
        ? [TimeColumn, LocationColumn, TypeColumn, SpotColumn]
        : [TimeColumn, TypeColumn, LocationColumn, OnDemandColumn, SpotColumn];

    /// <summary>The format whose columns are exactly <paramref name="header"/>'s, or null.</summary>
    public static PriceFileFormat? Detect(IReadOnlyList<string> header) =>
        All.FirstOrDefault(f => f.Columns.Count == header.Count && f.Columns.All(c => header.Contains(c, StringComparer.Ordinal)));

    public string Describe() => $"{Name}: {string.Join(",", Columns)}";
}
