using System.CommandLine;
using Arbitrage.Orleans.Contracts.Workloads;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>The API's <c>WorkloadRequirements</c> as flags, shared by <c>workloads create</c> and <c>pricing estimate</c>.</summary>
public sealed class RequirementOptions
{
    public Option<int> Cpu { get; } = new("--cpu") { Description = "minCPU: the least number of vCPUs", Required = true };
    public Option<double> Memory { get; } = new("--memory") { Description = "minMemoryGB: the least memory, in GB", Required = true };
    public Option<int?> Gpu { get; } = new("--gpu") { Description = "gpuCount (default 0)" };
    public Option<string?> GpuType { get; } = new("--gpu-type") { Description = "gpuType, e.g. A100" };
    public Option<decimal?> MaxPrice { get; } = new("--max-price") { Description = "maxPricePerHour, USD" };
    public Option<double?> MaxInterruption { get; } = new("--max-interruption") { Description = "maxInterruptionRate, 0 to 1" };
    public Option<string[]> Region { get; } = new("--region") { Description = "preferredRegions (repeat for several)" };
    public Option<string[]> Provider { get; } = new("--provider") { Description = "providers to consider (repeat for several)" };
    public Option<string[]> Zone { get; } = new("--zone") { Description = "zones to place in: zone IDs (use1-az4) or AWS zone names (us-east-1a); repeat for several" };
    public Option<bool> NoSpot { get; } = new("--no-spot") { Description = "allowSpot false: on-demand only" };
    public Option<bool> NoOnDemand { get; } = new("--no-on-demand") { Description = "allowOnDemand false: spot only" };

    public Command AddTo(Command command) => command.With(Cpu, Memory, Gpu, GpuType, MaxPrice, MaxInterruption, Region, Provider, Zone, NoSpot, NoOnDemand);

    public WorkloadRequirements Read(ParseResult parsed) => new(
        parsed.GetValue(Cpu),
        parsed.GetValue(Memory),
        parsed.GetValue(Gpu),
        parsed.GetValue(GpuType),
        parsed.GetValue(Region) is { Length: > 0 } regions ? regions : null,
        parsed.GetValue(MaxPrice),
        parsed.GetValue(MaxInterruption),
        parsed.GetValue(Provider) is { Length: > 0 } providers ? providers : null,
        parsed.GetValue(NoSpot) ? false : null,
        parsed.GetValue(NoOnDemand) ? false : null,
        parsed.GetValue(Zone) is { Length: > 0 } zones ? zones : null);
}
