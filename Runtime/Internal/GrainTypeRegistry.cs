namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Maps grain interfaces and grain type names to the registered grain classes.</summary>
internal sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainClassInfo> _byInterface = [];
    private readonly Dictionary<Type, string> _ambiguous = [];
    private readonly Dictionary<string, GrainClassInfo> _byGrainType = new(StringComparer.Ordinal);

    public GrainTypeRegistry(IEnumerable<Type> grainClasses, GrainRuntime runtime, SerializationRules rules)
    {
        foreach (var classType in grainClasses.Distinct())
        {
            var info = new GrainClassInfo(classType, runtime, rules);
            if (!_byGrainType.TryAdd(info.GrainType, info))
            {
                throw new InvalidOperationException(
                    $"Grain type '{info.GrainType}' is used by both {_byGrainType[info.GrainType].ClassType.FullName} and {classType.FullName}; give one a [GrainType(\"...\")].");
            }

            foreach (var grainInterface in GrainClassInfo.GrainInterfaces(classType))
            {
                if (_byInterface.TryGetValue(grainInterface, out var other))
                {
                    _ambiguous[grainInterface] = $"{other.ClassType.Name} and {classType.Name}";
                }
                else
                {
                    _byInterface[grainInterface] = info;
                }
            }
        }
    }

    public IEnumerable<GrainClassInfo> Classes => _byGrainType.Values;

    public GrainClassInfo Resolve(Type grainInterface)
    {
        if (_ambiguous.TryGetValue(grainInterface, out var candidates))
        {
            throw new ArgumentException($"{grainInterface.Name} is implemented by more than one grain class ({candidates}); a grain interface must have exactly one.");
        }

        return _byInterface.TryGetValue(grainInterface, out var info)
            ? info
            : throw new ArgumentException(
                $"No grain class implements {grainInterface.Name}. Register its grain class with AddGrains(assembly) or AddGrain<T>() when adding the grain runtime.");
    }

    public GrainClassInfo? FindByGrainType(string grainType) => _byGrainType.GetValueOrDefault(grainType);
}
