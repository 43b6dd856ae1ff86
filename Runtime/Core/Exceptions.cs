namespace Arbitrage.Orleans.Runtime;

/// <summary>A state write or clear used an etag that no longer matches the stored record; nothing was written.</summary>
public sealed class InconsistentStateException(string message, string? storedEtag, string? currentEtag)
    : Exception(message)
{
    /// <summary>The etag the store holds, when it is known.</summary>
    public string? StoredEtag { get; } = storedEtag;

    /// <summary>The etag the writer expected.</summary>
    public string? CurrentEtag { get; } = currentEtag;
}

/// <summary>The database holds a schema newer than this build knows; the silo refuses to start.</summary>
public sealed class SchemaVersionException(string message) : Exception(message);
