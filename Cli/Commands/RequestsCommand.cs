using System.CommandLine;
using System.Text.Json;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Cli.Output;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Requests;
using Spectre.Console;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb requests create|show|list|cancel</c> over the host-factory API's <c>/api/v1/requests</c> (the seed's <c>ohfp requests</c> verbs),
/// through the client library's typed <see cref="RequestsClient"/>; <c>-o json</c> prints the answer's record in the API's snake_case.
/// </summary>
public sealed class RequestsCommand(CommandRuntime runtime)
{
    public Command Build() => new Command("requests", "Request machines of a template on a selected provider, follow and return them").With(Create(), Show(), List(), Cancel());

    private static Argument<string> Id() => new("id") { Description = "The request's id (req-…)" };

    private Command Create()
    {
        var template = new Option<string>("--template") { Description = "The template's id", Required = true };
        var count = new Option<int>("--count") { Description = "How many machines (maxNumber)", Required = true };
        var provider = new Option<string?>("--provider") { Description = "An explicit provider instance (strategy explicit)" };
        var providerType = new Option<string?>("--provider-type") { Description = "A provider type, load balanced across its instances (strategy load_balanced)" };
        var providerApi = new Option<string?>("--provider-api") { Description = "A provider API the instances must support (strategy api_based)" };
        var strategy = new Option<string?>("--strategy") { Description = "explicit, load_balanced, api_based or default (default: from the other options)" };
        strategy.AcceptOnlyFromAmong("explicit", "load_balanced", "api_based", "default");
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key: a retry with the same key returns the first request" };
        var wait = new Option<bool>("--wait") { Description = "Show each machine's state changes until every machine is running (or the request fails)" };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long --wait waits: 90s, 5m, 1h or 00:05:00 (default 10m)",
            DefaultValueFactory = _ => WorkloadsCommand.DefaultTimeout,
            CustomParser = result =>
            {
                string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
                if (WorkloadsCommand.Duration(text) is { } duration) return duration;
                result.AddError($"--timeout takes a duration such as 90s, 5m, 1h or 00:05:00; got '{text}'.");
                return default;
            },
        };
        var command = new Command("create", "Request machines (answers at once, pending, with the provider chosen; --wait follows the machines to running)")
            .With(template, count, provider, providerType, providerApi, strategy, idempotencyKey, wait, timeout);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            if (parsed.GetValue(count) < 1) throw new UsageException($"--count must be at least 1; got {parsed.GetValue(count)}.");
            string? instance = parsed.GetValue(provider), type = parsed.GetValue(providerType), api = parsed.GetValue(providerApi);
            string? chosen = parsed.GetValue(strategy) ?? (instance is not null ? "explicit" : type is not null ? "load_balanced" : api is not null ? "api_based" : null);
            var preference = chosen is not null || instance is not null || type is not null || api is not null ? new ProviderPreference(chosen, instance, type, api) : null;
            var created = Json(await session.Client.Requests.CreateAsync(new CreateMachinesRequest(parsed.GetValue(template)!, parsed.GetValue(count), preference),
                parsed.GetValue(idempotencyKey), cancellationToken), SnakeCaseJsonContext.Default.CreatedRequest);
            string id = JsonText.Get(created, "request_id");
            if (!parsed.GetValue(wait))
            {
                if (session.Output.IsJson) session.Output.Json(created);
                else session.Output.Write(Renderer.Details([
                    ("Request", id), ("Template", JsonText.Get(created, "template_id")), ("Machines", JsonText.Get(created, "requested_count")),
                    ("Status", JsonText.Get(created, "status")), ("Provider", JsonText.Get(created, "provider_selection.provider_instance")),
                    ("Provider Type", JsonText.Get(created, "provider_selection.provider_type")),
                    ("Selection Reason", JsonText.Get(created, "provider_selection.selection_reason")),
                    ("Confidence", JsonText.Get(created, "provider_selection.confidence")),
                    ("Alternatives", JsonText.Get(created, "provider_selection.alternatives")), ("Created", JsonText.Time(created, "created_at"))]));
                return ArbCli.Success;
            }

            session.Output.Note($"Created {id} on {JsonText.Get(created, "provider_selection.provider_instance")} ({JsonText.Get(created, "provider_selection.selection_reason")}); waiting for {JsonText.Get(created, "requested_count")} machines to run.");
            return await new RequestWatcher(session, runtime.Context).WatchAsync(id, parsed.GetValue(timeout), cancellationToken);
        });
        return command;
    }

    private Command Show()
    {
        var id = Id();
        var command = new Command("show", "A request: its status, provider selection and machines with their states").With(id);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var r = Json(await session.Client.Requests.GetAsync(parsed.GetValue(id)!, cancellationToken), SnakeCaseJsonContext.Default.RequestDetails);
            if (session.Output.IsJson)
            {
                session.Output.Json(r);
                return;
            }

            Print(session.Output, r);
        });
        return command;
    }

    private Command List()
    {
        var page = new Option<int?>("--page") { Description = "The page (from 1)" };
        var pageSize = new Option<int?>("--page-size") { Description = "Requests per page (1 to 200, default 50)" };
        var sort = new Option<string?>("--sort") { Description = "field:asc|desc (created_at, template_id, status, requested_count, provider_instance)" };
        var command = new Command("list", "The tenant's requests, newest first").With(page, pageSize, sort);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = Json(await session.Client.Requests.GetPageAsync(new RequestListQuery(parsed.GetValue(sort), parsed.GetValue(pageSize)), parsed.GetValue(page) ?? 1, cancellationToken),
                SnakeCaseJsonContext.Default.RequestList);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            var table = Renderer.Table("REQUEST", "TEMPLATE", "MACHINES", "PROVIDER", "TYPE", "STATUS", "CREATED", "COMPLETED");
            foreach (var r in JsonText.Items(answer, "data"))
            {
                Renderer.Row(table, JsonText.Get(r, "request_id"), JsonText.Get(r, "template_id"), JsonText.Get(r, "requested_count"), JsonText.Get(r, "provider_instance"),
                    JsonText.Get(r, "provider_type"), JsonText.Get(r, "status"), JsonText.Time(r, "created_at"), JsonText.Time(r, "completed_at"));
            }

            session.Output.Write(table);
            session.Output.PageNote(JsonText.Property(answer, "pagination"), "requests");
        });
        return command;
    }

    private Command Cancel()
    {
        var id = Id();
        var command = new Command("cancel", "Return a request's machines (terminates them); a repeat is harmless").With(id);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = Json(await session.Client.Requests.CancelAsync(parsed.GetValue(id)!, cancellationToken), SnakeCaseJsonContext.Default.CancelledRequest);
            if (session.Output.IsJson)
            {
                session.Output.Json(answer);
                return;
            }

            session.Output.Line($"{JsonText.Get(answer, "request_id")}: {JsonText.Get(answer, "status")} ({JsonText.Get(answer, "message")})");
            session.Output.Write(MachineTable(answer));
        });
        return command;
    }

    /// <summary>A record as the API writes it, for the table and <c>-o json</c>.</summary>
    public static JsonElement Json<T>(T answer, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) => JsonSerializer.SerializeToElement(answer, info);

    public static void Print(Renderer output, JsonElement r)
    {
        output.Write(Renderer.Details([
            ("Request", JsonText.Get(r, "request_id")),
            ("Template", JsonText.Get(r, "template_id")),
            ("Machines", JsonText.Get(r, "requested_count")),
            ("Status", JsonText.Get(r, "status")),
            ("Reason", JsonText.Get(r, "status_reason")),
            ("Provider", JsonText.Get(r, "provider_instance")),
            ("Provider Type", JsonText.Get(r, "provider_type")),
            ("Selection Reason", JsonText.Get(r, "provider_selection.selection_reason")),
            ("Confidence", JsonText.Get(r, "provider_selection.confidence")),
            ("Selection Time", $"{JsonText.Get(r, "provider_selection.selection_time_ms")}ms"),
            ("Created", JsonText.Time(r, "created_at")),
            ("Completed", JsonText.Time(r, "completed_at")),
        ]));
        output.Write(MachineTable(r));
    }

    private static Table MachineTable(JsonElement r)
    {
        var table = Renderer.Table("MACHINE", "WORKLOAD", "PROVIDER", "STATUS", "REASON", "CREATED");
        foreach (var m in JsonText.Items(r, "machines"))
        {
            Renderer.Row(table, JsonText.Get(m, "machine_id"), JsonText.Get(m, "workload_id"), JsonText.Get(m, "provider_instance"), JsonText.Get(m, "status"),
                JsonText.Get(m, "reason"), JsonText.Time(m, "created_at"));
        }

        return table;
    }
}

/// <summary>
/// Follows a request until every machine runs (completed) or it fails or is cancelled: polls the request, printing each
/// machine's state change with its reason; on a terminal, under a live spinner counting the running machines.
/// </summary>
public sealed class RequestWatcher(Session session, CliContext context)
{
    private static readonly string[] Ends = ["completed", "failed", "cancelled"];
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);

    public Task<int> WatchAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
        session.Output.FollowAsync(id, showStatus => FollowAsync(id, timeout, showStatus, cancellationToken));

    private async Task<int> FollowAsync(string id, TimeSpan timeout, Action<string> showStatus, CancellationToken cancellationToken)
    {
        var started = context.Time.GetTimestamp();
        while (true)
        {
            var request = RequestsCommand.Json(await session.Client.Requests.GetAsync(id, cancellationToken), SnakeCaseJsonContext.Default.RequestDetails);
            var machines = JsonText.Items(request, "machines").ToList();
            foreach (var m in machines)
            {
                string workload = JsonText.Get(m, "workload_id"), state = JsonText.Get(m, "status");
                string was = _seen.GetValueOrDefault(workload, "-");
                if (was == state) continue;
                _seen[workload] = state;
                string reason = JsonText.Get(m, "reason");
                session.Output.Note($"{workload}  {was} -> {state}  {JsonText.Get(m, "machine_id")} on {JsonText.Get(m, "provider_instance")}{(reason == JsonText.None ? "" : "  " + reason)}");
            }

            string status = JsonText.Get(request, "status");
            showStatus($"{status}, {machines.Count(m => JsonText.Get(m, "status") == "running")} of {machines.Count} machines running");
            if (Ends.Contains(status)) return Finish(request, status);
            if (context.Time.GetElapsedTime(started) >= timeout)
            {
                throw new CommandFailedException($"{id} is still {status} after {timeout} (--timeout); it goes on: follow it with 'arb requests show {id}'.");
            }

            await Task.Delay(context.PollInterval, context.Time, cancellationToken);
        }
    }

    private int Finish(JsonElement request, string status)
    {
        var output = session.Output;
        if (output.IsJson) output.Json(request);
        else RequestsCommand.Print(output, request);
        if (status != "completed") throw new CommandFailedException($"{JsonText.Get(request, "request_id")} {status}: {JsonText.Get(request, "status_reason")}");
        return ArbCli.Success;
    }
}
