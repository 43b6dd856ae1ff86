using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Arbitrage.Orleans.Grains;

public static class WorkloadServiceCollectionExtensions
{
    /// <summary>
    /// Workloads, wallets and tenants on this silo (their grains come with the grains assembly): the workload
    /// settings (validated at start, each error naming the setting), the workload list, and the interruption watcher.
    /// </summary>
    public static IServiceCollection AddWorkloads(this IServiceCollection services, Action<WorkloadOptions>? configure = null)
    {
        services.AddOptions<WorkloadOptions>().Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkloadOptions>, WorkloadOptionsValidator>();
        services.AddOptions<Tenancy.QuotaOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Tenancy.QuotaOptions>, QuotaOptionsValidator>();
        services.AddSingleton<IWorkloadCatalog, WorkloadCatalog>();
        services.AddSingleton<ISimulationControl, Providers.SimulationControl>();
        services.AddHostedService<InterruptionWatcher>();
        return services;
    }

    private sealed class QuotaOptionsValidator : IValidateOptions<Tenancy.QuotaOptions>
    {
        public ValidateOptionsResult Validate(string? name, Tenancy.QuotaOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    private sealed class WorkloadOptionsValidator : IValidateOptions<WorkloadOptions>
    {
        public ValidateOptionsResult Validate(string? name, WorkloadOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
