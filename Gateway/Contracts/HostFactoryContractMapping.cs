using System.Text.Json;
using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Templates;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Grains.HostFactory;
using Market = Arbitrage.Orleans.Grains.Market;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>Between the host-factory API's records of the wire (Arbitrage.Orleans.Contracts.Providers, .Requests) and the grains' records.</summary>
public static class HostFactoryContractMapping
{
    public static Arbitrage.Orleans.Contracts.Providers.ProviderDetails ToContract(this Market.ProviderDetails d) => new(
        d.Name, d.Type, d.Enabled, d.Priority, d.Weight, d.Capabilities, d.Status, d.StatusReason, d.LastProbeAt, d.Configuration,
        new Arbitrage.Orleans.Contracts.Providers.ProviderLimits(d.Limits.MaxInstancesPerRequest, d.Limits.MaxConcurrentRequests),
        new Arbitrage.Orleans.Contracts.Providers.ProviderStatistics(d.Statistics.TotalRequests, d.Statistics.SuccessfulRequests, d.Statistics.FailedRequests, d.Statistics.AverageResponseTimeMs));

    public static ProviderSummary ToSummary(this Market.ProviderDetails d) => new(d.Name, d.Type, d.Enabled, d.Priority, d.Weight, d.Capabilities, d.Status);

    public static Arbitrage.Orleans.Contracts.Providers.ProviderCapabilities ToContract(this Market.ProviderCapabilities c) => new(
        c.ProviderInstance,
        c.SupportedApis.Select(a => new Arbitrage.Orleans.Contracts.Providers.ProviderApi(a.Name, a.SupportsSpot, a.SupportsOnDemand, a.MaxInstances, a.SupportedFleetTypes)).ToList(),
        c.PricingModels, c.Regions, c.AvailabilityZones);

    public static Arbitrage.Orleans.Contracts.Providers.ProviderDefinitionsResult ToContract(this Grains.HostFactory.ProviderDefinitionsResult r) => new(
        r.Valid, r.Providers.Select(p => new Arbitrage.Orleans.Contracts.Providers.ProviderDefinitionResult(p.Name, p.Valid, p.Errors, p.Warnings)).ToList());

    /// <summary>The selection; the cheapest offer as the pricing face's offer is written (snake_case), null when none fits.</summary>
    public static Arbitrage.Orleans.Contracts.Providers.ProviderSelection ToContract(this Grains.HostFactory.ProviderSelection s) => new(
        s.ProviderType, s.ProviderInstance, s.SelectionReason, s.Confidence, s.Alternatives, s.SelectionTimeMs,
        new Arbitrage.Orleans.Contracts.Providers.SelectionValidation(s.ValidationResult.Valid, s.ValidationResult.SupportedFeatures, s.ValidationResult.Errors, s.ValidationResult.Warnings),
        s.Strategy,
        s.CheapestOffer is null ? null : JsonSerializer.SerializeToElement(s.CheapestOffer, ApiJson.SnakeCase),
        s.Skipped.Select(k => new Arbitrage.Orleans.Contracts.Providers.SkippedProvider(k.Provider, k.Reason)).ToList());

    public static CreatedRequest ToCreated(this HostRequestSummary summary)
    {
        var s = summary.Selection;
        return new CreatedRequest(summary.RequestId, summary.TemplateId, summary.RequestedCount,
            new CreatedSelection(s.ProviderType, s.ProviderInstance, s.SelectionReason, s.Confidence, s.Alternatives), summary.Status, summary.CreatedAt.UtcDateTime);
    }

    public static RequestDetails ToContract(this HostRequestDetails d)
    {
        var s = d.Summary;
        return new RequestDetails(s.RequestId, s.TemplateId, s.RequestedCount, s.Selection.ProviderType, s.Selection.ProviderInstance, s.Status, d.StatusReason,
            d.Machines.Select(ToContract).ToList(),
            new RequestSelection(s.Selection.SelectionReason, s.Selection.Confidence, s.Selection.SelectionTimeMs, s.Selection.Strategy, s.Selection.Alternatives),
            s.CreatedAt.UtcDateTime, d.CompletedAt?.UtcDateTime);
    }

    public static RequestListItem ToContract(this HostRequestListItem r) =>
        new(r.RequestId, r.TemplateId, r.RequestedCount, r.ProviderType, r.ProviderInstance, r.Status, r.CreatedAt.UtcDateTime, r.CompletedAt?.UtcDateTime);

    public static Machine ToContract(this HostMachine m) => new(m.MachineId, m.WorkloadId, m.ProviderInstance, m.Status, m.Reason, m.CreatedAt.UtcDateTime);

    /// <summary>
    /// A merged template as the API shows it: its fields as the chain merged them (unknown ones in
    /// <see cref="Template.AdditionalFields"/>, values as given), and <c>source_info</c> (with the override chain when asked).
    /// </summary>
    public static Template ToContract(this HostTemplate template, bool includeChain)
    {
        var fields = JsonSerializer.Deserialize(template.FieldsJson, SnakeCaseJsonContext.Default.Template)
                     ?? throw new InvalidOperationException($"Template '{template.TemplateId}' has no fields.");
        var source = template.Source;
        return fields with
        {
            SourceInfo = new Arbitrage.Orleans.Contracts.Templates.TemplateSourceInfo(source.SourceFile, source.FileType, source.Priority,
                includeChain ? source.OverrideChain.Select(l => new Arbitrage.Orleans.Contracts.Templates.TemplateLayer(l.File, l.Fields)).ToList() : null),
        };
    }
}
