using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Arbitrage.Orleans.Clouds.Real;

/// <summary>The real clouds' adapters: one <see cref="IRealCloudAdapterFactory"/> per cloud, used for providers with <c>adapter: real</c>.</summary>
public static class RealCloudsServiceCollectionExtensions
{
    public static IServiceCollection AddRealClouds(this IServiceCollection services)
    {
        // Each cloud registers its factory here: services.AddSingleton<IRealCloudAdapterFactory, XCloudAdapterFactory>();
        services.AddSingleton<IRealCloudAdapterFactory>(sp => new Gcp.GcpCloudAdapterFactory(sp.GetService<TimeProvider>(), sp.GetService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.AddSingleton<IRealCloudAdapterFactory, Azure.AzureCloudAdapterFactory>();
        services.TryAddSingleton(new Aws.AwsAdapterOptions());
        services.AddSingleton<IRealCloudAdapterFactory, Aws.AwsCloudAdapterFactory>();
        return services;
    }
}
