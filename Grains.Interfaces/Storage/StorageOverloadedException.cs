using Orleans;
using Orleans.Runtime;

namespace Arbitrage.Orleans.Grains.Storage;

/// <summary>
/// The silo's queue of statements for the database is full (the database is slower than the load): the read or write
/// was refused at once, nothing of it was sent, and it may be retried shortly. An <see cref="OrleansException"/>, so the
/// grain storage passes it on as it is and the API answers 503.
/// </summary>
[GenerateSerializer, Alias("arb.StorageOverloadedException")]
public sealed class StorageOverloadedException : OrleansException
{
    public StorageOverloadedException(string message) : base(message)
    {
    }
}
