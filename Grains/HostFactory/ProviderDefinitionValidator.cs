using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Clouds;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Grains.Providers;
using Orleans;

namespace Arbitrage.Orleans.Grains.HostFactory;

/// <summary>
/// Checks provider definitions as the providers file is checked at start (<see cref="ProvidersFile.Check"/>, and a real
/// provider's settings by its cloud's adapter factory), without applying them. Fields may be spelled as in the file
/// (<c>maxInstancesPerRequest</c>) or in the API's snake_case (<c>max_instances_per_request</c>). Warnings are what
/// would load but probably not do what was meant: a disabled provider, a weight of 0, a name already configured.
/// </summary>
public sealed class ProviderDefinitionValidator(ProviderRegistry registry, IEnumerable<IRealCloudAdapterFactory> realFactories, IGrainFactory grains) : IProviderDefinitionValidator
{
    private readonly IReadOnlyDictionary<CloudKind, IRealCloudAdapterFactory> _real = realFactories.ToDictionary(f => f.Cloud);

    public ProviderDefinitionsResult Validate(IReadOnlyList<JsonElement> definitions)
    {
        var parsed = new ProviderConfig?[definitions.Count];
        var parseErrors = new string?[definitions.Count];
        for (int i = 0; i < definitions.Count; i++)
        {
            try
            {
                parsed[i] = ProvidersFile.Parse(CamelCased(definitions[i]));
            }
            catch (JsonException e)
            {
                parseErrors[i] = e.Message;
            }
        }

        // The rules of the file, over the definitions that parsed (so a name used twice is caught across the list).
        var readable = Enumerable.Range(0, definitions.Count).Where(i => parsed[i] is not null).ToList();
        var problems = ProvidersFile.Check(readable.Select(i => parsed[i]!).ToList());
        var results = new List<ProviderDefinitionResult>(definitions.Count);
        for (int i = 0; i < definitions.Count; i++)
        {
            if (parsed[i] is not { } provider)
            {
                results.Add(new ProviderDefinitionResult(NameOf(definitions[i], i), false, [$"not a valid provider definition: {parseErrors[i]}"], []));
                continue;
            }

            var errors = problems[readable.IndexOf(i)].Errors.ToList();
            if (errors.Count == 0 && provider.IsReal) errors.AddRange(RealProblems(provider));
            results.Add(new ProviderDefinitionResult(string.IsNullOrWhiteSpace(provider.Name) ? $"providers[{i}]" : provider.Name, errors.Count == 0, errors, Warnings(provider, replacing: true)));
        }

        return new ProviderDefinitionsResult(results.All(r => r.Valid), results);
    }

    public async Task<ProviderDefinitionsResult> ValidateConfiguredAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var all = registry.All.Select(p => p.Config).ToList();
        var unknown = names.FirstOrDefault(n => registry.Find(n) is null);
        if (unknown is not null)
        {
            throw HostFactoryException.ProviderNotFound(unknown, all.Select(p => p.Name));
        }

        var problems = ProvidersFile.Check(all);
        var chosen = Enumerable.Range(0, all.Count)
            .Where(i => names.Count == 0 || names.Contains(all[i].Name, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var statuses = await Task.WhenAll(chosen.Select(i => grains.GetGrain<IProviderGrain>(all[i].Name).GetDetails().WaitAsync(cancellationToken)));
        var results = new List<ProviderDefinitionResult>(chosen.Count);
        for (int k = 0; k < chosen.Count; k++)
        {
            var provider = all[chosen[k]];
            var errors = problems[chosen[k]].Errors.ToList();
            if (errors.Count == 0 && provider.IsReal) errors.AddRange(RealProblems(provider));
            var warnings = Warnings(provider, replacing: false);
            if (provider.Enabled && statuses[k].Status != "healthy") warnings.Add($"status is {statuses[k].Status}: selection passes this provider by until it recovers");
            results.Add(new ProviderDefinitionResult(provider.Name, errors.Count == 0, errors, warnings));
        }

        return new ProviderDefinitionsResult(results.All(r => r.Valid), results);
    }

    private IEnumerable<string> RealProblems(ProviderConfig provider) =>
        _real.TryGetValue(provider.Cloud, out var factory)
            ? factory.Validate(provider.ToRealSettings())
            : [$"adapter 'real' is not available for type '{provider.Type}' in this build"];

    /// <param name="replacing">The definition is a new one: say when it would replace a configured provider.</param>
    private List<string> Warnings(ProviderConfig provider, bool replacing)
    {
        var warnings = new List<string>();
        if (!provider.Enabled) warnings.Add("enabled is false: selection passes this provider by");
        else if (provider.Weight == 0) warnings.Add("weight is 0: load-balanced selection never picks this provider while another of its type has weight");
        if (replacing && registry.Find(provider.Name) is { } configured)
        {
            warnings.Add($"a provider named '{configured.Config.Name}' is already configured (type {configured.Config.Type.ToLowerInvariant()}); this definition would replace it");
        }

        return warnings;
    }

    private static string NameOf(JsonElement definition, int index) =>
        definition.ValueKind == JsonValueKind.Object && definition.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(name.GetString())
            ? name.GetString()!
            : $"providers[{index}]";

    /// <summary>The definition with snake_case field names turned into the file's camelCase (values untouched).</summary>
    private static JsonElement CamelCased(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object) return definition;
        var node = JsonNode.Parse(definition.GetRawText())!;
        Rename(node);
        return JsonSerializer.SerializeToElement(node);
    }

    private static void Rename(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    Rename(value);
                    if (!name.Contains('_', StringComparison.Ordinal)) continue;
                    obj.Remove(name);
                    var parts = name.Split('_', StringSplitOptions.RemoveEmptyEntries);
                    obj[parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]))] = value;
                }

                break;
            case JsonArray array:
                foreach (var item in array) Rename(item);
                break;
        }
    }
}
