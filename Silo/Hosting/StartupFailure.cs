using System.Net.Sockets;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Silo.Storage;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>The start-up failures a person can fix (a setting, a port, the database), told in one line; anything else is a crash.</summary>
public static class StartupFailure
{
    public static string? Describe(Exception e) => e switch
    {
        SiloConfigurationException or ProviderConfigurationException or OptionsValidationException => e.Message,
        SchemaVersionException or LegacyDatabaseException or ClusterIdentityException or DatabaseUnavailableException => e.Message,
        IOException { InnerException: SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } } =>
            $"the HTTP port is in use ({e.Message}); give each process its own --urls.",
        AggregateException { InnerExceptions: [var inner] } => Describe(inner),
        _ => null,
    };
}
