using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Runtime;

/// <summary>
/// How a silo takes part in the cluster (configuration section <c>Cluster</c>). Silos on one PostgreSQL form a
/// cluster; each needs only its own advertised internal address.
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Cluster";

    /// <summary>
    /// The internal endpoint other silos and cluster clients call, e.g. <c>http://10.0.0.5:11111</c>. Port 0 picks a
    /// free port on that host at start (fine for silos on one host). It must be unique among live silos.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "http://127.0.0.1:0";

    /// <summary>How many partitions the key space is hashed into; fixed for the life of a cluster's database.</summary>
    public int PartitionCount { get; set; } = 256;

    /// <summary>How long a partition lease lasts without renewal (judged by the database's clock).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often a silo renews its leases, heartbeats, and looks for partitions to take or give.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo stops serving a partition this long before its lease could expire if it has not renewed it (clock drift guard).</summary>
    public TimeSpan SelfFenceMargin { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo whose heartbeat is older than this is declared dead by the others.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary><see cref="ClusterRole.Silo"/> hosts grains; <see cref="ClusterRole.Client"/> only routes calls to the silos (a standalone gateway).</summary>
    public ClusterRole Role { get; set; } = ClusterRole.Silo;
}

public enum ClusterRole { Silo, Client }

internal sealed class ClusterOptionsValidator : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        var failures = new List<string>();
        const string section = ClusterOptions.SectionName;
        if (!Uri.TryCreate(options.AdvertisedAddress, UriKind.Absolute, out var address) || address.Scheme != Uri.UriSchemeHttp || address.AbsolutePath != "/")
        {
            failures.Add($"{section}:AdvertisedAddress must be an http://host:port address (was '{options.AdvertisedAddress}').");
        }

        if (options.PartitionCount is < 1 or > 65536)
        {
            failures.Add($"{section}:PartitionCount must be between 1 and 65536 (was {options.PartitionCount}).");
        }

        GrainRuntimeOptionsValidator.Positive(failures, nameof(options.LeaseDuration), options.LeaseDuration, section);
        GrainRuntimeOptionsValidator.Positive(failures, nameof(options.RenewInterval), options.RenewInterval, section);
        GrainRuntimeOptionsValidator.Positive(failures, nameof(options.DeadAfter), options.DeadAfter, section);
        if (options.SelfFenceMargin < TimeSpan.Zero || options.RenewInterval + options.SelfFenceMargin >= options.LeaseDuration)
        {
            failures.Add($"{section}:RenewInterval ({options.RenewInterval}) plus {section}:SelfFenceMargin ({options.SelfFenceMargin}) must be shorter than {section}:LeaseDuration ({options.LeaseDuration}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
