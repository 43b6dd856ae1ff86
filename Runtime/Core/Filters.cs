using System.Reflection;

namespace Arbitrage.Orleans.Runtime;

/// <summary>Observes or changes every call arriving at a grain of this silo, like Orleans' incoming call filters.</summary>
public interface IIncomingGrainCallFilter
{
    Task Invoke(IIncomingGrainCallContext context);
}

/// <summary>One incoming call as a filter sees it.</summary>
public interface IIncomingGrainCallContext
{
    /// <summary>The grain instance being called.</summary>
    object Grain { get; }

    GrainId TargetId { get; }

    /// <summary>The method of the grain interface being called.</summary>
    MethodInfo InterfaceMethod { get; }

    /// <summary>The arguments of the call.</summary>
    IReadOnlyList<object?> Arguments { get; }

    /// <summary>The result once <see cref="Invoke"/> completed; a filter may replace it.</summary>
    object? Result { get; set; }

    /// <summary>Runs the next filter, or the grain method itself.</summary>
    Task Invoke();
}
