using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Tokens;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary><c>arb tokens create|list|revoke</c> over <c>/v1/tokens</c> (needs <c>tokens:manage</c>), through the client library's typed <see cref="Client.TokensClient"/>.</summary>
public sealed class TokensCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("tokens", "API tokens of your tenant").With(Create(), List(), Revoke());

    private Command Create()
    {
        var name = new Option<string>("--name") { Description = "A name for the token", Required = true };
        var permissions = new Option<string[]>("--permission", "-p")
        {
            Description = "A permission the token holds, e.g. workloads:read (repeat, or separate with commas); at most your own token's",
            Required = true,
        };
        var days = new Option<int?>("--expires-in-days") { Description = "Expire after this many days (at the latest when your token does)" };
        var at = new Option<DateTimeOffset?>("--expires-at") { Description = "Expire at this time (ISO 8601)" };
        var command = new Command("create", "Create a token; its secret is shown this once").With(name, permissions, days, at);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var granted = parsed.GetValue(permissions)!.SelectMany(p => p.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var request = new CreateTokenRequest(parsed.GetValue(name)!, granted.ToList(), parsed.GetValue(days), parsed.GetValue(at)?.ToUniversalTime());
            var token = CommandParts.Json(await session.Client.Tokens.CreateAsync(request, cancellationToken), CamelCaseJsonContext.Default.TokenResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(token);
                return;
            }

            session.Output.Write(Renderer.Details([("ID", JsonText.Get(token, "id")), ("Name", JsonText.Get(token, "name")), ("Permissions", JsonText.Get(token, "permissions")),
                ("Expires", JsonText.Time(token, "expiresAt")), ("Token", JsonText.Get(token, "token"))]));
            session.Output.Note("Keep the token now: it is not shown again.");
        });
        return command;
    }

    private Command List()
    {
        var command = new Command("list", "The tenant's tokens (never their secrets)");
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = CommandParts.Json(new TokenListResponse(await session.Client.Tokens.ListAsync(cancellationToken)), CamelCaseJsonContext.Default.TokenListResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var table = Renderer.Table("ID", "NAME", "PERMISSIONS", "CREATED", "EXPIRES");
            foreach (var t in JsonText.Items(answer, "tokens"))
            {
                Renderer.Row(table, JsonText.Get(t, "id"), JsonText.Get(t, "name"), JsonText.Get(t, "permissions"), JsonText.Time(t, "createdAt"), JsonText.Time(t, "expiresAt"));
            }

            session.Output.Write(table);
        });
        return command;
    }

    private Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "The token's id (from 'arb tokens list')" };
        var command = new Command("revoke", "Revoke a token at once, on every silo").With(id);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            string tokenId = parsed.GetValue(id)!;
            await session.Client.Tokens.RevokeAsync(tokenId, cancellationToken);
            // The API answers 204 without a body; scripts get a small object saying what happened.
            if (session.Output.IsJson) session.Output.Json(JsonSerializer.SerializeToElement(new JsonObject { ["id"] = tokenId, ["revoked"] = true }));
            else session.Output.Line($"Revoked {tokenId}.");
        });
        return command;
    }
}
