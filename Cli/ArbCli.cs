using System.CommandLine;
using Arbitrage.Orleans.Cli.Commands;

namespace Arbitrage.Orleans.Cli;

/// <summary>
/// The <c>arb</c> command line: one command class per noun of the API. Exit codes: 0 success; 1 the API refused
/// (its code and message printed), the gateway was unreachable, or what was waited for did not happen; 2 a usage
/// error (the command line does not parse, no API key, a malformed value).
/// </summary>
public static class ArbCli
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int UsageError = 2;

    public static RootCommand Build(CliContext context)
    {
        var globals = new GlobalOptions();
        var runtime = new CommandRuntime(context, globals);
        var root = new RootCommand("arb: the Arbitrage.Orleans command line. Workloads, prices, wallets and tokens over the gateway's HTTP API.");
        globals.AddTo(root);
        root.Subcommands.Add(new WorkloadsCommand(runtime).Build());
        root.Subcommands.Add(new RequestsCommand(runtime).Build());
        root.Subcommands.Add(new PricingCommand(runtime).Build());
        root.Subcommands.Add(new WalletsCommand(runtime).Build());
        root.Subcommands.Add(new TokensCommand(runtime).Build());
        root.Subcommands.Add(new TemplatesCommand(runtime).Build());
        root.Subcommands.Add(new ProvidersCommand(runtime).Build());
        root.Subcommands.Add(new ConfigCommand(runtime).Build());
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var parsed = Build(context).Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await context.Error.WriteLineAsync($"error: {error.Message}");
            await context.Error.WriteLineAsync("Run 'arb --help', or 'arb <command> --help', for usage.");
            return UsageError;
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = context.Out, Error = context.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (UsageException e)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            return UsageError;
        }
        catch (ApiCallException e)
        {
            await context.Error.WriteLineAsync($"error {e.Code}: {e.Message}");
            foreach (var (name, value) in e.Details) await context.Error.WriteLineAsync($"  {name}: {value}");
            if (e.RequestId is { Length: > 0 } requestId) await context.Error.WriteLineAsync($"  request id: {requestId}");
            return Failure;
        }
        catch (GatewayUnreachableException e)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            await context.Error.WriteLineAsync($"  Is the silo running? Set the URL with --url, {Configuration.Connection.UrlVariable} or 'arb config set url'.");
            return Failure;
        }
        catch (CommandFailedException e)
        {
            await context.Error.WriteLineAsync($"error: {e.Message}");
            return Failure;
        }
    }
}
