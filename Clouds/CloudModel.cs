namespace Arbitrage.Orleans.Clouds;

/// <summary>The clouds the control plane can place workloads on.</summary>
public enum CloudKind { Aws, Azure, Gcp }

/// <summary>Spot (interruptible, cheaper) or on-demand capacity.</summary>
public enum Market { Spot, OnDemand }

/// <summary>
/// A launch API a provider supports, as in the host-factory API's capabilities. <see cref="SupportsMaxPrice"/> says
/// whether a spot launch honours <see cref="LaunchRequest.MaxPricePerHour"/> (fails with PriceAboveMaximum above it).
/// </summary>
public sealed record LaunchApi(string Name, bool SupportsSpot, bool SupportsOnDemand, int MaxInstances, bool SupportsMaxPrice = false);

/// <summary>
/// A region and its zones. <see cref="Zones"/> are the zone IDs offers name (AWS <c>use1-az4</c>, GCP <c>us-central1-a</c>);
/// <see cref="ZoneNames"/>, where the cloud has them, maps the names an account gives its zones (AWS <c>us-east-1a</c>)
/// to those IDs — AWS maps them per account.
/// </summary>
public sealed record CloudRegion(string Name, IReadOnlyList<string> Zones, IReadOnlyDictionary<string, string>? ZoneNames = null);

/// <summary>
/// One instance type as offered in one zone: its shape and on-demand price, plus what the cloud's public data says
/// about its spot market. <see cref="GpuType"/> is the catalog's accelerator name (T4, A100, ...) or null.
/// <see cref="InterruptionRate"/> is the fraction of spot instances interrupted per month (the AWS Spot Advisor's
/// measure); <see cref="AvailabilityScore"/> is 0..1 (1 = capacity is easy to get).
/// </summary>
public sealed record InstanceTypeOffer(
    string InstanceType,
    string Region,
    string Zone,
    int VCpus,
    double MemoryGiB,
    string? GpuType,
    int GpuCount,
    decimal? OnDemandPricePerHour,
    bool SpotAvailable,
    double InterruptionRate,
    double AvailabilityScore);

/// <summary>The spot price of one market (zone and instance type) at a point in time.</summary>
public sealed record SpotPrice(string Region, string Zone, string InstanceType, decimal PricePerHour, DateTimeOffset Timestamp);

/// <summary>
/// The spot price changes of one instance type in a region (one zone, or every zone when <see cref="Zone"/> is null)
/// from <see cref="From"/> to <see cref="To"/>. <see cref="MaxPoints"/>, when given, lets a cloud whose window holds
/// far more changes answer fewer (evenly sampled) points per zone; callers still downsample what they draw.
/// </summary>
public sealed record SpotPriceHistoryQuery(string Region, string? Zone, string InstanceType, DateTimeOffset From, DateTimeOffset To, int? MaxPoints = null);

public sealed record LaunchRequest(
    string Region,
    string Zone,
    string InstanceType,
    Market Market,
    decimal? MaxPricePerHour,
    string ImageId,
    string ClientToken,
    IReadOnlyDictionary<string, string>? Tags = null);

public enum InstanceState { Pending, Running, ShuttingDown, Terminated }

public enum InstanceHealth { Unknown, Healthy, Unhealthy }

public sealed record CloudInstance(
    string InstanceId,
    string Region,
    string Zone,
    string InstanceType,
    Market Market,
    InstanceState State,
    decimal PricePerHour,
    string? Address,
    DateTimeOffset LaunchedAt,
    DateTimeOffset? TerminatedAt,
    string? StateReason,
    IReadOnlyDictionary<string, string>? Tags = null);

/// <summary>The cloud will take the instance back at <see cref="TerminationAt"/>.</summary>
public sealed record InterruptionNotice(string InstanceId, string Region, string Zone, string InstanceType, DateTimeOffset NoticedAt, DateTimeOffset TerminationAt, string Reason);

/// <summary>
/// Why a cloud refused: <see cref="Throttled"/> (the cloud's rate limit; retried with back-off),
/// <see cref="QuotaExceeded"/> (the account's quota; another market or provider may help), <see cref="Unauthorized"/>
/// (credentials missing, wrong or lacking a permission), <see cref="NotSupported"/> (the cloud has no API for the
/// operation, e.g. Azure's and GCP's spot price history).
/// </summary>
public enum CloudErrorCode { InsufficientCapacity, PriceAboveMaximum, InvalidRequest, NotFound, Unavailable, Throttled, QuotaExceeded, Unauthorized, NotSupported }

/// <summary>A cloud refused or failed an operation; the code says whether another market or a retry may help.</summary>
public sealed class CloudException(CloudErrorCode code, string message) : Exception(message)
{
    public CloudErrorCode Code { get; } = code;
}
