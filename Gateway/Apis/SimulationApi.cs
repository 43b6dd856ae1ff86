using Arbitrage.Orleans.Contracts.Simulation;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.Workloads;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// Operator hooks into the simulated clouds, to see the product react: interrupt a workload's spot instance, or make
/// its health check fail. Only for the caller's own workloads, only on simulated providers, and only with
/// <c>tenants:manage</c> (operators). The simulated instances belong to the cluster, so any silo answers.
/// </summary>
public static class SimulationApi
{
    public static IEndpointRouteBuilder MapSimulationApi(this IEndpointRouteBuilder routes)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict, TooLarge = StatusCodes.Status413PayloadTooLarge;
        var simulation = routes.MapGroup("/v1/simulation/workloads/{workloadId}").WithTags("Simulation");
        simulation.MapPost("/interrupt", InterruptAsync).WithName("SimulateInterruption")
            .WithSummary("The simulated cloud sends an interruption notice for the workload's current instance")
            .ProducesApiErrors(NotFound, Conflict).RequirePermission(Permissions.TenantsManage);
        simulation.MapPost("/health", HealthAsync).WithName("SimulateHealth")
            .WithSummary("Makes the workload's current instance pass ({\"healthy\": true}) or fail its health check")
            .Accepts<SetSimulatedHealthRequest>("application/json").ProducesApiErrors(BadRequest, NotFound, Conflict, TooLarge).RequirePermission(Permissions.TenantsManage);
        return routes;
    }

    private static async Task<Accepted<SimulatedInterruption>> InterruptAsync(string workloadId, HttpContext context, IGrainFactory grains, ISimulationControl simulation)
    {
        var placement = await CurrentPlacementAsync(workloadId, context, grains);
        if (!await simulation.TryInterrupt(placement.Provider, placement.InstanceId))
        {
            throw new ApiErrorException(StatusCodes.Status409Conflict, ErrorCodes.Conflict,
                $"Instance {placement.InstanceId} cannot be interrupted: it already has a notice, or {placement.Provider} is not a simulated provider.");
        }

        return TypedResults.Accepted((string?)null, new SimulatedInterruption(workloadId, placement.Provider, placement.InstanceId, Interrupted: true));
    }

    private static async Task<Ok<SimulatedHealth>> HealthAsync(string workloadId, RequestBody<SetSimulatedHealthRequest> body, HttpContext context, IGrainFactory grains, ISimulationControl simulation)
    {
        bool healthy = body.Value.Healthy;
        var placement = await CurrentPlacementAsync(workloadId, context, grains);
        if (!await simulation.TrySetHealthy(placement.Provider, placement.InstanceId, healthy))
        {
            throw new ApiErrorException(StatusCodes.Status409Conflict, ErrorCodes.Conflict, $"{placement.Provider} is not a simulated provider, or it no longer knows {placement.InstanceId}.");
        }

        return TypedResults.Ok(new SimulatedHealth(workloadId, placement.Provider, placement.InstanceId, healthy));
    }

    private static async Task<WorkloadPlacement> CurrentPlacementAsync(string workloadId, HttpContext context, IGrainFactory grains)
    {
        var workload = await grains.GetGrain<IWorkloadGrain>(workloadId).Get(context.Grant().TenantId)
                       ?? throw ApiErrorException.NotFound(ErrorCodes.WorkloadNotFound, $"Workload '{workloadId}' does not exist.");
        return workload.Placement ?? throw new ApiErrorException(StatusCodes.Status409Conflict, ErrorCodes.Conflict,
            $"Workload '{workloadId}' has no instance now (status {workload.Status.ToString().ToUpperInvariant()}).");
    }
}
