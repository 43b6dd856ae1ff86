using System.Reflection;
using Arbitrage.Orleans.Runtime.Cluster;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>
/// Turns a call on a grain reference into a request and delivers it where the grain's partition is served: to the
/// local activation, or to the owning silo's internal endpoint. While ownership is moving (no owner yet, a dead
/// owner, a silo that no longer serves the partition) it retries after each refresh of the partition map until the
/// call's response timeout. A call is retried only when the owner certainly did not run it (refused connection, or
/// "not served here"); a call lost with its silo fails with <see cref="SiloUnavailableException"/> (at most once).
/// </summary>
internal sealed class GrainCallDispatcher(GrainRuntime runtime)
{
    private Catalog Catalog => runtime.Catalog;
    private CallTracker Tracker => runtime.Tracker;
    private GrainPlacement Placement => runtime.Placement;

    public object Invoke(GrainClassInfo grainClass, GrainId target, int partition, MethodInfo method, object?[] arguments)
    {
        if (!grainClass.Invokers.TryGetValue(method, out var invoker))
        {
            throw new InvalidOperationException($"{method.DeclaringType?.Name}.{method.Name} is not a method of grain class {grainClass.ClassType.Name}.");
        }

        invoker.CheckArguments(arguments);
        var (request, result) = invoker.CreateCall(target, partition, arguments, runtime.Time.GetTimestamp(), Tracker);
        Tracker.Track(request);
        Deliver(grainClass, request);
        return result;
    }

    /// <summary>Delivers a reminder tick to the grain, activating it if needed, and completes when the grain has handled it.</summary>
    public Task DeliverReminder(GrainClassInfo grainClass, GrainId target, string reminderName, TickStatus status)
    {
        var invoker = grainClass.ReminderInvoker
            ?? throw new InvalidOperationException($"Grain class {grainClass.ClassType.Name} received reminder '{reminderName}' but does not implement IRemindable.");
        var (request, _) = invoker.CreateCall(target, Placement.PartitionOf(target), [reminderName, status], runtime.Time.GetTimestamp(), Tracker);
        Tracker.Track(request);
        Deliver(grainClass, request);
        return request.Completion;
    }

    /// <summary>Routes a call: to the local activation when this silo serves its partition, else to the owner.</summary>
    public void Deliver(GrainClassInfo grainClass, CallRequest request)
    {
        var route = Placement.Resolve(request.Partition);
        if (route.Kind == RouteKind.Local)
        {
            DeliverLocal(grainClass, request, route.Epoch);
        }
        else
        {
            _ = ForwardAsync(grainClass, request);
        }
    }

    /// <summary>Serves a call that another silo or a cluster client sent here.</summary>
    public async Task<RemoteResultMessage> InvokeFromRemoteAsync(RemoteCallMessage call, CancellationToken cancellationToken)
    {
        try
        {
            var grainClass = runtime.Registry.FindByGrainType(call.GrainType)
                ?? throw new ArgumentException($"Grain type '{call.GrainType}' is not registered on this silo.");
            var invoker = grainClass.InvokersBySignature.GetValueOrDefault(call.Method)
                ?? throw new ArgumentException($"Grain type '{call.GrainType}' has no method {call.Method}.");
            var target = new GrainId(call.GrainType, call.Key);
            int partition = Placement.PartitionOf(target);
            var route = Placement.Resolve(partition);
            if (route.Kind != RouteKind.Local) return RemoteResultMessage.NotServedHere;

            var (request, _) = invoker.CreateCall(target, partition, invoker.DeserializeArguments(call.Arguments), runtime.Time.GetTimestamp(), Tracker);
            Tracker.Track(request);
            DeliverLocal(grainClass, request, route.Epoch);
            await request.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new RemoteResultMessage(invoker.SerializeResult(request.Completion), null, null, false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return RemoteResultMessage.Failure(e);
        }
    }

    private void DeliverLocal(GrainClassInfo grainClass, CallRequest request, long epoch)
    {
        try
        {
            while (!Catalog.GetOrCreate(grainClass, request.Target, request.Partition, epoch).TryEnqueue(request))
            {
                // The activation found was deactivating or gone; the next lookup finds or creates its successor.
            }
        }
        catch (Exception e)
        {
            request.Fail(e);
        }
    }

    private async Task ForwardAsync(GrainClassInfo grainClass, CallRequest request)
    {
        try
        {
            var stopping = runtime.Stopping;
            var stopped = runtime.Stopped;
            while (!request.IsCompleted && !stopped.IsCompleted)
            {
                // Read before resolving, so a map refresh in between wakes the retry below.
                var changed = Placement.Changed;
                var route = Placement.Resolve(request.Partition);
                if (route.Kind == RouteKind.Local)
                {
                    DeliverLocal(grainClass, request, route.Epoch);
                    return;
                }

                if (route.Kind == RouteKind.Remote && await TryCallRemoteAsync(request, route.Address!, stopping).ConfigureAwait(false))
                {
                    return;
                }

                await Task.WhenAny(changed, request.Completion, stopped).ConfigureAwait(false);
            }

            request.Fail(new SiloUnavailableException($"No silo could serve {request.Invoker.Name} on grain {request.Target}: this silo is stopping."));
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            request.Fail(new SiloUnavailableException($"No silo could serve {request.Invoker.Name} on grain {request.Target}: this silo is stopping."));
        }
        catch (Exception e)
        {
            request.Fail(e);
        }
    }

    /// <summary>Sends the call to the owner; false when it must be retried after the map changes (never reached it, or not served there).</summary>
    private async Task<bool> TryCallRemoteAsync(CallRequest request, string address, CancellationToken stopping)
    {
        try
        {
            var answer = await runtime.RemoteClient.CallAsync(
                address,
                new RemoteCallMessage(request.Target.Type, request.Target.Key, request.Invoker.Signature, request.Invoker.SerializeArguments(request.Arguments)),
                stopping).ConfigureAwait(false);
            if (answer.NotServed) return false;
            request.CompleteRemote(answer);
            return true;
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            // The owner could not be reached, so it never saw the call: wait for the map to move the partition.
            return false;
        }
        catch (Exception e) when ((e is HttpRequestException or IOException) && request.Invoker.IsReadOnly)
        {
            // The owner was lost during a read-only call: running it again changes nothing, so retry where the map points next.
            return false;
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // The call may have run before the owner was lost: retrying could run it twice (calls are at most once).
            request.Fail(new SiloUnavailableException(
                $"The silo at {address} serving {request.Invoker.Name} on grain {request.Target} was lost during the call; it may or may not have run. {e.Message}"));
            return true;
        }
    }
}
