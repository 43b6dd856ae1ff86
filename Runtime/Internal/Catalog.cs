using System.Collections.Concurrent;

namespace Arbitrage.Orleans.Runtime.Internal;

/// <summary>The activations of this silo, at most one per grain id.</summary>
internal sealed class Catalog
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private volatile bool _closed;

    public int Count => _activations.Count;

    public IEnumerable<Activation> Activations => _activations.Values;

    public Activation GetOrCreate(GrainClassInfo grainClass, GrainId id, int partition, long epoch)
    {
        if (_activations.TryGetValue(id, out var existing)) return existing;
        if (_closed) throw new SiloUnavailableException($"The silo is shutting down; {id} cannot be activated here.");
        return _activations.GetOrAdd(id, static (id, arg) => new Activation(id, arg.grainClass, arg.partition, arg.epoch), (grainClass, partition, epoch));
    }

    public void Remove(Activation activation) => _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    /// <summary>Stops creating activations (silo shutdown).</summary>
    public void Close() => _closed = true;
}
