using System.Net;
using System.Text.Json;
using Arbitrage.Orleans.Gateway.Apis;
using Arbitrage.Orleans.Grains.Market;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Market;

/// <summary><c>GET /v1/pricing/history</c> over real HTTP against the silo executable on the simulated clouds (the console's market chart).</summary>
public sealed class PriceHistoryApiTests(MarketSiloFixture fixture) : IClassFixture<MarketSiloFixture>
{
    private const string Market = "provider=sim-aws&region=us-east-1&instanceType=m5.large";

    [Fact]
    public async Task A_markets_history_has_a_series_per_zone_with_the_current_price_last()
    {
        var (response, body) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("sim-aws", body.GetProperty("provider").GetString());
        Assert.Equal("m5.large", body.GetProperty("instanceType").GetString());
        Assert.Equal(PricingApi.DefaultHistoryPoints, body.GetProperty("maxPoints").GetInt32());
        var series = body.GetProperty("series").EnumerateArray().ToList();
        Assert.True(series.Count > 1, "us-east-1 has several zones selling m5.large");
        foreach (var zone in series)
        {
            var points = zone.GetProperty("points").EnumerateArray().ToList();
            Assert.NotEmpty(points);
            Assert.InRange(points.Count, 2, PricingApi.DefaultHistoryPoints);
            Assert.True(zone.GetProperty("sourcePoints").GetInt32() >= points.Count);
            Assert.Equal(points.Select(p => p.GetProperty("timestamp").GetDateTimeOffset()).Order(), points.Select(p => p.GetProperty("timestamp").GetDateTimeOffset()));
        }

        // The history is read from the cloud when asked and the current prices from the last poll of the feed: they agree
        // once both have seen the same price (the simulated clock moves an hour a minute).
        await Eventually.TrueAsync(async () =>
        {
            var (_, history) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}");
            var (_, current) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/current?{Market}&limit=50");
            var now = current.GetProperty("prices").EnumerateArray().ToDictionary(p => p.GetProperty("zone").GetString()!, p => p.GetProperty("spotPricePerHour").GetDecimal());
            return history.GetProperty("series").EnumerateArray().All(z =>
                now[z.GetProperty("zone").GetString()!] == z.GetProperty("points").EnumerateArray().Last().GetProperty("pricePerHour").GetDecimal());
        }, TimeSpan.FromSeconds(60), "every zone's history ends at its current price");
    }

    [Fact]
    public async Task A_simulated_markets_week_comes_from_its_clouds_replayed_history_spread_over_the_days()
    {
        // AWS us-east-1 markets replay their own real history on the simulation's clock (an hour a minute by default).
        var (response, body) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}&maxPoints=2000");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PricingApi.ProviderHistory, body.GetProperty("source").GetString());
        var from = body.GetProperty("from").GetDateTimeOffset();
        var to = body.GetProperty("to").GetDateTimeOffset();
        Assert.Equal(PricingApi.DefaultHistoryWindow, to - from);
        Assert.InRange(DateTimeOffset.UtcNow - to, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        foreach (var zone in body.GetProperty("series").EnumerateArray())
        {
            var times = zone.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("timestamp").GetDateTimeOffset()).ToList();
            Assert.True(times.Count > 50, $"{zone.GetProperty("zone")}: a week of a replayed market has many changes, not {times.Count}");
            Assert.Equal(from, times[0]);
            Assert.Equal(to, times[^1]);
            Assert.True(times.Select(t => t.UtcDateTime.Date).Distinct().Count() >= 7, "the changes are spread over every day of the week");
        }
    }

    [Fact]
    public async Task A_zone_and_a_window_narrow_the_history()
    {
        var (_, all) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}");
        string zone = all.GetProperty("series")[0].GetProperty("zone").GetString()!;

        var (_, one) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}&zone={zone}");
        Assert.Equal(zone, Assert.Single(one.GetProperty("series").EnumerateArray()).GetProperty("zone").GetString());

        var (response, future) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{Market}&zone={zone}&from=2999-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var series = Assert.Single(future.GetProperty("series").EnumerateArray());
        Assert.Empty(series.GetProperty("points").EnumerateArray());
        Assert.Equal(0, series.GetProperty("sourcePoints").GetInt32());
    }

    [Theory]
    [InlineData("region=us-east-1&instanceType=m5.large", "provider")]
    [InlineData("provider=sim-aws&instanceType=m5.large", "region")]
    [InlineData("provider=sim-aws&region=us-east-1", "instanceType")]
    [InlineData(Market + "&from=yesterday", "from")]
    [InlineData(Market + "&to=2026-13-40", "to")]
    [InlineData(Market + "&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData(Market + "&maxPoints=1", "maxPoints")]
    [InlineData(Market + "&maxPoints=10001", "maxPoints")]
    [InlineData("provider=sim-nowhere&region=us-east-1&instanceType=m5.large", "provider")]
    [InlineData("provider=sim-aws&region=mars-north-1&instanceType=m5.large", "region")]
    [InlineData("provider=sim-aws&region=us-east-1&instanceType=m5.colossal", "instanceType")]
    public async Task Bad_history_queries_are_refused_naming_the_field(string query, string field)
    {
        var (response, body) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{query}");
        Api.AssertError(response, body, HttpStatusCode.BadRequest, "VALIDATION_ERROR", field);
    }

    [Theory]
    [InlineData(Market + "&zone=us-east-1z", "zone")]
    [InlineData("provider=sim-aws&region=us-west-1&instanceType=m5.large&zone=us-east-1a", "zone")]
    public async Task A_market_without_spot_prices_is_not_found(string query, string field)
    {
        var (response, body) = await Api.GetAsync(fixture.Silo.Http, $"/v1/pricing/history?{query}");
        Api.AssertError(response, body, HttpStatusCode.NotFound, "NOT_FOUND", field);
    }

    [Fact]
    public async Task History_needs_a_token()
    {
        var (response, body) = await Api.GetAsync(fixture.Silo.ClientWith(null), $"/v1/pricing/history?{Market}");
        Api.AssertError(response, body, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Fact]
    public void A_long_history_is_cut_to_max_points_keeping_its_ends_and_its_spikes()
    {
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        // A week of a price changing every 10 s, with one spike and one dip in the middle.
        var points = Enumerable.Range(0, 7 * 24 * 360).Select(i => new PricePoint(start.AddSeconds(10 * i), i switch
        {
            30_000 => 9.99m,
            40_000 => 0.001m,
            _ => 0.1m + (i % 7) * 0.001m,
        })).ToList();

        var kept = PricingApi.Downsample(points, 1000);

        Assert.InRange(kept.Count, 500, 1000);
        Assert.Equal(points[0], kept[0]);
        Assert.Equal(points[^1], kept[^1]);
        Assert.Contains(kept, p => p.PricePerHour == 9.99m);
        Assert.Contains(kept, p => p.PricePerHour == 0.001m);
        Assert.Equal(kept.Select(p => p.Timestamp).Order(), kept.Select(p => p.Timestamp));
        Assert.Same(points, PricingApi.Downsample(points, points.Count));
    }
}
