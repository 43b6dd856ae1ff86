using System.Net;
using Arbitrage.Orleans.Silo.Storage;
using Microsoft.Extensions.Configuration;

namespace Arbitrage.Orleans.Silo.Hosting;

public enum StorageMode { Postgres, Memory }

/// <summary>A silo hosts grains (and by default the gateway); a gateway only routes HTTP calls to a cluster's silos, as an Orleans client.</summary>
public enum SiloRole { Silo, Gateway }

/// <summary>A setting of the silo is missing or wrong; the message names it.</summary>
public sealed class SiloConfigurationException(string message) : Exception(message);

/// <summary>
/// The process's own settings, read from appsettings.json, environment variables (<c>Storage</c>,
/// <c>ConnectionStrings__Arbitrage</c>, <c>Orleans__SiloPort</c>) and the command line (<c>--storage memory</c>,
/// <c>--Orleans:SiloPort 11112</c>). Each error names its setting.
/// </summary>
public sealed record SiloSettings(StorageMode Storage, string DataDirectory, string? ConnectionString, bool GatewayEnabled, SiloRole Role, OrleansHostOptions Orleans)
{
    public static SiloSettings From(IConfiguration configuration)
    {
        var storageText = configuration["Storage"] ?? "postgres";
        var storage = storageText.Trim().ToLowerInvariant() switch
        {
            "postgres" or "postgresql" => StorageMode.Postgres,
            "memory" => StorageMode.Memory,
            _ => throw new SiloConfigurationException($"Storage must be 'postgres' or 'memory' (was '{storageText}')."),
        };

        var dataDirectory = configuration["DataDirectory"] is { Length: > 0 } directory ? directory : ".data";
        var connectionString = configuration.GetConnectionString(PostgresOptions.ConnectionStringName);
        if (storage == StorageMode.Postgres && !string.IsNullOrWhiteSpace(connectionString) && PostgresOptions.DescribeProblem(connectionString) is { } problem)
        {
            throw new SiloConfigurationException(problem);
        }

        var gatewayText = configuration["Gateway:Enabled"] ?? "true";
        if (!bool.TryParse(gatewayText, out var gatewayEnabled))
        {
            throw new SiloConfigurationException($"Gateway:Enabled must be true or false (was '{gatewayText}').");
        }

        var roleText = configuration["Role"] ?? "silo";
        var role = roleText.Trim().ToLowerInvariant() switch
        {
            "silo" => SiloRole.Silo,
            "gateway" => SiloRole.Gateway,
            _ => throw new SiloConfigurationException($"Role must be 'silo' or 'gateway' (was '{roleText}')."),
        };

        if (role == SiloRole.Gateway && (storage != StorageMode.Postgres || string.IsNullOrWhiteSpace(connectionString)))
        {
            throw new SiloConfigurationException("Role 'gateway' finds the cluster's silos in its database: it needs Storage 'postgres' and ConnectionStrings:Arbitrage naming the cluster's database.");
        }

        var orleans = new OrleansHostOptions();
        try
        {
            configuration.GetSection(OrleansHostOptions.SectionName).Bind(orleans);
        }
        catch (InvalidOperationException e)
        {
            throw new SiloConfigurationException($"The {OrleansHostOptions.SectionName} section has a value of the wrong type: {e.Message}");
        }

        if (orleans.Problems().FirstOrDefault() is { } orleansProblem) throw new SiloConfigurationException(orleansProblem);
        return new SiloSettings(storage, dataDirectory, string.IsNullOrWhiteSpace(connectionString) ? null : connectionString, gatewayEnabled || role == SiloRole.Gateway, role, orleans);
    }

    /// <summary>Whether the silo starts its own PostgreSQL under <see cref="DataDirectory"/>.</summary>
    public bool NeedsLocalDatabase => Storage == StorageMode.Postgres && ConnectionString is null;
}

/// <summary>
/// Where this process sits in its Orleans cluster (configuration section <c>Orleans</c>). Several silos on one
/// database form one cluster when they share the cluster and service ids; each needs its own ports.
/// </summary>
public sealed class OrleansHostOptions
{
    public const string SectionName = "Orleans";

    /// <summary>Names one deployment: silos and gateways with the same id on one database form a cluster.</summary>
    public string ClusterId { get; set; } = "arbitrage";

    /// <summary>Names the service across deployments; grain state and reminders are kept under it.</summary>
    public string ServiceId { get; set; } = "arbitrage";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (a gateway-role process) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address the silo listens on and tells the others (loopback by default: one host).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// A grain call not answered by then fails with a TimeoutException: short, so that a call caught in flight by a
    /// silo's death fails over soon, yet far above a cold activation that reads its state (milliseconds).
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the process waits at start for an unreachable database before it gives up.</summary>
    public TimeSpan DatabaseStartupTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle activations are deactivated after this.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Shortest period a durable reminder may have.</summary>
    public TimeSpan MinimumReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    public IPAddress Address => IPAddress.Parse(AdvertisedAddress);

    public IEnumerable<string> Problems()
    {
        string p = SectionName;
        if (!IsId(ClusterId)) yield return $"{p}:ClusterId must be 1 to 64 letters, digits, '-', '_' or '.' (was '{ClusterId}').";
        if (!IsId(ServiceId)) yield return $"{p}:ServiceId must be 1 to 64 letters, digits, '-', '_' or '.' (was '{ServiceId}').";
        if (SiloPort is < 1 or > 65535) yield return $"{p}:SiloPort must be between 1 and 65535 (was {SiloPort}).";
        if (GatewayPort is < 1 or > 65535) yield return $"{p}:GatewayPort must be between 1 and 65535 (was {GatewayPort}).";
        if (SiloPort == GatewayPort) yield return $"{p}:SiloPort and {p}:GatewayPort are both {SiloPort}; give each its own port.";
        if (!IPAddress.TryParse(AdvertisedAddress, out _)) yield return $"{p}:AdvertisedAddress must be an IP address (was '{AdvertisedAddress}').";
        if (ResponseTimeout < TimeSpan.FromSeconds(1)) yield return $"{p}:ResponseTimeout must be at least 1 s (was {ResponseTimeout}); a cold activation reads its state within it.";
        if (DatabaseStartupTimeout < TimeSpan.Zero) yield return $"{p}:DatabaseStartupTimeout must not be negative (was {DatabaseStartupTimeout}).";
        if (CollectionAge < TimeSpan.FromMinutes(1)) yield return $"{p}:CollectionAge must be at least 1 minute (was {CollectionAge}).";
        if (MinimumReminderPeriod <= TimeSpan.Zero) yield return $"{p}:MinimumReminderPeriod must be positive (was {MinimumReminderPeriod}).";
    }

    private static bool IsId(string value) =>
        value.Length is >= 1 and <= 64 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
