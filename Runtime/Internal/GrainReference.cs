using System.Reflection;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// A typed reference to a grain: a proxy implementing the grain interface whose every call becomes a request to
/// the grain's activation. Creating one activates nothing.
/// </summary>
public class GrainReference : DispatchProxy
{
    private GrainClassInfo? _grainClass;

    /// <summary>The grain this reference points to.</summary>
    public GrainId GrainId { get; private set; }

    private int _partition;

    internal void Bind(GrainClassInfo grainClass, GrainId id, int partition)
    {
        _grainClass = grainClass;
        GrainId = id;
        _partition = partition;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var grainClass = _grainClass ?? throw new InvalidOperationException("This grain reference was not created by a grain factory.");
        return grainClass.Runtime.Dispatcher.Invoke(grainClass, GrainId, _partition, targetMethod, args ?? []);
    }

    public override string ToString() => $"GrainReference({GrainId})";

    public override bool Equals(object? obj) => obj is GrainReference other && other.GrainId == GrainId;

    public override int GetHashCode() => GrainId.GetHashCode();
}
