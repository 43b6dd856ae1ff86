using System.Reflection;
using Arbitrage.Orleans.Runtime.Internal;

namespace Arbitrage.Orleans.Runtime.Filters;

/// <summary>Runs the incoming call filters in registration order, then the grain method.</summary>
internal sealed class IncomingGrainCallContext(IIncomingGrainCallFilter[] filters, GrainMethodInvoker invoker, Grain grain, GrainId target, object?[] arguments)
    : IIncomingGrainCallContext
{
    private int _next;

    public object Grain => grain;
    public GrainId TargetId => target;
    public MethodInfo InterfaceMethod => invoker.InterfaceMethod;
    public IReadOnlyList<object?> Arguments => arguments;
    public object? Result { get; set; }

    public async Task Invoke()
    {
        if (_next < filters.Length)
        {
            await filters[_next++].Invoke(this);
            return;
        }

        var task = invoker.InvokeDirect(grain, arguments);
        await task;
        if (invoker.ReturnsValue)
        {
            Result = invoker.GetResult(task);
        }
    }
}
