using Microsoft.Extensions.Options;
using Npgsql;

namespace Arbitrage.Orleans.Runtime.Postgres;

/// <summary>Where the cluster's PostgreSQL is (configuration <c>ConnectionStrings:Arbitrage</c>).</summary>
public sealed class PostgresOptions
{
    public const string ConnectionStringName = "Arbitrage";

    public string ConnectionString { get; set; } = "";

    /// <summary>Null when the connection string is usable, else what is wrong with it (never the string itself).</summary>
    public static string? DescribeProblem(string? connectionString) => PostgresOptionsValidator.Problem(connectionString);
}

internal sealed class PostgresOptionsValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options) =>
        Problem(options.ConnectionString) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;

    /// <summary>Null when the connection string is usable; the message never repeats the string (it may hold a password).</summary>
    public static string? Problem(string? connectionString)
    {
        const string setting = $"ConnectionStrings:{PostgresOptions.ConnectionStringName}";
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return $"{setting} is empty; set it to a PostgreSQL connection string such as 'Host=127.0.0.1;Port=5432;Username=arbitrage;Database=arbitrage'.";
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return string.IsNullOrWhiteSpace(builder.Host) ? $"{setting} has no Host." : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            return $"{setting} is not a valid PostgreSQL connection string: {e.Message.Split('\n')[0]}";
        }
    }
}
