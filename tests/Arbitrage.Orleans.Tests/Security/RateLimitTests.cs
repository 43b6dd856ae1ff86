using System.Net;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>
/// Rate limits per token and per client address, with X-RateLimit-* on every limited response and 429 RATE_LIMITED
/// with Retry-After past them. Over HTTP on a silo with low limits, and the address limit with a manual clock.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.Silo silo) : IClassFixture<RateLimitTests.Silo>
{
    [Fact]
    public async Task Every_response_carries_the_limit_headers_and_past_the_limit_is_429_with_retry_after()
    {
        var (_, token) = await silo.NewTenantAsync();
        using var client = silo.Host.ClientWith(token);
        var remaining = new List<long>();
        for (int i = 0; i < Silo.PerToken; i++)
        {
            var response = await client.GetAsync("/v1/workloads");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Silo.PerToken.ToString(), Header(response, "X-RateLimit-Limit"));
            Assert.Equal("3600", Header(response, "X-RateLimit-Window"));
            long reset = long.Parse(Header(response, "X-RateLimit-Reset"));
            Assert.Equal(Silo.Now.AddMinutes(30).ToUnixTimeSeconds(), reset); // the end of the fixed window the clock is in
            remaining.Add(long.Parse(Header(response, "X-RateLimit-Remaining")));
        }

        Assert.Equal(Enumerable.Range(0, Silo.PerToken).Reverse().Select(n => (long)n), remaining);
        var (refused, body) = await Api.GetAsync(client, "/v1/workloads");
        Api.AssertError(refused, body, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("token", body.GetProperty("error").GetProperty("details").GetProperty("limit").GetString());
        Assert.Equal(TimeSpan.FromMinutes(30), refused.Headers.RetryAfter!.Delta!.Value);
        Assert.Equal("0", Header(refused, "X-RateLimit-Remaining"));

        // Refusals by later stages carry the headers too: a 404 for an unknown workload counts and says so.
        var (_, other) = await silo.NewTenantAsync();
        using var otherClient = silo.Host.ClientWith(other);
        var missing = await otherClient.GetAsync("/v1/workloads/wk-none");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal((Silo.PerToken - 1).ToString(), Header(missing, "X-RateLimit-Remaining"));

        // Another token from the same address has its own allowance; health and readiness are never limited.
        Assert.Equal(HttpStatusCode.OK, (await otherClient.GetAsync("/v1/workloads")).StatusCode);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Guessed_tokens_are_limited_per_address_before_any_lookup()
    {
        // The address limit is a fixed window aligned to the clock, checked with a manual clock: each guess is a new
        // token (its own token partition), so only the address limit stops them.
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 30, TimeSpan.Zero));
        var limits = new ApiRateLimits(new RateLimitOptions
        {
            PerAddress = new RateLimitRule { PermitLimit = 3, Window = TimeSpan.FromMinutes(1) },
            PerToken = new RateLimitRule { PermitLimit = 100, Window = TimeSpan.FromMinutes(1) },
        }, time);
        var from = IPAddress.Parse("203.0.113.7");
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(Acquire(limits, from, $"Bearer guess-{i}")));
        Assert.False(Acquire(limits, from, "Bearer guess-3"));
        Assert.True(Acquire(limits, IPAddress.Parse("203.0.113.8"), "Bearer guess-4")); // another address is not affected

        var context = Request(from, "Bearer guess-5");
        limits.WriteHeaders(context);
        Assert.Equal("0", context.Response.Headers["X-RateLimit-Remaining"].ToString());
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 12, 1, 0, TimeSpan.Zero).ToUnixTimeSeconds().ToString(), context.Response.Headers["X-RateLimit-Reset"].ToString());

        time.Advance(TimeSpan.FromSeconds(30)); // the next window
        Assert.True(Acquire(limits, from, "Bearer guess-6"));
    }

    [Fact]
    public async Task A_class_of_operation_has_its_own_budget_per_client_with_the_same_headers_and_429()
    {
        var (_, token) = await silo.NewTenantAsync();
        using var client = silo.Host.ClientWith(token);
        const string body = """{"providers": [{"name": "aws-test", "type": "aws"}]}""";
        for (int i = 0; i < Silo.Validation; i++)
        {
            var (ok, _) = await Api.PostAsync(client, "/api/v1/providers/validate", body);
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(Silo.Validation.ToString(), Header(ok, "X-RateLimit-Limit")); // the class's 2, tighter than the token's 5
            Assert.Equal((Silo.Validation - 1 - i).ToString(), Header(ok, "X-RateLimit-Remaining"));
        }

        var (refused, error) = await Api.PostAsync(client, "/api/v1/providers/validate", body);
        Api.AssertError(refused, error, HttpStatusCode.TooManyRequests, ErrorCodes.RateLimited);
        Assert.Equal("validation", error.GetProperty("error").GetProperty("details").GetProperty("limit").GetString());
        Assert.Equal("0", Header(refused, "X-RateLimit-Remaining"));
        Assert.NotNull(refused.Headers.RetryAfter);

        // Another class is not affected: the same token still lists providers.
        var (listed, _) = await Api.GetAsync(client, "/api/v1/providers");
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
    }

    [Fact]
    public void The_host_factory_classes_default_to_the_seed_budgets()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 11, 29, 12, 0, 30, TimeSpan.Zero));
        var limits = new ApiRateLimits(new RateLimitOptions(), time);
        foreach (var (name, budget) in new[] { ("providers", 100), ("templates", 200), ("requests", 50), ("validation", 500) })
        {
            var context = Request(IPAddress.Parse("203.0.113.9"), $"Bearer client-{name}");
            context.SetEndpoint(new Endpoint(null, new EndpointMetadataCollection(new RateLimitClass(name)), name));
            using (var lease = limits.Global.AttemptAcquire(context)) Assert.True(lease.IsAcquired);
            limits.WriteHeaders(context);
            Assert.Equal(budget.ToString(), context.Response.Headers["X-RateLimit-Limit"].ToString());
            Assert.Equal((budget - 1).ToString(), context.Response.Headers["X-RateLimit-Remaining"].ToString());
        }

        Assert.Contains("RateLimits:Classes:requests:PermitLimit must be at least 1 (was 0).",
            new RateLimitOptions { Classes = new RateLimitClasses { Requests = new RateLimitRule { PermitLimit = 0 } } }.Problems());
    }

    private static bool Acquire(ApiRateLimits limits, IPAddress address, string authorization)
    {
        using var lease = limits.Global.AttemptAcquire(Request(address, authorization));
        return lease.IsAcquired;
    }

    private static DefaultHttpContext Request(IPAddress address, string authorization)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = address;
        context.Request.Headers.Authorization = authorization;
        return context;
    }

    private static string Header(HttpResponseMessage response, string name) => response.Headers.GetValues(name).Single();

    /// <summary>A silo with 5 requests per token per hour, its limits on a clock held half-way through an hour (so no window rolls during a test).</summary>
    public sealed class Silo() : InProcessSiloFixture(new Dictionary<string, string?>
    {
        ["RateLimits:PerToken:PermitLimit"] = PerToken.ToString(),
        ["RateLimits:PerToken:Window"] = "01:00:00",
        ["RateLimits:PerAddress:PermitLimit"] = "100000",
        ["RateLimits:Classes:Validation:PermitLimit"] = Validation.ToString(),
        ["RateLimits:Classes:Validation:Window"] = "01:00:00",
    })
    {
        public const int PerToken = 5;
        public const int Validation = 2;
        public static readonly DateTimeOffset Now = new(2026, 11, 29, 12, 30, 0, TimeSpan.Zero);

        protected override void ConfigureServices(IServiceCollection services) =>
            services.AddKeyedSingleton<TimeProvider>(RateLimitOptions.ClockKey, new ManualTimeProvider(Now));
    }
}
