using System.Reflection;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>Turns a call on a grain reference into a request delivered to the grain's activation.</summary>
internal sealed class GrainCallDispatcher(Catalog catalog, CallTracker tracker, TimeProvider time)
{
    public object Invoke(GrainClassInfo grainClass, GrainId target, MethodInfo method, object?[] arguments)
    {
        if (!grainClass.Invokers.TryGetValue(method, out var invoker))
        {
            throw new InvalidOperationException($"{method.DeclaringType?.Name}.{method.Name} is not a method of grain class {grainClass.ClassType.Name}.");
        }

        invoker.CheckArguments(arguments);
        var (request, result) = invoker.CreateCall(target, arguments, time.GetTimestamp(), tracker);
        tracker.Track((ITrackedCall)request);
        Deliver(grainClass, target, request);
        return result;
    }

    /// <summary>Delivers a reminder tick to the grain, activating it if needed, and completes when the grain has handled it.</summary>
    public Task DeliverReminder(GrainClassInfo grainClass, GrainId target, string reminderName, TickStatus status)
    {
        var invoker = grainClass.ReminderInvoker
            ?? throw new InvalidOperationException($"Grain class {grainClass.ClassType.Name} received reminder '{reminderName}' but does not implement IRemindable.");
        var (request, result) = invoker.CreateCall(target, [reminderName, status], time.GetTimestamp(), tracker);
        tracker.Track((ITrackedCall)request);
        Deliver(grainClass, target, request);
        return (Task)result;
    }

    public void Deliver(GrainClassInfo grainClass, GrainId target, Request request)
    {
        try
        {
            while (!catalog.GetOrCreate(grainClass, target).TryEnqueue(request))
            {
                // The activation found was deactivating or gone; the next lookup finds or creates its successor.
            }
        }
        catch (Exception e)
        {
            request.Fail(e);
        }
    }
}
