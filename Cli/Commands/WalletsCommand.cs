using System.CommandLine;
using System.Text.Json;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Wallets;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb wallets show|transactions|reservations|topup|transfer</c> over the CreditService face's <c>/api/v1/wallets</c>,
/// through the client library's typed <see cref="WalletsClient"/>; <c>-o json</c> prints the answer's record (the
/// envelope's <c>data</c>) in the API's snake_case.
/// </summary>
public sealed class WalletsCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("wallets", "Project wallets: balance, transactions, reservations, top-ups and transfers")
        .With(Show(), Transactions(), Reservations(), TopUp(), Transfer());

    private static Argument<string> Project() => new("project-id") { Description = "The wallet's project id (a tenant's default wallet has the tenant's id)" };

    private static Option<decimal> Amount(string what) => new("--amount") { Description = $"{what}, USD (up to six decimal places)", Required = true };

    private static Option<string?> Description() => new("--description") { Description = "A note kept with the transaction" };

    private Command Show()
    {
        var project = Project();
        var command = new Command("show", "Balance, reserved and available credit").With(project);
        runtime.Action(command, async (session, parsed, cancellationToken) => Wallet(session, await session.Client.Wallets.GetAsync(parsed.GetValue(project)!, cancellationToken)));
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
            var page = CommandParts.Json(await session.Client.Wallets.GetTransactionsPageAsync(parsed.GetValue(project)!, parsed.GetValue(cursor), parsed.GetValue(limit), cancellationToken),
                SnakeCaseJsonContext.Default.TransactionPage);
            if (session.Output.IsJson)
            {
                session.Output.Json(page);
                return;
            }

            var table = Renderer.Table("ID", "TIME", "TYPE", "AMOUNT", "BALANCE AFTER", "DESCRIPTION", "RESOURCE");
            foreach (var t in JsonText.Items(page, "transactions"))
            {
                Renderer.Row(table, JsonText.Get(t, "id"), JsonText.Time(t, "timestamp"), JsonText.Get(t, "type"), JsonText.Get(t, "amount"), JsonText.Get(t, "balance_after"),
                    JsonText.Get(t, "description"), JsonText.Get(t, "resource_id"));
            }

            session.Output.Write(table);
            session.Output.NextPage(JsonText.String(page, "next_cursor"));
        });
        return command;
    }

    private Command Reservations()
    {
        var project = Project();
        var status = new Option<string?>("--status") { Description = "Only reservations in this status" };
        status.AcceptOnlyFromAmong("active", "committed", "released", "expired");
        var limit = CommandParts.Limit("reservations", 200);
        var cursor = CommandParts.Cursor();
        var command = new Command("reservations", "The wallet's reservations, newest first: every active one and the most recently ended").With(project, status, limit, cursor);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var page = CommandParts.Json(await session.Client.Wallets.GetReservationsPageAsync(parsed.GetValue(project)!, parsed.GetValue(status), parsed.GetValue(cursor),
                parsed.GetValue(limit), cancellationToken), SnakeCaseJsonContext.Default.ReservationPage);
            if (session.Output.IsJson)
            {
                session.Output.Json(page);
                return;
            }

            var table = Renderer.Table("ID", "STATUS", "AMOUNT", "CHARGED", "CREATED", "EXPIRES", "CLOSED", "RESOURCE", "DESCRIPTION");
            foreach (var r in JsonText.Items(page, "reservations"))
            {
                Renderer.Row(table, JsonText.Get(r, "id"), JsonText.Get(r, "status"), JsonText.Get(r, "amount"), JsonText.Get(r, "committed_amount"), JsonText.Time(r, "created_at"),
                    JsonText.Time(r, "expires_at"), JsonText.Time(r, "closed_at"), JsonText.Get(r, "resource_id"), JsonText.Get(r, "description"));
            }

            session.Output.Write(table);
            session.Output.NextPage(JsonText.String(page, "next_cursor"));
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
            Wallet(session, await session.Client.Wallets.TopUpAsync(parsed.GetValue(project)!, new TopUpRequest(parsed.GetValue(amount), parsed.GetValue(description)), cancellationToken)));
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
            var request = new TransferRequest(parsed.GetValue(to)!, parsed.GetValue(amount), parsed.GetValue(description));
            var t = CommandParts.Json(await session.Client.Wallets.TransferAsync(parsed.GetValue(project)!, request, cancellationToken), SnakeCaseJsonContext.Default.Transfer);
            if (session.Output.IsJson)
            {
                session.Output.Json(t);
                return;
            }

            session.Output.Write(Renderer.Details([("Transfer", JsonText.Get(t, "id")), ("From", JsonText.Get(t, "from_project_id")), ("To", JsonText.Get(t, "to_project_id")),
                ("Amount", JsonText.Get(t, "amount")), ("Status", JsonText.Get(t, "status")), ("At", JsonText.Time(t, "created_at"))]));
        });
        return command;
    }

    private static void Wallet(Session session, Wallet wallet)
    {
        JsonElement w = CommandParts.Json(wallet, SnakeCaseJsonContext.Default.Wallet);
        if (session.Output.IsJson)
        {
            session.Output.Json(w);
            return;
        }

        session.Output.Write(Renderer.Details([("Project", JsonText.Get(w, "project_id")), ("Org", JsonText.Get(w, "org_id")), ("Balance", JsonText.Get(w, "balance")),
            ("Reserved", JsonText.Get(w, "reserved")), ("Available", JsonText.Get(w, "available")), ("Currency", JsonText.Get(w, "currency")),
            ("Status", JsonText.Get(w, "status")), ("Created", JsonText.Time(w, "created_at"))]));
    }
}
