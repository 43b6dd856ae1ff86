using Arbitrage.Orleans.Gateway.Apis;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>
/// The example of every record the OpenAPI document shows beside its schema, by type: the examples of each face (the
/// workloads, pricing and tokens face, the CreditService face, the faces over groups, the host-factory API), enumerated
/// once here and looked up in one place (<see cref="Http.ApiContractsOpenApi.AddContractExamples"/>). A record has one
/// example: a type two faces give an example for is refused when the registry is built.
/// </summary>
public static class ApiExamples
{
    private static readonly IReadOnlyDictionary<Type, object> ByType = Merge(
        ContractExamples.ByType, CreditApiExamples.ByType, GroupApiExamples.ByType, HostFactoryApiExamples.ByType);

    /// <summary>The example of <paramref name="type"/>, or null when it has none.</summary>
    public static object? For(Type type) => ByType.GetValueOrDefault(type);

    private static Dictionary<Type, object> Merge(params IReadOnlyDictionary<Type, object>[] faces)
    {
        var all = new Dictionary<Type, object>();
        foreach (var (type, example) in faces.SelectMany(face => face))
        {
            if (!all.TryAdd(type, example)) throw new InvalidOperationException($"{type} has an example in two faces' examples; give it one.");
        }

        return all;
    }
}
