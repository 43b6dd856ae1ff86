using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary><c>arb wallets show|transactions|topup|transfer</c> over <c>/api/v1/wallets</c> (the credit API's <c>{data, meta}</c> envelope).</summary>
public sealed class WalletsCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("wallets", "Project wallets: balance, transactions, top-ups and transfers").With(Show(), Transactions(), TopUp(), Transfer());

    private static Argument<string> Project() => new("project-id") { Description = "The wallet's project id (a tenant's default wallet has the tenant's id)" };

    private static Option<decimal> Amount(string what) => new("--amount") { Description = $"{what}, USD (up to six decimal places)", Required = true };

    private static Option<string?> Description() => new("--description") { Description = "A note kept with the transaction" };

    private static string Path(ParseResult parsed, Argument<string> project, string tail = "") => $"/api/v1/wallets/{CommandParts.Segment(parsed.GetValue(project)!)}{tail}";

    private Command Show()
    {
        var project = Project();
        var command = new Command("show", "Balance, reserved and available credit").With(project);
        runtime.Action(command, async (session, parsed, cancellationToken) => Wallet(session, await session.Api.GetAsync(Path(parsed, project), cancellationToken)));
        return command;
    }

    private Command Transactions()
    {
        var project = Project();
        var limit = CommandParts.Limit("transactions", 200);
        var cursor = CommandParts.Cursor();
        var command = new Command("transactions", "Every change of the balance, oldest first").With(project, limit, cursor);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = await session.Api.GetAsync(CommandParts.Query(Path(parsed, project, "/transactions"), ("limit", parsed.GetValue(limit)), ("cursor", parsed.GetValue(cursor))),
                cancellationToken);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var data = JsonText.Property(answer, "data");
            var table = Renderer.Table("ID", "TIME", "TYPE", "AMOUNT", "BALANCE AFTER", "DESCRIPTION", "RESOURCE");
            foreach (var t in JsonText.Items(data, "transactions"))
            {
                Renderer.Row(table, JsonText.Get(t, "id"), JsonText.Time(t, "timestamp"), JsonText.Get(t, "type"), JsonText.Get(t, "amount"), JsonText.Get(t, "balance_after"),
                    JsonText.Get(t, "description"), JsonText.Get(t, "resource_id"));
            }

            session.Output.Write(table);
            session.Output.NextPage(JsonText.String(data, "next_cursor"));
        });
        return command;
    }

    private Command TopUp()
    {
        var project = Project();
        var amount = Amount("The credit to add");
        var description = Description();
        var command = new Command("topup", "Add credit to a wallet (an operator token, tenants:manage)").With(project, amount, description);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var body = new JsonObject { ["amount"] = parsed.GetValue(amount) };
            if (parsed.GetValue(description) is { } text) body["description"] = text;
            Wallet(session, await session.Api.PostAsync(Path(parsed, project, "/topup"), body, cancellationToken));
        });
        return command;
    }

    private Command Transfer()
    {
        var project = Project();
        var to = new Option<string>("--to") { Description = "to_project_id: the wallet that receives", Required = true };
        var amount = Amount("The credit to move");
        var description = Description();
        var command = new Command("transfer", "Move credit to another wallet of the tenant").With(project, to, amount, description);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var body = new JsonObject { ["to_project_id"] = parsed.GetValue(to), ["amount"] = parsed.GetValue(amount) };
            if (parsed.GetValue(description) is { } text) body["description"] = text;
            var answer = await session.Api.PostAsync(Path(parsed, project, "/transfer"), body, cancellationToken);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var t = JsonText.Property(answer, "data");
            session.Output.Write(Renderer.Details([("Transfer", JsonText.Get(t, "id")), ("From", JsonText.Get(t, "from_project_id")), ("To", JsonText.Get(t, "to_project_id")),
                ("Amount", JsonText.Get(t, "amount")), ("Status", JsonText.Get(t, "status")), ("At", JsonText.Time(t, "created_at"))]));
        });
        return command;
    }

    private static void Wallet(Session session, JsonElement answer)
    {
        if (session.Output.IsJson)
        {
            session.Output.Json(answer);
            return;
        }

        var w = JsonText.Property(answer, "data");
        session.Output.Write(Renderer.Details([("Project", JsonText.Get(w, "project_id")), ("Org", JsonText.Get(w, "org_id")), ("Balance", JsonText.Get(w, "balance")),
            ("Reserved", JsonText.Get(w, "reserved")), ("Available", JsonText.Get(w, "available")), ("Currency", JsonText.Get(w, "currency")),
            ("Status", JsonText.Get(w, "status")), ("Created", JsonText.Time(w, "created_at"))]));
    }
}
