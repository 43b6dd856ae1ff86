using System.Net;
using System.Text.Json;
using Npgsql;

namespace Arbitrage.Orleans.Tests.Workloads;

/// <summary>
/// A workload's history is bounded in its state and complete in its journal: the state (and the workload document)
/// keeps the latest events and placements, while the events and placements routes page through every one, in order,
/// on real PostgreSQL. States stored before the history was journaled still load, and journal it on their next entry.
/// </summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class WorkloadHistoryTests(WorkloadSiloFixture fixture)
{
    private const string Body = """{"name": "history", "requirements": {"minCPU": 2, "minMemoryGB": 4}, "config": {"imageId": "ami-0123456789abcdef0"}}""";

    /// <summary>Every page of <paramref name="route"/> at <paramref name="limit"/>, followed by nextCursor, concatenated.</summary>
    private static async Task<(List<JsonElement> Items, int Pages)> ReadAllAsync(HttpClient http, string route, string property, int limit)
    {
        var items = new List<JsonElement>();
        int pages = 0;
        string? cursor = null;
        do
        {
            var (response, body) = await Api.GetAsync(http, $"{route}?limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = body.GetProperty(property).EnumerateArray().ToList();
            Assert.InRange(page.Count, 1, limit);
            items.AddRange(page);
            pages++;
            cursor = body.OptionalString("nextCursor");
        }
        while (cursor is not null);

        return (items, pages);
    }

    private async Task<(int Events, int Placements)> StoredListsAsync(string workloadId)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select jsonb_array_length(payload->'events'), jsonb_array_length(payload->'placements') from ledger_state where grain_type = 'workload' and grain_key = $1",
            connection) { Parameters = { new() { Value = workloadId } } };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    [Fact]
    public async Task A_workload_keeps_its_latest_history_in_state_and_pages_every_event_and_placement_from_the_journal()
    {
        const int moves = 4;
        var http = fixture.Silo.Http;
        var (created, workload) = await Api.PostAsync(http, "/v1/workloads", Body);
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        string id = workload.GetProperty("id").GetString()!;
        string path = $"/v1/workloads/{id}";
        var instances = new List<string>
        {
            (await Api.WaitForAsync(http, path, w => w.Status() == "RUNNING")).GetProperty("placement").GetProperty("instanceId").GetString()!,
        };

        for (int i = 0; i < moves; i++)
        {
            var (interrupted, _) = await Api.PostAsync(http, $"/v1/simulation/workloads/{id}/interrupt", "{}");
            Assert.Equal(HttpStatusCode.Accepted, interrupted.StatusCode);
            var moved = await Api.WaitForAsync(http, path, w => w.Status() == "RUNNING" && w.TryGetProperty("placement", out _)
                && w.GetProperty("placement").GetProperty("instanceId").GetString() != instances[^1]);
            instances.Add(moved.GetProperty("placement").GetProperty("instanceId").GetString()!);
        }

        var (deleted, _) = await Api.SendAsync(http, HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var terminated = await Api.WaitForAsync(http, path, w => w.Status() == "TERMINATED");

        // Every placement, oldest first, across pages of two; each says how it ended.
        var (placements, placementPages) = await ReadAllAsync(http, $"{path}/placements", "placements", 2);
        Assert.Equal(instances, placements.Select(p => p.GetProperty("instanceId").GetString()));
        Assert.Equal(3, placementPages);
        Assert.All(placements.Take(moves), p => Assert.Equal("SPOT_INTERRUPTION", p.GetProperty("endReason").GetString()));
        Assert.Equal("USER_REQUESTED", placements[^1].GetProperty("endReason").GetString());
        Assert.All(placements, p => Assert.NotEqual(JsonValueKind.Null, p.GetProperty("end").ValueKind));

        // The document shows the latest placements only, and how many there were in all.
        Assert.Equal(instances.Count, terminated.GetProperty("placementCount").GetInt32());
        Assert.Equal(instances.TakeLast(WorkloadSiloFixture.PlacementsInState), terminated.GetProperty("placements").EnumerateArray().Select(p => p.GetProperty("instanceId").GetString()));

        // Every event, in order, across pages of three: the same as one large page, from creation to termination.
        var (events, eventPages) = await ReadAllAsync(http, $"{path}/events", "events", 3);
        var (_, single) = await Api.GetAsync(http, $"{path}/events?limit=200");
        Assert.Equal(single.GetProperty("events").EnumerateArray().Select(e => e.GetRawText()), events.Select(e => e.GetRawText()));
        Assert.False(single.TryGetProperty("nextCursor", out _));
        Assert.True(events.Count > WorkloadSiloFixture.EventsInState, $"{events.Count} events");
        Assert.True(eventPages > 1);
        Assert.Equal("CREATED", events[0].GetProperty("type").GetString());
        Assert.Equal("TERMINATED", events[^1].GetProperty("to").GetString());
        Assert.Equal(moves, events.Count(e => e.GetProperty("type").GetString() == "INTERRUPTION_NOTICE"));
        Assert.Equal(instances.Count, events.Count(e => e.GetProperty("type").GetString() == "LAUNCHED"));
        Assert.Equal(instances, events.Where(e => e.GetProperty("type").GetString() == "LAUNCHED").Select(e => e.GetProperty("reason").GetString()!.Split(':')[0]));

        // The stored state holds no more than the caps.
        Assert.Equal((WorkloadSiloFixture.EventsInState, WorkloadSiloFixture.PlacementsInState), await StoredListsAsync(id));
    }

    [Theory]
    [InlineData("events", "limit=0", "limit")]
    [InlineData("events", "limit=201", "limit")]
    [InlineData("events", "limit=ten", "limit")]
    [InlineData("events", "cursor=abc", "cursor")]
    [InlineData("events", "cursor=plc-3", "cursor")]
    [InlineData("events", "cursor=evt-0", "cursor")]
    [InlineData("events", "cursor=evt--4", "cursor")]
    [InlineData("placements", "limit=-1", "limit")]
    [InlineData("placements", "cursor=evt-3", "cursor")]
    [InlineData("placements", "cursor=plc-99999999999999999999", "cursor")]
    public async Task A_bad_limit_or_cursor_is_refused_naming_the_field(string route, string query, string field)
    {
        var http = fixture.Silo.Http;
        var (_, workload) = await Api.PostAsync(http, "/v1/workloads", Body);
        var (response, body) = await Api.GetAsync(http, $"/v1/workloads/{workload.GetProperty("id").GetString()}/{route}?{query}");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Fact]
    public async Task Another_tenants_history_is_answered_as_missing()
    {
        var (_, workload) = await Api.PostAsync(fixture.Silo.Http, "/v1/workloads", Body);
        var (_, stranger) = await fixture.NewTenantAsync(0);
        foreach (var route in new[] { "events", "placements" })
        {
            var (response, body) = await Api.GetAsync(stranger, $"/v1/workloads/{workload.GetProperty("id").GetString()}/{route}");
            Api.AssertError(response, body, HttpStatusCode.NotFound, "WORKLOAD_NOT_FOUND");
        }
    }

    [Fact]
    public async Task A_state_stored_before_journaling_loads_and_journals_its_whole_history_on_its_next_entry()
    {
        const int legacyEvents = 30;
        var http = fixture.Silo.Http;
        var (_, template) = await Api.PostAsync(http, "/v1/workloads", Body);
        string legacyId = "wk-legacy" + Guid.NewGuid().ToString("N")[..10];
        string path = $"/v1/workloads/{legacyId}";

        // A state as stored before: its whole history in its lists (30 events, three ended placements), nothing journaled,
        // waiting in PENDING until long after this test.
        await using (var connection = new NpgsqlConnection(fixture.Database))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                insert into ledger_state (grain_type, grain_key, state_name, payload, version, list_owner, list_order)
                select grain_type, $2, state_name,
                       (payload - 'historyJournaled' - 'placementCount') || jsonb_build_object(
                           'status', 'Pending', 'statusReason', 'NO_CAPACITY: legacy', 'nextAttemptAt', '2999-01-01T00:00:00+00:00',
                           'events', (select jsonb_agg(jsonb_build_object('at', '2026-01-01T00:00:00+00:00'::timestamptz + make_interval(secs => i),
                                                                          'type', 'LEGACY', 'reason', 'legacy ' || i) order by i)
                                      from generate_series(1, $3) i),
                           'placements', (select jsonb_agg(jsonb_build_object('provider', 'sim-aws', 'cloud', 'aws', 'region', 'us-east-1', 'zone', 'us-east-1a',
                                                                              'instanceType', 'm5.large', 'market', 'spot', 'pricePerHour', 0.05, 'instanceId', 'i-legacy-' || i,
                                                                              'start', '2026-01-01T00:00:00+00:00', 'end', '2026-01-01T01:00:00+00:00', 'endReason', 'SPOT_INTERRUPTION') order by i)
                                          from generate_series(1, 3) i)),
                       1, list_owner, list_order
                from ledger_state where grain_type = 'workload' and grain_key = $1
                """, connection)
            {
                Parameters = { new() { Value = template.GetProperty("id").GetString()! }, new() { Value = legacyId }, new() { Value = legacyEvents } },
            };
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        // It loads: its history is served from its lists, with cursors that stay good once it is journaled.
        var (legacy, pages) = await ReadAllAsync(http, $"{path}/events", "events", 7);
        Assert.Equal(Enumerable.Range(1, legacyEvents).Select(i => $"legacy {i}"), legacy.Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal(5, pages);
        var (first, firstPage) = await Api.GetAsync(http, $"{path}/events?limit=7");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        string cursor = firstPage.OptionalString("nextCursor")!;
        var (placements, _) = await ReadAllAsync(http, $"{path}/placements", "placements", 2);
        Assert.Equal(["i-legacy-1", "i-legacy-2", "i-legacy-3"], placements.Select(p => p.GetProperty("instanceId").GetString()));

        // Its next entries (termination) journal the old history first, then the new, and trim the state.
        var (deleted, _) = await Api.SendAsync(http, HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        await Api.WaitForAsync(http, path, w => w.Status() == "TERMINATED");

        var (events, _) = await ReadAllAsync(http, $"{path}/events", "events", 7);
        Assert.Equal(Enumerable.Range(1, legacyEvents).Select(i => $"legacy {i}"), events.Take(legacyEvents).Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal(["STOPPING", "TERMINATED"], events.Skip(legacyEvents).Where(e => e.OptionalString("to") is not null).Select(e => e.OptionalString("to")));
        var (resumed, resumedPage) = await Api.GetAsync(http, $"{path}/events?limit=7&cursor={cursor}");
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("legacy 8", resumedPage.GetProperty("events")[0].GetProperty("reason").GetString());
        var (after, _) = await ReadAllAsync(http, $"{path}/placements", "placements", 2);
        Assert.Equal(["i-legacy-1", "i-legacy-2", "i-legacy-3"], after.Select(p => p.GetProperty("instanceId").GetString()));

        var (storedEvents, storedPlacements) = await StoredListsAsync(legacyId);
        Assert.Equal(WorkloadSiloFixture.EventsInState, storedEvents);
        Assert.True(storedPlacements <= WorkloadSiloFixture.PlacementsInState);
    }
}
