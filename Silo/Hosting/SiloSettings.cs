using Arbitrage.Orleans.Runtime.Postgres;
using Microsoft.Extensions.Configuration;

namespace Arbitrage.Orleans.Silo.Hosting;

public enum StorageMode { Postgres, Memory }

/// <summary>A silo hosts grains (and by default the gateway); a gateway only routes calls to the silos of a cluster.</summary>
public enum SiloRole { Silo, Gateway }

/// <summary>A setting of the silo is missing or wrong; the message names it.</summary>
public sealed class SiloConfigurationException(string message) : Exception(message);

/// <summary>
/// The silo's own settings, read from appsettings.json, environment variables (<c>Storage</c>, <c>DataDirectory</c>,
/// <c>ConnectionStrings__Arbitrage</c>) and the command line (<c>--storage memory</c>).
/// </summary>
public sealed record SiloSettings(StorageMode Storage, string DataDirectory, string? ConnectionString, bool GatewayEnabled, SiloRole Role = SiloRole.Silo)
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
            throw new SiloConfigurationException("Role 'gateway' routes calls to a cluster: it needs Storage 'postgres' and ConnectionStrings:Arbitrage naming the cluster's database.");
        }

        return new SiloSettings(storage, dataDirectory, string.IsNullOrWhiteSpace(connectionString) ? null : connectionString, gatewayEnabled || role == SiloRole.Gateway, role);
    }

    /// <summary>Whether the silo starts its own PostgreSQL under <see cref="DataDirectory"/>.</summary>
    public bool NeedsLocalDatabase => Storage == StorageMode.Postgres && ConnectionString is null;
}
