namespace Arbitrage.Orleans.Silo.Storage;

/// <summary>The database's schema is newer than this build knows; the silo refuses to start and changes nothing.</summary>
public sealed class SchemaVersionException(int databaseVersion, int buildVersion) : Exception(
    $"The database schema is at version {databaseVersion}, newer than this build knows (version {buildVersion}). Run a newer build of the silo, or point ConnectionStrings:Arbitrage at another database.")
{
    public int DatabaseVersion { get; } = databaseVersion;

    public int BuildVersion { get; } = buildVersion;
}

/// <summary>
/// The database was written by this product before it moved to Orleans (commit 09d38f7, its own actor runtime). Its
/// data cannot be read by this build, and it is never dropped or changed: the silo refuses to start.
/// </summary>
public sealed class LegacyDatabaseException(string database, IReadOnlyList<string> legacyTables) : Exception(
    $"The database at {database} holds data of Arbitrage.Orleans before Orleans (commit 09d38f7; it has the table(s) {string.Join(", ", legacyTables)}). "
    + "It is left untouched. Move the data directory aside (e.g. `mv .data .data-09d38f7`) or point ConnectionStrings:Arbitrage at an empty database, and start again. "
    + "To read the old data, run commit 09d38f7 on it.")
{
    /// <summary>Where the database is (host:port/database; never credentials).</summary>
    public string Database { get; } = database;

    /// <summary>The tables of the old schema that were found.</summary>
    public IReadOnlyList<string> LegacyTables { get; } = legacyTables;
}

/// <summary>
/// The database belongs to another cluster: the cluster id or service id it recorded when the cluster first started
/// differs from the configured one. Two clusters sharing one database would corrupt each other's membership and state.
/// </summary>
public sealed class ClusterIdentityException(string setting, string databaseValue, string configuredValue, string database) : Exception(
    $"{setting} is '{configuredValue}', but the database at {database} belongs to '{databaseValue}' (recorded when that cluster first started). "
    + $"Set {setting} to '{databaseValue}' to join that cluster, or point ConnectionStrings:Arbitrage at this cluster's own database.")
{
    /// <summary>The setting that differs: <c>Orleans:ClusterId</c> or <c>Orleans:ServiceId</c>.</summary>
    public string Setting { get; } = setting;

    public string DatabaseValue { get; } = databaseValue;

    public string ConfiguredValue { get; } = configuredValue;
}

/// <summary>PostgreSQL did not answer within the start-up timeout; the message says where and why (never credentials).</summary>
public sealed class DatabaseUnavailableException(string message, Exception? innerException) : Exception(message, innerException);
