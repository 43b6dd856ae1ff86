using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory.Requests;

/// <summary>
/// Checks a new request in the order a caller can act on (the template exists; the machine count is within the
/// template's max_instances; the strategy has what it needs; a provider is eligible for that many machines), then
/// hands the template snapshot and the selection to the request's grain, which stores them before answering.
/// </summary>
public sealed class HostRequestService(ITemplateCatalog templates, IProviderSelector selector, IGrainFactory grains) : IHostRequestService
{
    public async Task<HostRequestSummary> CreateAsync(HostRequestAsk ask, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ask);
        var grain = grains.GetGrain<IHostRequestGrain>(ask.RequestId);
        if (ask.Retryable && await grain.Replay(ask.TenantId, ask.Fingerprint) is { } first) return first;
        var template = await templates.FindAsync(ask.TemplateId, cancellationToken) ?? throw await TemplateMissingAsync(ask.TemplateId, cancellationToken);
        if (ask.MaxNumber > template.MaxInstances)
        {
            throw new HostFactoryException(HostFactoryErrorCodes.InstanceLimitExceeded,
                $"{ask.MaxNumber} machines exceed the max_instances of template '{template.TemplateId}' ({template.MaxInstances}).",
                new Dictionary<string, object?>
                {
                    ["requested_instances"] = ask.MaxNumber,
                    ["limit"] = template.MaxInstances,
                    ["limited_by"] = "template",
                    ["template_id"] = template.TemplateId,
                    ["suggestion"] = $"Ask for at most {template.MaxInstances} machines, or raise the template's max_instances",
                });
        }

        var request = TemplateSelection.For(template, ask.Strategy, ask.ProviderInstance, ask.ProviderType, ask.ProviderApi, ask.MaxNumber);
        switch (request.Strategy)
        {
            case SelectionStrategies.Explicit when request.ProviderInstance is null:
                throw new ArgumentException("providerPreference.provider_instance (or the template's provider_name) is required by the explicit strategy.", "providerPreference.provider_instance");
            case SelectionStrategies.LoadBalanced when request.ProviderType is null:
                throw new ArgumentException("providerPreference.provider_type (or the template's provider_type) is required by the load_balanced strategy: it balances across the instances of a type.", "providerPreference.provider_type");
            case SelectionStrategies.ApiBased when request.ProviderApi is null:
                throw new ArgumentException("providerPreference.provider_api (or the template's provider_api) is required by the api_based strategy.", "providerPreference.provider_api");
        }

        var selection = await selector.SelectAsync(request, cancellationToken);
        return await grain.Create(new CreateHostRequest(ask.TenantId, template, ask.MaxNumber, selection, ask.Fingerprint));
    }

    private async Task<HostFactoryException> TemplateMissingAsync(string templateId, CancellationToken cancellationToken) =>
        new(HostFactoryErrorCodes.TemplateNotFound, $"Template '{templateId}' not found.",
            new Dictionary<string, object?>
            {
                ["requested_template"] = templateId,
                ["available_templates"] = (await templates.ListAsync(cancellationToken)).Select(t => t.TemplateId).ToList(),
                ["suggestion"] = "Use 'GET /api/v1/templates' to see available templates",
            });
}
