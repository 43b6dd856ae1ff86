namespace Arbitrage.Orleans.Runtime;

/// <summary>Every call to a grain class marked reentrant may interleave with other calls to the same activation.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>Calls to this method interleave with any other call, even on a non-reentrant grain.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>The method does not change state: read-only calls may interleave with each other.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>Names the grain type used in grain ids, storage rows and reminders. Defaults to the class name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Injects an <see cref="IPersistentState{TState}"/> named <paramref name="stateName"/> kept in the store <paramref name="storageName"/>.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName, string? storageName = null) : Attribute
{
    public string StateName { get; } = stateName;
    public string StorageName { get; } = storageName ?? GrainStorageNames.Default;
}

public static class GrainStorageNames
{
    public const string Default = "Default";
}
