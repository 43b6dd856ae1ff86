using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Hosting;

/// <summary>
/// The silo on its embedded PostgreSQL, whose server is SIGKILLed while clients create and read workloads: the API
/// answers 503 SERVICE_UNAVAILABLE with Retry-After while the database is away (never 500), the silo starts the
/// server again and becomes ready, and every workload it acknowledged is still there and keeps running.
/// </summary>
[Collection(PostgresCollection.Name)] // one silo process at a time with the other process tests: the machine is small
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(120);
    private static string Workload(string name) =>
        $$$"""{"name": "{{{name}}}", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-0123456789abcdef0"}}""";

    private sealed record Observed(string Request, HttpStatusCode? Status, string? Code, string? RetryAfter, string? Failure);

    [Fact]
    public async Task A_killed_database_answers_503_with_retry_after_is_restarted_and_loses_no_acknowledged_workload()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), $"arbitrage-outage-{Guid.NewGuid():N}");
        try
        {
            await using var silo = SiloProcess.Start(["--DataDirectory", dataDirectory], new Dictionary<string, string>
            {
                ["Workloads__ProvisioningPollInterval"] = "00:00:00.200",
                ["Workloads__HealthCheckInterval"] = "00:00:01",
                // The server stays down for at least this long, so requests certainly meet the outage (and the
                // silo rides out an outage of over ten seconds).
                ["LocalPostgres__RestartDelay"] = "00:00:12",
            });
            await silo.WaitUntilServingAsync();
            await Eventually.TrueAsync(async () => (await silo.Http.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, Generous, "ready before the outage");

            // A workload that runs before the outage; ending it is refused while the database is away.
            var (created, body) = await Api.PostAsync(silo.Http, "/v1/workloads", Workload("steady"));
            Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
            string steady = body.GetProperty("id").GetString()!;
            await Api.WaitForAsync(silo.Http, $"/v1/workloads/{steady}", w => w.GetProperty("status").GetString() == "RUNNING", Generous);

            var observed = new ConcurrentQueue<Observed>();
            var accepted = new ConcurrentDictionary<string, string>();
            using var stopLoad = new CancellationTokenSource();
            var load = Enumerable.Range(0, 4).Select(client => Task.Run(() => LoadAsync(silo, client, observed, accepted, stopLoad.Token))).ToList();

            await Eventually.TrueAsync(() => accepted.Count >= 8, Generous, "workloads are acknowledged before the outage");
            KillPostgres(dataDirectory);

            await Eventually.TrueAsync(async () => (await silo.Http.GetAsync("/ready")).StatusCode == HttpStatusCode.ServiceUnavailable, Generous, "/ready answers 503 while the database is away");

            var (refused, refusal) = await Api.SendAsync(silo.Http, HttpMethod.Delete, $"/v1/workloads/{steady}");
            Api.AssertError(refused, refusal, HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE");
            Assert.Equal("5", refused.Headers.GetValues("Retry-After").Single());
            await Eventually.TrueAsync(() => observed.Any(o => o is { Request: "create", Status: HttpStatusCode.ServiceUnavailable }), Generous, "creates meet the outage");
            using (var readyWhileDown = await silo.Http.GetAsync("/ready"))
            {
                var text = await readyWhileDown.Content.ReadAsStringAsync();
                Assert.DoesNotContain("Exception", text);
                Assert.DoesNotContain("127.0.0.1", text);
            }

            await Eventually.TrueAsync(async () => (await silo.Http.GetAsync("/ready")).StatusCode == HttpStatusCode.OK, Generous, "ready again once the server is restarted");
            await Eventually.TrueAsync(() => silo.Output.Contains("Restarted the local PostgreSQL", StringComparison.Ordinal), Generous, "the restart is logged");
            int afterOutage = accepted.Count;
            await Eventually.TrueAsync(() => accepted.Count >= afterOutage + 8, Generous, "workloads are acknowledged after the outage");
            await stopLoad.CancelAsync();
            await Task.WhenAll(load);

            Assert.False(silo.HasExited, $"the silo rode out the outage:\n{silo.Output}");
            Assert.DoesNotContain(observed, o => o.Failure is not null || o.Status == HttpStatusCode.InternalServerError);
            var refusals = observed.Where(o => o.Status is { } status && (int)status >= 400).ToList();
            Assert.NotEmpty(refusals);
            Assert.All(refusals, o =>
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, o.Status);
                Assert.Equal("SERVICE_UNAVAILABLE", o.Code);
                Assert.Equal("5", o.RetryAfter);
            });

            // Nothing acknowledged is lost: every workload is served and runs, and the list (read from the database)
            // shows each running: progress made while the database was away was saved once it came back.
            foreach (var (id, name) in accepted)
            {
                var workload = await Api.WaitForAsync(silo.Http, $"/v1/workloads/{id}", w => w.GetProperty("status").GetString() == "RUNNING", Generous);
                Assert.Equal(name, workload.GetProperty("name").GetString());
            }

            Dictionary<string, string> listed = [];
            await Eventually.TrueAsync(async () =>
            {
                listed = await ListAllAsync(silo.Http);
                return accepted.Keys.All(id => listed.GetValueOrDefault(id) == "RUNNING");
            }, Generous, "the list shows every acknowledged workload running");
            Assert.All(accepted.Keys, id => Assert.Equal("RUNNING", listed[id]));

            // The refused terminate left no trace: the workload still runs, and ends when asked again.
            var (_, still) = await Api.GetAsync(silo.Http, $"/v1/workloads/{steady}");
            Assert.Equal("RUNNING", still.GetProperty("status").GetString());
            var (_, events) = await Api.GetAsync(silo.Http, $"/v1/workloads/{steady}/events");
            Assert.DoesNotContain(events.GetProperty("events").EnumerateArray(), e => e.OptionalString("to") == "STOPPING");
            var (terminated, _) = await Api.SendAsync(silo.Http, HttpMethod.Delete, $"/v1/workloads/{steady}");
            Assert.Equal(HttpStatusCode.Accepted, terminated.StatusCode);
            await Api.WaitForAsync(silo.Http, $"/v1/workloads/{steady}", w => w.GetProperty("status").GetString() == "TERMINATED", Generous);
        }
        finally
        {
            if (Directory.Exists(dataDirectory)) Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>One client: creates a workload and reads one it was given, over and over, noting every answer.</summary>
    private static async Task LoadAsync(SiloProcess silo, int client, ConcurrentQueue<Observed> observed, ConcurrentDictionary<string, string> accepted, CancellationToken stop)
    {
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            string name = $"load-{client}-{i}";
            var created = await ObserveAsync(silo, "create", observed, HttpMethod.Post, "/v1/workloads", Workload(name));
            if (created is { Status: HttpStatusCode.Accepted } ok) accepted[ok.Body.GetProperty("id").GetString()!] = name;
            if (accepted.Keys.Skip(i % Math.Max(1, accepted.Count)).FirstOrDefault() is { } id)
            {
                await ObserveAsync(silo, "read", observed, HttpMethod.Get, $"/v1/workloads/{id}");
            }

            await ObserveAsync(silo, "list", observed, HttpMethod.Get, "/v1/workloads?limit=5");
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)?> ObserveAsync(SiloProcess silo, string kind, ConcurrentQueue<Observed> observed, HttpMethod method, string path, string? json = null)
    {
        try
        {
            var (response, body) = await Api.SendAsync(silo.Http, method, path, json);
            using (response)
            {
                string? code = (int)response.StatusCode >= 400 && body.ValueKind == JsonValueKind.Object && body.TryGetProperty("error", out var error) ? error.GetProperty("code").GetString() : null;
                string? retryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null;
                observed.Enqueue(new Observed(kind, response.StatusCode, code, retryAfter, null));
                return (response.StatusCode, body);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            observed.Enqueue(new Observed(kind, null, null, null, $"{method} {path}: {e.GetType().Name}: {e.Message}"));
            return null;
        }
    }

    /// <summary>Every workload of the tenant, by id, with the status the list shows.</summary>
    private static async Task<Dictionary<string, string>> ListAllAsync(HttpClient http)
    {
        var ids = new Dictionary<string, string>();
        string? cursor = null;
        do
        {
            var (response, page) = await Api.GetAsync(http, "/v1/workloads?limit=200" + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            foreach (var workload in page.GetProperty("workloads").EnumerateArray()) ids[workload.GetProperty("id").GetString()!] = workload.GetProperty("status").GetString()!;
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }

    /// <summary>SIGKILLs the embedded server's postmaster, named by the first line of postmaster.pid in its data directory.</summary>
    private static void KillPostgres(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "postgres", "cluster", "postmaster.pid");
        int pid = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
        using var postmaster = Process.GetProcessById(pid);
        postmaster.Kill();
    }
}
