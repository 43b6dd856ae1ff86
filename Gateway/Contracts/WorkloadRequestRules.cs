using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Wallets;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>What a workload and its requirements must be: the checks of <c>POST /v1/workloads</c> and <c>POST /v1/pricing/estimate</c>, each naming the field.</summary>
public sealed class WorkloadRequestRules : IRequestValidator<CreateWorkloadRequest>, IRequestValidator<WorkloadRequirements>
{
    public void Validate(CreateWorkloadRequest request, IServiceProvider services)
    {
        RequestRules.RequiredString("name", request.Name, CreateWorkloadRequest.MaxNameLength);
        Validate(RequestRules.Required("requirements", request.Requirements), "requirements.", services);
        Validate(RequestRules.Required("config", request.Config), "config.");
        RequestRules.StringMap("metadata", request.Metadata, 50, 1024);
        if (request.Metadata is { } metadata && metadata.TryGetValue("project_id", out var project) && !WalletKeys.IsValidProjectId(project))
        {
            throw ApiErrorException.Validation("metadata.project_id", $"metadata.project_id must name a wallet: 1 to 64 letters, digits, '.', '_' or '-'; got '{project}'.");
        }
    }

    public void Validate(WorkloadRequirements request, IServiceProvider services) => Validate(request, "", services);

    /// <summary>Checks the requirements against the market (known GPU types, regions, providers, ranges); fields are named under <paramref name="prefix"/>.</summary>
    public static void Validate(WorkloadRequirements requirements, string prefix, IServiceProvider services)
    {
        RequestRules.Strings(prefix + "preferredRegions", requirements.PreferredRegions);
        // The Compute Arbitrage API's schema: minMemoryGB has a minimum of 1 (the market itself would take less).
        if (requirements.MinMemoryGb < WorkloadContractMapping.MinimumMemoryGb)
        {
            throw ApiErrorException.Validation(prefix + "minMemoryGB", $"{prefix}minMemoryGB must be at least {WorkloadContractMapping.MinimumMemoryGb} GB; got {requirements.MinMemoryGb}.");
        }

        RequestRules.Strings(prefix + "providers", requirements.Providers);
        RequestRules.Strings(prefix + "zones", requirements.Zones);
        try
        {
            services.GetRequiredService<IPlacementService>().Validate(requirements.ToPlacement());
        }
        catch (PlacementValidationException e)
        {
            throw ApiErrorException.Validation(prefix + e.Field, e.Message);
        }
    }

    public static void Validate(WorkloadConfig config, string prefix)
    {
        RequestRules.RequiredString(prefix + "imageId", config.ImageId, 256);
        if (config.HealthCheckPort is < 1 or > 65535) throw ApiErrorException.Validation(prefix + "healthCheckPort", $"{prefix}healthCheckPort must be between 1 and 65535; got {config.HealthCheckPort}.");
        RequestRules.MaxLength(prefix + "healthCheckPath", config.HealthCheckPath, 512);
        if (config.HealthCheckPath is { } path && !path.StartsWith('/')) throw ApiErrorException.Validation(prefix + "healthCheckPath", $"{prefix}healthCheckPath must start with '/'; got '{path}'.");
        RequestRules.StringMap(prefix + "environmentVariables", config.EnvironmentVariables, 100, 4096);
        RequestRules.MaxLength(prefix + "startupScript", config.StartupScript, 64 * 1024);
    }
}
