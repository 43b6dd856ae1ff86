using System.Text.Json;
using Arbitrage.Orleans.Contracts.Platform;
using Arbitrage.Orleans.Gateway.Http;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The checks of the cluster-platform face's requests (<c>/provision</c>, <c>/deprovision</c>), run as each body is read;
/// each refusal is a 400 naming the field as the request spells it (<c>cluster.nodes.data.desired_count</c>).
/// </summary>
public sealed class PlatformRequestValidator : IRequestValidator<ProvisionRequest>, IRequestValidator<DeprovisionRequest>
{
    public const int MaxDesiredCount = 1000;

    public static IServiceCollection AddTo(IServiceCollection services)
    {
        var validator = new PlatformRequestValidator();
        services.AddSingleton<IRequestValidator<ProvisionRequest>>(validator);
        services.AddSingleton<IRequestValidator<DeprovisionRequest>>(validator);
        return services;
    }

    public void Validate(ProvisionRequest request, IServiceProvider services)
    {
        var cluster = RequestRules.Required("cluster", request.Cluster);
        Id("cluster.cluster_id", RequestRules.RequiredString("cluster.cluster_id", cluster.ClusterId, 64));
        CheckAttributes("cluster.attributes", cluster.Attributes);
        RequestRules.MaxLength("cluster.store", cluster.Store, 64);
        RequestRules.MaxLength("cluster.store_version", cluster.StoreVersion, 64);
        var nodes = RequestRules.Required("cluster.nodes", cluster.Nodes);
        var provision = RequestRules.Required("provision", request.Provision);
        string nodeGroupId = RequestRules.RequiredString("provision.node_group_id", provision.NodeGroupId, 63);
        if (!nodes.TryGetValue(nodeGroupId, out var nodeGroup))
        {
            string names = string.Join(", ", nodes.Keys) is { Length: > 0 } given ? given : "none";
            throw ApiErrorException.Validation("provision.node_group_id", $"provision.node_group_id '{nodeGroupId}' is not a node group of cluster.nodes (it has {names}).");
        }

        string field = $"cluster.nodes.{nodeGroupId}";
        nodeGroup = RequestRules.Required(field, nodeGroup);
        if (nodeGroup.DesiredCount is < 0 or > MaxDesiredCount)
        {
            throw ApiErrorException.Validation($"{field}.desired_count", $"{field}.desired_count must be between 0 and {MaxDesiredCount}; got {nodeGroup.DesiredCount}.");
        }

        RequestRules.RequiredString($"{field}.node_class", nodeGroup.NodeClass, 128);
        RequestRules.MaxLength($"{field}.version", nodeGroup.Version, 64);
        CheckAttributes($"{field}.attributes", nodeGroup.Attributes);
    }

    public void Validate(DeprovisionRequest request, IServiceProvider services)
    {
        RequestRules.RequiredString("cluster_id", request.ClusterId, 64);
        RequestRules.RequiredString("node_id", request.NodeId, 64);
    }

    /// <summary>An attributes map as stored on the nodes: strings as given, any other JSON value as its JSON text.</summary>
    public static Dictionary<string, string> Attributes(IReadOnlyDictionary<string, JsonElement>? attributes) =>
        (attributes ?? new Dictionary<string, JsonElement>()).ToDictionary(a => a.Key, a => Text(a.Value), StringComparer.Ordinal);

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static void CheckAttributes(string field, IReadOnlyDictionary<string, JsonElement>? attributes)
    {
        if (attributes is null) return;
        if (attributes.Count > 40) throw ApiErrorException.Validation(field, $"{field} has more than 40 entries.");
        foreach (var (key, value) in attributes)
        {
            if (key.Length is 0 or > 128) throw ApiErrorException.Validation(field, $"Keys of {field} must have 1 to 128 characters.");
            if (Text(value).Length > 1024) throw ApiErrorException.Validation($"{field}.{key}", $"{field}.{key} is longer than 1024 characters.");
        }
    }

    private static void Id(string field, string text)
    {
        if (!text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw ApiErrorException.Validation(field, $"{field} may hold only letters, digits, '-', '_' and '.'; got '{text}'.");
        }
    }
}
