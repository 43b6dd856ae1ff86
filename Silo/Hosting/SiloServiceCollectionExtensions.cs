using Arbitrage.Orleans.Grains;
using Arbitrage.Orleans.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Silo.Hosting;

public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// The grain runtime with the product's grains, on PostgreSQL (a cluster member) or (for throwaway runs) in memory;
    /// in the gateway role a cluster client that hosts no grain.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, SiloSettings settings, string? connectionString) =>
        services.AddGrainRuntime(runtime =>
        {
            runtime.AddGrains(GrainsAssembly.Assembly);
            if (settings.Storage == StorageMode.Memory)
            {
                runtime.AddMemoryGrainStorage().UseMemoryReminders();
            }
            else
            {
                runtime.UsePostgres(connectionString ?? throw new SiloConfigurationException("ConnectionStrings:Arbitrage is required for postgres storage."));
                if (settings.Role == SiloRole.Gateway) runtime.AsClusterClient();
            }
        });
}
