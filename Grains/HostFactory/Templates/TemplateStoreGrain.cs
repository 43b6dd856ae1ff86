using Arbitrage.Orleans.Grains.Providers;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.HostFactory.Templates;

/// <summary>The API layer of the templates and the generations the silos' catalogs follow (kept in PostgreSQL).</summary>
[GenerateSerializer, Alias("arb.TemplateStoreState")]
public sealed class TemplateStoreState
{
    [Id(0)] public Dictionary<string, StoredTemplate> Templates { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public long TemplatesGeneration { get; set; }
    [Id(2)] public long FilesGeneration { get; set; }
}

/// <summary>
/// The templates written over the API, one grain for the cluster: every write moves the templates generation, every
/// refresh of the files the files generation, so each silo's catalog sees a change made through another silo.
/// </summary>
public sealed partial class TemplateStoreGrain(
    [PersistentState("template-store")] IPersistentState<TemplateStoreState> state,
    IOptions<MarketOptions> options) : Grain, ITemplateStoreGrain
{
    private TemplateGenerations Generations => new(state.State.TemplatesGeneration, state.State.FilesGeneration);

    public Task<TemplateGenerations> GetGenerations() => Task.FromResult(Generations);

    public Task<TemplateStoreSnapshot> GetSnapshot() =>
        Task.FromResult(new TemplateStoreSnapshot(Generations, state.State.Templates.Values.OrderBy(t => t.TemplateId, StringComparer.Ordinal).ToList()));

    public async Task<TemplateStoreWrite> Put(StoredTemplate template, bool createOnly)
    {
        ArgumentNullException.ThrowIfNull(template);
        bool exists = state.State.Templates.ContainsKey(template.TemplateId);
        if (exists && createOnly) return new TemplateStoreWrite(TemplateStoreOutcome.Exists, false, Generations);
        if (!exists && state.State.Templates.Count >= options.Value.MaxApiTemplates) return new TemplateStoreWrite(TemplateStoreOutcome.Full, false, Generations);
        state.State.Templates[template.TemplateId] = template;
        state.State.TemplatesGeneration++;
        await state.WriteStateAsync();
        return new TemplateStoreWrite(TemplateStoreOutcome.Stored, !exists, Generations);
    }

    public async Task<TemplateStoreWrite> Remove(string templateId)
    {
        if (!state.State.Templates.Remove(templateId)) return new TemplateStoreWrite(TemplateStoreOutcome.Missing, false, Generations);
        state.State.TemplatesGeneration++;
        await state.WriteStateAsync();
        return new TemplateStoreWrite(TemplateStoreOutcome.Stored, false, Generations);
    }

    public async Task<TemplateGenerations> FilesChanged()
    {
        state.State.FilesGeneration++;
        await state.WriteStateAsync();
        return Generations;
    }
}
