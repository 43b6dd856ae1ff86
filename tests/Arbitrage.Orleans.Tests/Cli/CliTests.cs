using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Cli;
using Arbitrage.Orleans.Cli.Configuration;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Cli;

/// <summary>The <c>arb</c> CLI run in-process against the real silo process on PostgreSQL: what it prints and how it exits.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class CliTests(WorkloadSiloFixture fixture)
{
    private const string Image = "ami-0123456789abcdef0";

    private async Task<(string TenantId, string Token)> NewTenantAsync(decimal credit = 100)
    {
        var (id, client) = await fixture.NewTenantAsync(credit);
        return (id, client.DefaultRequestHeaders.Authorization!.Parameter!);
    }

    private static JsonElement Json(CliResult result)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Out).RootElement.Clone();
    }

    private static void AssertSuccess(CliResult result) => Assert.True(result.ExitCode == ArbCli.Success, result.ToString());

    [Fact]
    public async Task Create_with_wait_prints_each_state_change_with_its_reason_until_running_then_list_show_events_and_terminate_work()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);

        var created = await cli.RunAsync("workloads", "create", "--name", "cli-web", "--cpu", "2", "--memory", "4", "--image", Image,
            "--env", "MODE=test", "--metadata", "team=cli", "--wait", "--timeout", "60s");
        AssertSuccess(created);
        Assert.Contains("PENDING -> PROVISIONING", created.Out);
        Assert.Contains("PROVISIONING -> RUNNING", created.Out);
        Assert.Contains("is RUNNING on sim-", created.Out);
        string id = System.Text.RegularExpressions.Regex.Match(created.Out, "wk-[0-9a-f]+").Value;

        var table = await cli.RunAsync("workloads", "list");
        AssertSuccess(table);
        Assert.Contains(id, table.Out);
        Assert.Contains("RUNNING", table.Out);
        Assert.Contains("STATUS", table.Out);

        var json = Json(await cli.RunAsync("workloads", "list", "--output", "json", "--limit", "10"));
        var listed = Assert.Single(json.GetProperty("workloads").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
        Assert.Equal("RUNNING", listed.GetProperty("status").GetString());

        var show = await cli.RunAsync("workloads", "show", id);
        AssertSuccess(show);
        Assert.Contains("cli-web", show.Out);
        Assert.Contains(Image, show.Out);
        Assert.Contains("Cost to date", show.Out);
        var shown = Json(await cli.RunAsync("workloads", "show", id, "-o", "json"));
        Assert.Equal("test", shown.GetProperty("config").GetProperty("environmentVariables").GetProperty("MODE").GetString());
        Assert.Equal("cli", shown.GetProperty("metadata").GetProperty("team").GetString());

        var events = await cli.RunAsync("workloads", "events", id);
        AssertSuccess(events);
        Assert.Contains("PROVISIONING", events.Out);
        Assert.Contains("RUNNING", events.Out);
        var firstEvent = Json(await cli.RunAsync("workloads", "events", id, "--limit", "1", "-o", "json"));
        Assert.Single(firstEvent.GetProperty("events").EnumerateArray());
        string cursor = firstEvent.OptionalString("nextCursor")!;
        var nextEvents = Json(await cli.RunAsync("workloads", "events", id, "--limit", "1", "--cursor", cursor, "-o", "json"));
        Assert.NotEqual(firstEvent.GetProperty("events")[0].GetRawText(), nextEvents.GetProperty("events")[0].GetRawText());

        var terminated = await cli.RunAsync("workloads", "terminate", id);
        AssertSuccess(terminated);
        Assert.Contains($"{id}: STOPPING", terminated.Out);

        var watched = await cli.RunAsync("workloads", "watch", id, "--timeout", "00:01:00");
        AssertSuccess(watched);
        Assert.Contains("-> TERMINATED", watched.Out);
        Assert.Contains($"{id} is TERMINATED", watched.Out);
    }

    [Fact]
    public async Task Create_with_wait_in_json_mode_prints_the_running_workload_on_stdout_and_the_state_changes_on_stderr()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);
        var result = await cli.RunAsync("workloads", "create", "--name", "cli-json", "--cpu", "2", "--memory", "4", "--image", Image, "--wait", "-o", "json");
        var workload = Json(result);
        Assert.Equal("RUNNING", workload.GetProperty("status").GetString());
        Assert.Contains("-> RUNNING", result.Error);
    }

    [Fact]
    public async Task On_a_terminal_with_NO_COLOR_the_live_view_prints_the_state_changes_without_colour()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token) { Terminal = true };
        cli.Environment["NO_COLOR"] = "1";
        var result = await cli.RunAsync("workloads", "create", "--name", "cli-tty", "--cpu", "2", "--memory", "4", "--image", Image, "--wait");
        AssertSuccess(result);
        Assert.Contains("-> RUNNING", result.Out);
        Assert.DoesNotContain("\u001b[3", result.Out); // no colour escape sequences
    }

    [Fact]
    public async Task Waiting_past_the_timeout_exits_1_saying_where_the_workload_stands()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);
        var created = Json(await cli.RunAsync("workloads", "create", "--name", "cli-unplaceable", "--cpu", "2", "--memory", "4", "--image", Image,
            "--max-price", "0.000001", "-o", "json"));
        string id = created.GetProperty("id").GetString()!;

        var watched = await cli.RunAsync("workloads", "watch", id, "--timeout", "0s");
        Assert.Equal(ArbCli.Failure, watched.ExitCode);
        Assert.Contains($"{id} is still PENDING", watched.Error);
        Assert.Contains($"arb workloads watch {id}", watched.Error);
        AssertSuccess(await cli.RunAsync("workloads", "terminate", id));
    }

    [Fact]
    public async Task An_api_refusal_exits_1_with_its_code_and_message()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);

        var missing = await cli.RunAsync("workloads", "show", "wk-000000000000");
        Assert.Equal(ArbCli.Failure, missing.ExitCode);
        Assert.Contains("error WORKLOAD_NOT_FOUND: Workload 'wk-000000000000' does not exist.", missing.Error);
        Assert.Contains("request id:", missing.Error);

        var invalid = await cli.RunAsync("workloads", "create", "--name", "bad", "--cpu", "2", "--memory", "4", "--image", Image, "--health-path", "health");
        Assert.Equal(ArbCli.Failure, invalid.ExitCode);
        Assert.Contains("error VALIDATION_ERROR:", invalid.Error);
        Assert.Contains("field: config.healthCheckPath", invalid.Error);

        using var badKey = new CliRunner(fixture.Silo.BaseAddress, Arbitrage.Orleans.Grains.Tenancy.TokenSecrets.NewSecret());
        var refused = await badKey.RunAsync("workloads", "list");
        Assert.Equal(ArbCli.Failure, refused.ExitCode);
        Assert.Contains("error UNAUTHORIZED:", refused.Error);
    }

    [Fact]
    public async Task Usage_errors_exit_2()
    {
        using var cli = new CliRunner(fixture.Silo.BaseAddress, SiloProcess.AdminToken);
        var missingFlags = await cli.RunAsync("workloads", "create", "--name", "x");
        Assert.Equal(ArbCli.UsageError, missingFlags.ExitCode);
        Assert.Contains("--cpu", missingFlags.Error);

        Assert.Equal(ArbCli.UsageError, (await cli.RunAsync("workloads", "list", "--output", "xml")).ExitCode);
        Assert.Equal(ArbCli.UsageError, (await cli.RunAsync("workloads", "frobnicate")).ExitCode);
        Assert.Equal(ArbCli.UsageError, (await cli.RunAsync("workloads")).ExitCode);
        var badTimeout = await cli.RunAsync("workloads", "watch", "wk-000000000000", "--timeout", "soon");
        Assert.Equal(ArbCli.UsageError, badTimeout.ExitCode);
        Assert.Contains("--timeout takes a duration", badTimeout.Error);
        var badPair = await cli.RunAsync("workloads", "create", "--name", "x", "--cpu", "2", "--memory", "4", "--image", Image, "--env", "NOEQUALS");
        Assert.Equal(ArbCli.UsageError, badPair.ExitCode);
        Assert.Contains("--env takes KEY=VALUE", badPair.Error);
        var badUrl = await cli.RunAsync("workloads", "list", "--url", "ftp://example");
        Assert.Equal(ArbCli.UsageError, badUrl.ExitCode);
        Assert.Contains("--url", badUrl.Error);
    }

    [Fact]
    public async Task Without_an_api_key_the_cli_exits_2_and_says_how_to_give_one()
    {
        using var cli = new CliRunner(fixture.Silo.BaseAddress);
        var result = await cli.RunAsync("workloads", "list");
        Assert.Equal(ArbCli.UsageError, result.ExitCode);
        Assert.Contains("ARB_API_KEY", result.Error);
        Assert.Contains("arb config set api-key", result.Error);
    }

    [Fact]
    public async Task An_unreachable_gateway_exits_1_naming_the_url()
    {
        int port = SiloProcess.FreePort();
        using var cli = new CliRunner(new Uri($"http://127.0.0.1:{port}"), SiloProcess.AdminToken);
        var result = await cli.RunAsync("pricing", "current");
        Assert.Equal(ArbCli.Failure, result.ExitCode);
        Assert.Contains($"could not reach the gateway at http://127.0.0.1:{port}/", result.Error);
    }

    [Fact]
    public async Task The_compatible_OHFP_API_KEY_is_used_when_ARB_API_KEY_is_absent_and_ARB_API_KEY_wins_when_both_are_set()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress);
        cli.Environment["OHFP_API_KEY"] = token;
        AssertSuccess(await cli.RunAsync("workloads", "list"));
        Assert.Contains("(OHFP_API_KEY)", (await cli.RunAsync("config", "show")).Out);

        cli.Environment["ARB_API_KEY"] = "arb_not-a-real-token-at-all";
        Assert.Contains("(ARB_API_KEY)", (await cli.RunAsync("config", "show")).Out);
        Assert.Equal(ArbCli.Failure, (await cli.RunAsync("workloads", "list")).ExitCode);
    }

    [Fact]
    public async Task Config_set_keeps_the_key_and_url_in_a_0600_file_that_later_runs_use_and_never_prints_the_key_in_full()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner();

        var setKey = await cli.RunWithInputAsync(token + "\n", "config", "set", "api-key");
        AssertSuccess(setKey);
        var setUrl = await cli.RunAsync("config", "set", "url", fixture.Silo.BaseAddress.ToString());
        AssertSuccess(setUrl);

        string file = Path.Combine(cli.ConfigDirectory, ConfigStore.FileName);
        Assert.True(File.Exists(file));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement;
        Assert.Equal(token, stored.GetProperty("apiKey").GetString());

        var show = await cli.RunAsync("config", "show");
        AssertSuccess(show);
        Assert.Contains(Connection.Mask(token), show.Out);
        Assert.Contains("(config file)", show.Out);
        Assert.Contains(fixture.Silo.BaseAddress.ToString(), show.Out);
        foreach (var run in new[] { setKey, setUrl, show }) Assert.DoesNotContain(token, run.Out + run.Error);

        // With nothing in the environment, the stored key and URL are used.
        AssertSuccess(await cli.RunAsync("workloads", "list"));

        // Setting the key again keeps the URL, and the file stays 0600.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        AssertSuccess(await cli.RunAsync("config", "set", "api-key", token));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(fixture.Silo.BaseAddress.ToString(), JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.GetProperty("url").GetString());
    }

    [Fact]
    public void The_config_folder_follows_XDG_CONFIG_HOME_else_the_home_folder()
    {
        Assert.Equal(Path.Combine("/tmp/xdg", "arb"), ConfigStore.DefaultDirectory(new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = "/tmp/xdg", ["HOME"] = "/home/u" }));
        Assert.Equal(Path.Combine("/home/u", ".config", "arb"), ConfigStore.DefaultDirectory(new Dictionary<string, string> { ["HOME"] = "/home/u" }));
    }

    [Fact]
    public async Task Pricing_estimate_recommends_an_offer_and_current_lists_prices_page_by_page()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);

        var table = await cli.RunAsync("pricing", "estimate", "--cpu", "2", "--memory", "4", "--alternatives", "3");
        AssertSuccess(table);
        Assert.Contains("best", table.Out);
        Assert.Contains("sim-", table.Out);
        var estimate = Json(await cli.RunAsync("pricing", "estimate", "--cpu", "2", "--memory", "4", "--provider", "sim-gcp", "-o", "json"));
        Assert.Equal("sim-gcp", estimate.GetProperty("recommended").GetProperty("providerName").GetString());
        string zone = estimate.GetProperty("alternatives")[0].GetProperty("zone").GetString()!;
        var zoned = Json(await cli.RunAsync("pricing", "estimate", "--cpu", "2", "--memory", "4", "--provider", "sim-gcp", "--zone", zone, "-o", "json"));
        Assert.All(zoned.GetProperty("alternatives").EnumerateArray().Prepend(zoned.GetProperty("recommended")), o => Assert.Equal(zone, o.GetProperty("zone").GetString()));
        var nothing = await cli.RunAsync("pricing", "estimate", "--cpu", "2", "--memory", "4", "--max-price", "0.000001");
        AssertSuccess(nothing);
        Assert.Contains("No offer meets every requirement", nothing.Out);

        var first = Json(await cli.RunAsync("pricing", "current", "--limit", "2", "-o", "json"));
        Assert.Equal(2, first.GetProperty("prices").GetArrayLength());
        string cursor = first.OptionalString("nextCursor")!;
        var second = Json(await cli.RunAsync("pricing", "current", "--limit", "2", "--cursor", cursor, "-o", "json"));
        Assert.NotEqual(first.GetProperty("prices")[0].GetRawText(), second.GetProperty("prices")[0].GetRawText());
        var prices = await cli.RunAsync("pricing", "current", "--provider", "sim-aws", "--limit", "5");
        AssertSuccess(prices);
        Assert.Contains("sim-aws", prices.Out);
        Assert.DoesNotContain("sim-gcp", prices.Out);
        Assert.Contains("More: --cursor", prices.Out);
    }

    [Fact]
    public async Task Wallets_show_topup_transfer_transactions_and_reservations()
    {
        string from = $"cli-{Guid.NewGuid():N}"[..16], to = $"cli-{Guid.NewGuid():N}"[..16];
        foreach (var project in new[] { from, to })
        {
            var (response, _) = await Api.PostAsync(fixture.Silo.Http, "/api/v1/wallets", $$"""{"project_id": "{{project}}"}""");
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        using var cli = new CliRunner(fixture.Silo.BaseAddress, SiloProcess.AdminToken);
        var topUp = await cli.RunAsync("wallets", "topup", from, "--amount", "25.5", "--description", "from the cli");
        AssertSuccess(topUp);
        Assert.Contains("25.5", topUp.Out);

        var transfer = await cli.RunAsync("wallets", "transfer", from, "--to", to, "--amount", "5.25");
        AssertSuccess(transfer);
        Assert.Contains(to, transfer.Out);

        var shown = Json(await cli.RunAsync("wallets", "show", from, "-o", "json"));
        Assert.Equal(20.25m, shown.GetProperty("balance").GetDecimal());
        Assert.Equal(from, shown.GetProperty("project_id").GetString());
        var table = await cli.RunAsync("wallets", "show", to);
        AssertSuccess(table);
        Assert.Contains("5.25", table.Out);

        var transactions = await cli.RunAsync("wallets", "transactions", from);
        AssertSuccess(transactions);
        Assert.Contains("deposit", transactions.Out);
        Assert.Contains("from the cli", transactions.Out);
        Assert.Contains("transfer_out", transactions.Out);
        var page = Json(await cli.RunAsync("wallets", "transactions", from, "--limit", "1", "-o", "json"));
        Assert.Single(page.GetProperty("transactions").EnumerateArray());
        Assert.NotNull(page.GetProperty("next_cursor").GetString());
        var transferred = Json(await cli.RunAsync("wallets", "transfer", from, "--to", to, "--amount", "0.25", "-o", "json"));
        Assert.Equal((from, to, 0.25m), (transferred.GetProperty("from_project_id").GetString(), transferred.GetProperty("to_project_id").GetString(), transferred.GetProperty("amount").GetDecimal()));

        var (_, held) = await Api.PostAsync(fixture.Silo.Http, "/api/v1/reservations", $$"""{"project_id": "{{from}}", "amount": 2, "resource_id": "vm-cli"}""");
        var (_, done) = await Api.PostAsync(fixture.Silo.Http, "/api/v1/reservations", $$"""{"project_id": "{{from}}", "amount": 1}""");
        await Api.PostAsync(fixture.Silo.Http, $"/api/v1/reservations/{done.GetProperty("data").GetProperty("id").GetString()}/release", "{}");
        var reservations = await cli.RunAsync("wallets", "reservations", from);
        AssertSuccess(reservations);
        Assert.Contains(held.GetProperty("data").GetProperty("id").GetString()!, reservations.Out);
        Assert.Contains("active", reservations.Out);
        Assert.Contains("released", reservations.Out);
        Assert.Contains("vm-cli", reservations.Out);
        var active = Json(await cli.RunAsync("wallets", "reservations", from, "--status", "active", "-o", "json"));
        Assert.Equal([held.GetProperty("data").GetProperty("id").GetString()], active.GetProperty("reservations").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        var first = await cli.RunAsync("wallets", "reservations", from, "--limit", "1");
        Assert.Contains("More: --cursor hold-", first.Out);
        var badStatus = await cli.RunAsync("wallets", "reservations", from, "--status", "open");
        Assert.NotEqual(ArbCli.Success, badStatus.ExitCode);
        Assert.Contains("open", badStatus.Error);

        var overdrawn = await cli.RunAsync("wallets", "transfer", to, "--to", from, "--amount", "1000");
        Assert.Equal(ArbCli.Failure, overdrawn.ExitCode);
        Assert.Contains("error INSUFFICIENT_CREDIT:", overdrawn.Error);
    }

    [Fact]
    public async Task Tokens_create_list_and_revoke_and_a_revoked_token_is_refused()
    {
        var (_, token) = await NewTenantAsync();
        using var cli = new CliRunner(fixture.Silo.BaseAddress, token);

        var created = await cli.RunAsync("tokens", "create", "--name", "ci-reader", "--permission", "workloads:read,pricing:read", "--expires-in-days", "7");
        AssertSuccess(created);
        Assert.Contains("ci-reader", created.Out);
        Assert.Contains("not shown again", created.Out);
        var createdJson = Json(await cli.RunAsync("tokens", "create", "--name", "ci-json", "-p", "workloads:read", "-o", "json"));
        string id = createdJson.GetProperty("id").GetString()!, secret = createdJson.GetProperty("token").GetString()!;

        var list = await cli.RunAsync("tokens", "list");
        AssertSuccess(list);
        Assert.Contains("ci-reader", list.Out);
        Assert.Contains(id, list.Out);
        Assert.DoesNotContain(secret, list.Out);

        using var reader = new CliRunner(fixture.Silo.BaseAddress, secret);
        AssertSuccess(await reader.RunAsync("workloads", "list"));
        var forbidden = await reader.RunAsync("tokens", "list");
        Assert.Equal(ArbCli.Failure, forbidden.ExitCode);
        Assert.Contains("error FORBIDDEN:", forbidden.Error);

        var revoked = await cli.RunAsync("tokens", "revoke", id);
        AssertSuccess(revoked);
        Assert.Contains($"Revoked {id}", revoked.Out);
        Assert.DoesNotContain(id, (await cli.RunAsync("tokens", "list")).Out);
        var refused = await reader.RunAsync("workloads", "list");
        Assert.Equal(ArbCli.Failure, refused.ExitCode);
        Assert.Contains("error UNAUTHORIZED:", refused.Error);

        var again = await cli.RunAsync("tokens", "revoke", id);
        Assert.Equal(ArbCli.Failure, again.ExitCode);
        Assert.Contains("error TOKEN_NOT_FOUND:", again.Error);
    }
}
