using System.Reflection;

namespace Arbitrage.Orleans.Runtime.Internal;

internal sealed class GrainFactory(GrainRuntime runtime) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new ArgumentException($"A key is required to get a {typeof(TGrainInterface).Name}; it was empty.", nameof(key));
        }

        var grainClass = runtime.Registry.Resolve(typeof(TGrainInterface));
        var proxy = DispatchProxy.Create<TGrainInterface, GrainReference>();
        var id = new GrainId(grainClass.GrainType, key);
        ((GrainReference)(object)proxy).Bind(grainClass, id, runtime.Placement.PartitionOf(id));
        return proxy;
    }
}
