using System.CommandLine;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Cli.Configuration;
using Arbitrage.Orleans.Cli.Output;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>The options every command takes: the gateway's URL and the output format.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Url { get; } = new("--url")
    {
        Description = $"The gateway's base URL (default: {Connection.UrlVariable}, then the config file, then {Connection.DefaultUrl})",
        Recursive = true,
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "table (default) or json (the API's JSON, for scripts)",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public GlobalOptions() => Output.AcceptOnlyFromAmong("table", "json");

    public void AddTo(Command root)
    {
        root.Options.Add(Url);
        root.Options.Add(Output);
    }
}

/// <summary>
/// What a command's action works with: the API (the typed client library, <see cref="Client"/>) and the renderer of
/// one invocation.
/// </summary>
public sealed class Session(Uri baseUrl, Lazy<ClientLibrary> library, Renderer output) : IDisposable
{
    /// <summary>The gateway's base URL.</summary>
    public Uri BaseUrl { get; } = baseUrl;

    public Renderer Output { get; } = output;

    /// <summary>The client library (Arbitrage.Orleans.Client) on the gateway with the token.</summary>
    public IArbitrageClient Client => library.Value.Client;

    public void Dispose()
    {
        if (library.IsValueCreated) library.Value.Dispose();
    }
}

/// <summary>Shared by the command classes: the context, the global options, and how an action opens a session.</summary>
public sealed class CommandRuntime(CliContext context, GlobalOptions globals)
{
    public CliContext Context { get; } = context;
    public GlobalOptions Globals { get; } = globals;
    public ConfigStore Config { get; } = new(context.ConfigDirectory);

    public Renderer Renderer(ParseResult parsed) =>
        new(Context, string.Equals(parsed.GetValue(Globals.Output), "json", StringComparison.OrdinalIgnoreCase) ? OutputFormat.Json : OutputFormat.Table);

    public Connection Connection(ParseResult parsed) => Configuration.Connection.Resolve(parsed.GetValue(Globals.Url), Context, Config.Load());

    /// <summary>Resolves the URL and the key (a usage error without one) and opens a client of the gateway.</summary>
    public Session Open(ParseResult parsed)
    {
        var connection = Connection(parsed);
        string key = connection.RequireKey();
        var library = new Lazy<ClientLibrary>(() => new ClientLibrary(connection.Url, key, Context.HttpHandler));
        return new Session(connection.Url, library, Renderer(parsed));
    }

    /// <summary>Sets <paramref name="command"/>'s action: open a session, run, exit 0 unless the action says otherwise.</summary>
    public void Action(Command command, Func<Session, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parsed, cancellationToken) =>
        {
            using var session = Open(parsed);
            try
            {
                return await action(session, parsed, cancellationToken);
            }
            catch (ArbitrageApiException e)
            {
                throw ClientLibrary.Refusal(e);
            }
            catch (HttpRequestException e)
            {
                throw new GatewayUnreachableException(session.BaseUrl, e.Message);
            }
            catch (Polly.Timeout.TimeoutRejectedException e)
            {
                throw new GatewayUnreachableException(session.BaseUrl, $"no answer within {e.Timeout.TotalSeconds:0} s");
            }
        });

    public void Action(Command command, Func<Session, ParseResult, CancellationToken, Task> action) =>
        Action(command, async (session, parsed, cancellationToken) =>
        {
            await action(session, parsed, cancellationToken);
            return ArbCli.Success;
        });
}

/// <summary>Small helpers for building commands and requests.</summary>
public static class CommandParts
{
    public static Option<int?> Limit(string what, int max) => new("--limit") { Description = $"How many {what} per page (1 to {max}; the API's default when absent)" };

    public static Option<string?> Cursor() => new("--cursor") { Description = "Continue from a previous page (its 'More: --cursor …' note, or nextCursor in JSON)" };

    public static Command With(this Command command, params Symbol[] symbols)
    {
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option: command.Options.Add(option); break;
                case Argument argument: command.Arguments.Add(argument); break;
                case Command sub: command.Subcommands.Add(sub); break;
            }
        }

        return command;
    }

    /// <summary>A typed answer of the client library as the JSON the API wrote (what <c>-o json</c> prints and the tables read).</summary>
    public static System.Text.Json.JsonElement Json<T>(T answer, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        System.Text.Json.JsonSerializer.SerializeToElement(answer, info);

    /// <summary><c>KEY=VALUE</c> pairs of a repeated option (a usage error names the option otherwise).</summary>
    public static Dictionary<string, string>? Pairs(string option, string[]? values)
    {
        if (values is not { Length: > 0 }) return null;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            int equals = value.IndexOf('=');
            if (equals <= 0) throw new UsageException($"{option} takes KEY=VALUE; got '{value}'.");
            pairs[value[..equals]] = value[(equals + 1)..];
        }

        return pairs;
    }
}
