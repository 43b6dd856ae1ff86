using Arbitrage.Orleans.Grains.Wallets;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains;

public static class WorkloadServiceCollectionExtensions
{
    /// <summary>
    /// Workloads, wallets and tenants on this silo (their grains come with the grains assembly): the workload
    /// settings and the wallet settings (validated at start, each error naming the setting), the workload list, the
    /// interruption watcher, and the orphan reconciler (a silo lifecycle participant: only silos run it).
    /// </summary>
    public static IServiceCollection AddWorkloads(this IServiceCollection services, Action<WorkloadOptions>? configure = null, Action<WalletOptions>? configureWallets = null)
    {
        services.AddOptions<WorkloadOptions>().Configure(o => configure?.Invoke(o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkloadOptions>, WorkloadOptionsValidator>();
        services.AddOptions<Tenancy.QuotaOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Tenancy.QuotaOptions>, QuotaOptionsValidator>();
        services.AddOptions<WalletOptions>().Configure(o => configureWallets?.Invoke(o)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WalletOptions>, WalletOptionsValidator>();
        services.AddSingleton<OrphanReconciler>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<OrphanReconciler>());
        services.AddSingleton<IWorkloadCatalog, WorkloadCatalog>();
        services.AddSingleton<HostFactory.IHostRequestCatalog, HostFactory.Requests.HostRequestCatalog>();
        services.AddSingleton<HostFactory.IHostRequestService, HostFactory.Requests.HostRequestService>();
        services.AddOptions<HostFactory.Requests.HostRequestOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<HostFactory.Requests.HostRequestOptions>, HostRequestOptionsValidator>();
        services.AddSingleton<HostFactory.Requests.UnfinishedRequestSweeper>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<HostFactory.Requests.UnfinishedRequestSweeper>());
        services.AddSingleton<Groups.IGroupCatalog, Groups.GroupCatalog>();
        services.AddOptions<Groups.GroupOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<Groups.GroupOptions>, GroupOptionsValidator>();
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

    private sealed class HostRequestOptionsValidator : IValidateOptions<HostFactory.Requests.HostRequestOptions>
    {
        public ValidateOptionsResult Validate(string? name, HostFactory.Requests.HostRequestOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    private sealed class GroupOptionsValidator : IValidateOptions<Groups.GroupOptions>
    {
        public ValidateOptionsResult Validate(string? name, Groups.GroupOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    private sealed class WalletOptionsValidator : IValidateOptions<WalletOptions>
    {
        public ValidateOptionsResult Validate(string? name, WalletOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
