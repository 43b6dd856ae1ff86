using System.CommandLine;
using System.Text.Json;
using Arbitrage.Orleans.Cli.Api;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Workloads;
using Arbitrage.Orleans.Cli.Output;
using Spectre.Console;

namespace Arbitrage.Orleans.Cli.Commands;

/// <summary>
/// <c>arb workloads create|list|show|events|terminate|watch</c> over <c>/v1/workloads</c>, through the client library's typed
/// <see cref="Client.WorkloadsClient"/>; <c>-o json</c> prints the answer's record as the API writes it (camelCase, unset fields left out).
/// </summary>
public sealed class WorkloadsCommand(CommandRuntime runtime)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    public Command Build() => new Command("workloads", "Run, inspect and stop workloads").With(Create(), List(), Show(), Events(), Terminate(), Watch());

    private static Argument<string> Id() => new("id") { Description = "The workload's id (wk-…)" };

    private static Option<TimeSpan> Timeout() => new("--timeout")
    {
        Description = "How long to wait for RUNNING (or an end state): 90s, 5m, 1h or 00:05:00 (default 10m)",
        DefaultValueFactory = _ => DefaultTimeout,
        CustomParser = result =>
        {
            string text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Duration(text) is { } duration) return duration;
            result.AddError($"--timeout takes a duration such as 90s, 5m, 1h or 00:05:00; got '{text}'.");
            return default;
        },
    };

    /// <summary>A duration as <c>90s</c>, <c>5m</c>, <c>1h</c> or <c>hh:mm:ss</c>; null when it is none of those or negative.</summary>
    public static TimeSpan? Duration(string text)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (text.Length > 1 && "smh".Contains(text[^1]) && double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, invariant, out double amount) && amount >= 0)
        {
            return text[^1] switch { 's' => TimeSpan.FromSeconds(amount), 'm' => TimeSpan.FromMinutes(amount), _ => TimeSpan.FromHours(amount) };
        }

        return TimeSpan.TryParse(text, invariant, out var span) && span >= TimeSpan.Zero ? span : null;
    }

    private Command Create()
    {
        var requirements = new RequirementOptions();
        var name = new Option<string>("--name") { Description = "The workload's name", Required = true };
        var image = new Option<string>("--image") { Description = "config.imageId: the machine image to boot", Required = true };
        var healthPort = new Option<int?>("--health-port") { Description = "config.healthCheckPort (default 8080)" };
        var healthPath = new Option<string?>("--health-path") { Description = "config.healthCheckPath (default /health)" };
        var env = new Option<string[]>("--env") { Description = "config.environmentVariables, KEY=VALUE (repeat for several)" };
        var script = new Option<FileInfo?>("--startup-script") { Description = "config.startupScript: a file whose text runs at boot" };
        var project = new Option<string?>("--project") { Description = "metadata.project_id: the wallet that pays (default: the tenant's default wallet)" };
        var metadata = new Option<string[]>("--metadata") { Description = "metadata, KEY=VALUE (repeat for several)" };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Idempotency-Key: a retry with the same key returns the first workload" };
        var wait = new Option<bool>("--wait") { Description = "Show each state change until the workload is RUNNING (or ends)" };
        var timeout = Timeout();
        var command = requirements.AddTo(new Command("create", "Create a workload (answers at once, PENDING; --wait follows it to RUNNING)"))
            .With(name, image, healthPort, healthPath, env, script, project, metadata, idempotencyKey, wait, timeout);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            string? startupScript = null;
            if (parsed.GetValue(script) is { } file)
            {
                startupScript = file.Exists ? await File.ReadAllTextAsync(file.FullName, cancellationToken)
                    : throw new UsageException($"--startup-script: {file.FullName} does not exist.");
            }

            var config = new WorkloadConfig(parsed.GetValue(image)!, parsed.GetValue(healthPort) ?? 8080, parsed.GetValue(healthPath) ?? "/health",
                CommandParts.Pairs("--env", parsed.GetValue(env)), startupScript);
            var meta = CommandParts.Pairs("--metadata", parsed.GetValue(metadata)) ?? [];
            if (parsed.GetValue(project) is { } projectId) meta["project_id"] = projectId;
            var request = new CreateWorkloadRequest(parsed.GetValue(name)!, requirements.Read(parsed), config, meta.Count > 0 ? meta : null);
            if (parsed.GetValue(idempotencyKey) is { Length: 0 or > 255 }) throw new UsageException("--idempotency-key takes 1 to 255 characters.");

            var created = CommandParts.Json(await session.Client.Workloads.CreateAsync(request, parsed.GetValue(idempotencyKey), cancellationToken),
                CamelCaseJsonContext.Default.WorkloadResponse);
            string id = JsonText.Get(created, "id");
            if (!parsed.GetValue(wait))
            {
                if (session.Output.IsJson) session.Output.Json(created);
                else session.Output.Write(Renderer.Details([("ID", id), ("Name", JsonText.Get(created, "name")), ("Status", JsonText.Get(created, "status")),
                    ("Reason", JsonText.Get(created, "statusReason")), ("Created", JsonText.Time(created, "createdAt"))]));
                return ArbCli.Success;
            }

            session.Output.Note($"Created {id}; waiting for RUNNING.");
            return await new WorkloadWatcher(session, runtime.Context).WatchAsync(id, parsed.GetValue(timeout), cancellationToken);
        });
        return command;
    }

    private Command List()
    {
        var status = new Option<string?>("--status") { Description = "Only workloads in this status (PENDING, PROVISIONING, RUNNING, STOPPING, TERMINATED, FAILED)" };
        var limit = CommandParts.Limit("workloads", 200);
        var cursor = CommandParts.Cursor();
        var command = new Command("list", "The tenant's workloads, newest first").With(status, limit, cursor);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var page = CommandParts.Json(await session.Client.Workloads.GetPageAsync(parsed.GetValue(status), parsed.GetValue(limit), parsed.GetValue(cursor), cancellationToken),
                CamelCaseJsonContext.Default.WorkloadListResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(page);
                return;
            }

            var table = Renderer.Table("ID", "NAME", "STATUS", "REASON", "ENDPOINT", "CREATED");
            foreach (var w in JsonText.Items(page, "workloads"))
            {
                Renderer.Row(table, JsonText.Get(w, "id"), JsonText.Get(w, "name"), JsonText.Get(w, "status"), JsonText.Get(w, "statusReason"),
                    JsonText.Get(w, "endpoint"), JsonText.Time(w, "createdAt"));
            }

            session.Output.Write(table);
            session.Output.NextPage(JsonText.String(page, "nextCursor"));
        });
        return command;
    }

    private Command Show()
    {
        var id = Id();
        var command = new Command("show", "A workload: status and why, requirements, placement and its history, cost to date").With(id);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var w = CommandParts.Json(await session.Client.Workloads.GetAsync(parsed.GetValue(id)!, cancellationToken), CamelCaseJsonContext.Default.WorkloadDetailResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(w);
                return;
            }

            var r = JsonText.Property(w, "requirements");
            var p = JsonText.Property(w, "placement");
            session.Output.Write(Renderer.Details([
                ("ID", JsonText.Get(w, "id")),
                ("Name", JsonText.Get(w, "name")),
                ("Status", JsonText.Get(w, "status")),
                ("Reason", JsonText.Get(w, "statusReason")),
                ("Endpoint", JsonText.Get(w, "endpoint")),
                ("Requirements", $"{JsonText.Get(r, "minCPU")} vCPU, {JsonText.Get(r, "minMemoryGB")} GB, {JsonText.Get(r, "gpuCount")} GPU {JsonText.Get(r, "gpuType")}, max {JsonText.Get(r, "maxPricePerHour")} USD/h"),
                ("Image", JsonText.Get(w, "config.imageId")),
                ("Placement", p.ValueKind == JsonValueKind.Object ? Placement(p) : JsonText.None),
                ("Placements", JsonText.Get(w, "placementCount")),
                ("Cost to date", $"{JsonText.Get(w, "costToDate")} {JsonText.Get(w, "currency")}"),
                ("Created", JsonText.Time(w, "createdAt")),
                ("Started", JsonText.Time(w, "startedAt")),
                ("Terminated", JsonText.Time(w, "terminatedAt")),
            ]));
            var placements = JsonText.Items(w, "placements").ToList();
            if (placements.Count == 0) return;
            var table = Renderer.Table("PROVIDER", "REGION", "ZONE", "INSTANCE TYPE", "MARKET", "USD/H", "START", "END", "END REASON", "WHY");
            foreach (var x in placements)
            {
                Renderer.Row(table, JsonText.Get(x, "providerName"), JsonText.Get(x, "region"), JsonText.Get(x, "zone"), JsonText.Get(x, "instanceType"), JsonText.Get(x, "market"),
                    JsonText.Get(x, "pricePerHour"), JsonText.Time(x, "start"), JsonText.Time(x, "end"), JsonText.Get(x, "endReason"), JsonText.Get(x, "reason"));
            }

            session.Output.Write(table);
        });
        return command;
    }

    private Command Events()
    {
        var id = Id();
        var limit = CommandParts.Limit("events", 200);
        var cursor = CommandParts.Cursor();
        var command = new Command("events", "The audit trail, oldest first: every state change, launch, interruption and charge, with its reason").With(id, limit, cursor);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var page = CommandParts.Json(await session.Client.Workloads.GetEventPageAsync(parsed.GetValue(id)!, parsed.GetValue(limit), parsed.GetValue(cursor), cancellationToken),
                CamelCaseJsonContext.Default.WorkloadEventListResponse);
            if (session.Output.IsJson)
            {
                session.Output.Json(page);
                return;
            }

            var table = Renderer.Table("AT", "TYPE", "FROM", "TO", "REASON");
            foreach (var e in JsonText.Items(page, "events"))
            {
                Renderer.Row(table, JsonText.Time(e, "at"), JsonText.Get(e, "type"), JsonText.Get(e, "from"), JsonText.Get(e, "to"), JsonText.Get(e, "reason"));
            }

            session.Output.Write(table);
            session.Output.NextPage(JsonText.String(page, "nextCursor"));
        });
        return command;
    }

    private Command Terminate()
    {
        var id = Id();
        var command = new Command("terminate", "Stop a workload and release its machine").With(id);
        runtime.Action(command, async (session, parsed, cancellationToken) =>
        {
            var answer = CommandParts.Json(await session.Client.Workloads.TerminateAsync(parsed.GetValue(id)!, cancellationToken), CamelCaseJsonContext.Default.TerminateWorkloadResponse);
            if (session.Output.IsJson) session.Output.Json(answer);
            else session.Output.Line($"{JsonText.Get(answer, "id")}: {JsonText.Get(answer, "status")} ({JsonText.Get(answer, "message")})");
        });
        return command;
    }

    private Command Watch()
    {
        var id = Id();
        var timeout = Timeout();
        var command = new Command("watch", "Follow a workload's state changes, with their reasons, until it is RUNNING (or ends)").With(id, timeout);
        runtime.Action(command, (session, parsed, cancellationToken) =>
            new WorkloadWatcher(session, runtime.Context).WatchAsync(parsed.GetValue(id)!, parsed.GetValue(timeout), cancellationToken));
        return command;
    }

    public static string Placement(JsonElement p) =>
        $"{JsonText.Get(p, "providerName")} {JsonText.Get(p, "region")}/{JsonText.Get(p, "zone")} {JsonText.Get(p, "instanceType")} {JsonText.Get(p, "market")} at {JsonText.Get(p, "pricePerHour")} USD/h";
}

/// <summary>
/// Follows a workload until it is RUNNING or has ended: polls its events (from where it last read) and its status,
/// printing each state change with its reason; on a terminal, under a live spinner naming the current status.
/// </summary>
public sealed class WorkloadWatcher(Session session, CliContext context)
{
    private static readonly string[] Ends = ["RUNNING", "TERMINATED", "FAILED"];
    private string? _cursor;
    private int _seenAfterCursor;

    public Task<int> WatchAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
        session.Output.FollowAsync(id, showStatus => FollowAsync(id, timeout, showStatus, cancellationToken));

    private async Task<int> FollowAsync(string id, TimeSpan timeout, Action<string> showStatus, CancellationToken cancellationToken)
    {
        var started = context.Time.GetTimestamp();
        while (true)
        {
            var workload = CommandParts.Json(await session.Client.Workloads.GetAsync(id, cancellationToken), CamelCaseJsonContext.Default.WorkloadDetailResponse);
            await PrintNewEventsAsync(id, cancellationToken);
            string status = JsonText.Get(workload, "status");
            showStatus(status);
            if (Ends.Contains(status)) return Finish(workload, status);
            if (context.Time.GetElapsedTime(started) >= timeout)
            {
                throw new CommandFailedException($"{id} is still {status} after {timeout} (--timeout); it goes on: follow it with 'arb workloads watch {id}'.");
            }

            await Task.Delay(context.PollInterval, context.Time, cancellationToken);
        }
    }

    private async Task PrintNewEventsAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = CommandParts.Json(await session.Client.Workloads.GetEventPageAsync(id, 200, _cursor, cancellationToken), CamelCaseJsonContext.Default.WorkloadEventListResponse);
            var events = JsonText.Items(page, "events").ToList();
            foreach (var e in events.Skip(_seenAfterCursor).Where(e => JsonText.Get(e, "to") != JsonText.None))
            {
                session.Output.Note($"{JsonText.Time(e, "at")}  {JsonText.Get(e, "from")} -> {JsonText.Get(e, "to")}  {JsonText.Get(e, "reason")}");
            }

            if (JsonText.String(page, "nextCursor") is { } next)
            {
                _cursor = next;
                _seenAfterCursor = 0;
                continue;
            }

            _seenAfterCursor = events.Count;
            return;
        }
    }

    private int Finish(JsonElement workload, string status)
    {
        var output = session.Output;
        if (output.IsJson) output.Json(workload);
        else
        {
            var p = JsonText.Property(workload, "placement");
            output.Console.Write(new Text($"{JsonText.Get(workload, "id")} is {status}", Renderer.StatusStyle(status)));
            output.Line(p.ValueKind == JsonValueKind.Object ? $" on {WorkloadsCommand.Placement(p)}; endpoint {JsonText.Get(workload, "endpoint")}" : $": {JsonText.Get(workload, "statusReason")}");
        }

        if (status == "FAILED") throw new CommandFailedException($"{JsonText.Get(workload, "id")} FAILED: {JsonText.Get(workload, "statusReason")}");
        return ArbCli.Success;
    }
}
