namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>What provider selection is asked for a stored template: the template's filters, overridden by the caller's.</summary>
public static class TemplateSelection
{
    /// <param name="strategy">The strategy asked for; without one, explicit when an instance is named, else default.</param>
    /// <param name="machines">How many machines the request asks for (the template's <c>max_instances</c> for a dry run).</param>
    public static ProviderSelectionRequest For(HostTemplate template, string? strategy, string? instance, string? type, string? api, int machines)
    {
        ArgumentNullException.ThrowIfNull(template);
        instance ??= template.ProviderName;
        type ??= template.ProviderType;
        api ??= template.ProviderApi;
        strategy ??= instance is not null ? SelectionStrategies.Explicit : SelectionStrategies.Default;
        return new ProviderSelectionRequest(strategy, instance, type, api, machines, template.Requirements, template.TemplateId);
    }
}
