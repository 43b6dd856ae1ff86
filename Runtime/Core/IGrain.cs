namespace Arbitrage.Orleans.Runtime;

/// <summary>Something with a grain identity: a grain instance or a reference to one.</summary>
public interface IAddressable;

/// <summary>Marker for every grain interface.</summary>
public interface IGrain : IAddressable;

/// <summary>A grain identified by a string key, like Orleans' <c>IGrainWithStringKey</c>.</summary>
public interface IGrainWithStringKey : IGrain;

/// <summary>Creates references to grains. A reference never activates anything by itself.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a typed reference to the grain with this key; the first call through it activates the grain.</summary>
    /// <exception cref="ArgumentException">No registered grain class implements <typeparamref name="TGrainInterface"/>, or the key is empty.</exception>
    TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey;
}
