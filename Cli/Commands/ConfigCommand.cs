using System.CommandLine;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Cli.Configuration;
using Arbitrage.Orleans.Cli.Output;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb config set api-key|url</c> and <c>arb config show</c>: the user's config file (mode 0600). The key is read
/// from the argument or, better (it stays out of the shell's history), from standard input; it is only ever shown masked.
/// </summary>
public sealed class ConfigCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("config", "The CLI's own settings: API key and gateway URL").With(Set(), Show());

    private Command Set()
    {
        var key = new Argument<string?>("key") { Description = "The API key (read from standard input when left out)", Arity = ArgumentArity.ZeroOrOne };
        var apiKey = new Command("api-key", "Keep an API key in the config file (environment variables still take precedence)").With(key);
        apiKey.SetAction(async (parsed, cancellationToken) =>
        {
            string? value = parsed.GetValue(key) ?? (await runtime.Context.In.ReadLineAsync(cancellationToken))?.Trim();
            if (string.IsNullOrEmpty(value)) throw new UsageException("No key given: pass it as an argument or on standard input.");
            runtime.Config.Save(runtime.Config.Load() with { ApiKey = value });
            runtime.Renderer(parsed).Line($"Saved API key {Connection.Mask(value)} in {runtime.Config.Path}.");
            return ArbCli.Success;
        });

        var url = new Argument<string>("url") { Description = "The gateway's base URL, e.g. http://localhost:8080" };
        var urlCommand = new Command("url", "Keep the gateway's URL in the config file (ARB_URL and --url still take precedence)").With(url);
        urlCommand.SetAction(parsed =>
        {
            var uri = Connection.ParseUrl(parsed.GetValue(url)!, "the argument");
            runtime.Config.Save(runtime.Config.Load() with { Url = uri.ToString() });
            runtime.Renderer(parsed).Line($"Saved URL {uri} in {runtime.Config.Path}.");
            return ArbCli.Success;
        });

        return new Command("set", "Keep a setting in the config file").With(apiKey, urlCommand);
    }

    private Command Show()
    {
        var command = new Command("show", "The URL and key the CLI would use, and where each comes from (the key masked)");
        command.SetAction(parsed =>
        {
            var connection = runtime.Connection(parsed);
            string key = connection.ApiKey is { } k ? Connection.Mask(k) : "(none)";
            var output = runtime.Renderer(parsed);
            if (output.IsJson)
            {
                output.Json(System.Text.Json.JsonSerializer.SerializeToElement(new JsonObject
                {
                    ["url"] = connection.Url.ToString(), ["urlSource"] = connection.UrlSource, ["apiKey"] = key, ["apiKeySource"] = connection.KeySource, ["configFile"] = runtime.Config.Path,
                }));
            }
            else
            {
                output.Write(Renderer.Details([("URL", $"{connection.Url} ({connection.UrlSource})"), ("API key", connection.KeySource is { } source ? $"{key} ({source})" : key),
                    ("Config file", runtime.Config.Path)]));
            }

            return ArbCli.Success;
        });
        return command;
    }
}
