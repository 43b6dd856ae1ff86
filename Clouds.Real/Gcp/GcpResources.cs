using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbitrage.Orleans.Clouds.Real.Gcp;

// The Compute Engine v1 and Cloud Billing Catalog v1 resources the adapter reads and writes: only the fields it uses.

/// <summary>The error body every Google API answers with: <c>{"error": {"code", "message", "errors": [{"reason", ...}], "status"}}</c>.</summary>
internal sealed record GoogleErrorBody(GoogleError? Error);

internal sealed record GoogleError(int Code, string? Message, IReadOnlyList<GoogleErrorItem>? Errors, string? Status);

internal sealed record GoogleErrorItem(string? Reason, string? Message, string? Domain, string? Code);

internal sealed record GcpRegion(string Name, IReadOnlyList<string>? Zones, string? Status);

internal sealed record GcpList<T>(IReadOnlyList<T>? Items, string? NextPageToken);

internal sealed record GcpAccelerator(string? GuestAcceleratorType, int GuestAcceleratorCount);

internal sealed record GcpMachineType(string Name, int GuestCpus, long MemoryMb, string? Zone, bool? IsSharedCpu, IReadOnlyList<GcpAccelerator>? Accelerators);

internal sealed record GcpScheduling(string? ProvisioningModel, string? InstanceTerminationAction, bool? AutomaticRestart, string? OnHostMaintenance);

internal sealed record GcpAccessConfig(string? Type, string? Name, string? NatIP);

internal sealed record GcpNetworkInterface(string? Network, string? Subnetwork, string? NetworkIP, IReadOnlyList<GcpAccessConfig>? AccessConfigs);

internal sealed record GcpInitializeParams(string? SourceImage);

internal sealed record GcpAttachedDisk(bool Boot, bool AutoDelete, GcpInitializeParams? InitializeParams);

internal sealed record GcpServiceAccount(string Email, IReadOnlyList<string> Scopes);

internal sealed record GcpInstance
{
    public string? Id { get; init; }
    public string Name { get; init; } = "";
    public string? Zone { get; init; }
    public string? MachineType { get; init; }
    public string? Status { get; init; }
    public string? StatusMessage { get; init; }
    public string? CreationTimestamp { get; init; }
    public string? LastStopTimestamp { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public GcpScheduling? Scheduling { get; init; }
    public IReadOnlyList<GcpNetworkInterface>? NetworkInterfaces { get; init; }
    public IReadOnlyList<GcpAttachedDisk>? Disks { get; init; }
    public IReadOnlyList<GcpServiceAccount>? ServiceAccounts { get; init; }
}

/// <summary>instances.aggregatedList: <c>items</c> by scope (<c>zones/us-central1-a</c>), each with instances or a warning.</summary>
internal sealed record GcpAggregatedInstances(IReadOnlyDictionary<string, GcpInstancesScope>? Items, string? NextPageToken);

internal sealed record GcpInstancesScope(IReadOnlyList<GcpInstance>? Instances);

internal sealed record GcpOperation
{
    public string? Id { get; init; }
    public string Name { get; init; } = "";
    public string? OperationType { get; init; }
    public string? Status { get; init; }
    public string? TargetLink { get; init; }
    public string? TargetId { get; init; }
    public string? Zone { get; init; }
    public string? InsertTime { get; init; }
    public int? HttpErrorStatusCode { get; init; }
    public GcpOperationError? Error { get; init; }
}

internal sealed record GcpOperationError(IReadOnlyList<GoogleErrorItem>? Errors);

internal sealed record BillingMoney(string? CurrencyCode, string? Units, int Nanos)
{
    public decimal Amount => (decimal.TryParse(Units, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var u) ? u : 0m) + Nanos / 1_000_000_000m;
}

internal sealed record BillingTieredRate(double StartUsageAmount, BillingMoney UnitPrice);

internal sealed record BillingPricingExpression(string? UsageUnit, IReadOnlyList<BillingTieredRate>? TieredRates);

internal sealed record BillingPricingInfo(string? EffectiveTime, BillingPricingExpression? PricingExpression);

internal sealed record BillingCategory(string? ServiceDisplayName, string? ResourceFamily, string? ResourceGroup, string? UsageType);

internal sealed record BillingSku(
    string? Name, string? SkuId, string? Description, BillingCategory? Category, IReadOnlyList<string>? ServiceRegions, IReadOnlyList<BillingPricingInfo>? PricingInfo);

internal sealed record BillingSkuPage(IReadOnlyList<BillingSku>? Skus, string? NextPageToken);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GoogleErrorBody))]
[JsonSerializable(typeof(GcpRegion))]
[JsonSerializable(typeof(GcpList<GcpMachineType>))]
[JsonSerializable(typeof(GcpList<GcpRegion>))]
[JsonSerializable(typeof(GcpList<GcpOperation>))]
[JsonSerializable(typeof(GcpInstance))]
[JsonSerializable(typeof(GcpAggregatedInstances))]
[JsonSerializable(typeof(GcpOperation))]
[JsonSerializable(typeof(BillingSkuPage))]
internal sealed partial class GcpJson : JsonSerializerContext;
