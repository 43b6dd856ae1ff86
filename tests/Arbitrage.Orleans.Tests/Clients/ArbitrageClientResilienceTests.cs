using System.Net;
using System.Text;
using Arbitrage.Orleans.Client;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Wallets;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.Clients;

/// <summary>
/// The client library's retry rules, with a handler standing in for the network below the resilience handler (it sees
/// every attempt): transient failures are retried only for idempotent calls — never a POST without an Idempotency-Key —
/// Retry-After is honoured, an error body that is not the API's still gives a clear exception, and cancelling stops a list.
/// </summary>
public sealed class ArbitrageClientResilienceTests
{
    private static readonly Uri Api = new("http://arbitrage.test");

    private const string Wallet = """{"data": {"project_id": "team-a", "org_id": null, "balance": 5, "reserved": 0, "available": 5, "currency": "USD", "status": "active", "created_at": "2026-11-30T00:00:00Z"}, "meta": {"request_id": "r-1", "timestamp": "2026-11-30T00:00:00Z"}}""";

    private const string Created = """{"request_id": "req-1", "template_id": "web", "requested_count": 1, "provider_selection": {"provider_type": "aws", "provider_instance": "aws-1", "selection_reason": "cheapest", "confidence": 0.9, "alternatives": []}, "status": "pending", "created_at": "2026-11-30T00:00:00Z"}""";

    private const string Unavailable = """{"error": {"code": "SERVICE_UNAVAILABLE", "message": "The cluster is starting.", "details": {}, "requestId": "r-503"}}""";

    /// <summary>The network: answers each attempt with <c>answer(request, attempt)</c> (attempt from 1) and records it.</summary>
    private sealed class Network(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : HttpMessageHandler
    {
        private int _attempts;

        public int Attempts => _attempts;

        public List<HttpRequestMessage> Seen { get; } = [];

        /// <summary>The body of each attempt, as sent.</summary>
        public List<string?> Bodies { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Seen)
            {
                Seen.Add(request);
                Bodies.Add(request.Content?.ReadAsStringAsync(cancellationToken).GetAwaiter().GetResult());
            }

            var response = answer(request, Interlocked.Increment(ref _attempts));
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) => new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage FirstFails(int attempt, string success, HttpStatusCode failure = HttpStatusCode.ServiceUnavailable) =>
        attempt == 1 ? Json(failure, Unavailable) : Json(HttpStatusCode.OK, success);

    private static ClientLibrary Library(Network network) =>
        new(Api, "secret-token", http => http.ConfigurePrimaryHttpMessageHandler(() => network));

    [Fact]
    public async Task A_get_that_fails_with_503_is_retried_and_succeeds()
    {
        var network = new Network((_, attempt) => FirstFails(attempt, Wallet));
        using var library = Library(network);

        var wallet = await library.Client.Wallets.GetAsync("team-a");

        Assert.Equal(5m, wallet.Balance);
        Assert.Equal(2, network.Attempts);
        Assert.All(network.Seen, r => Assert.Equal("Bearer secret-token", r.Headers.Authorization?.ToString()));
    }

    [Fact]
    public async Task A_post_without_an_idempotency_key_is_never_retried_and_the_503_surfaces()
    {
        var network = new Network((_, attempt) => FirstFails(attempt, Created));
        using var library = Library(network);

        var refused = await Assert.ThrowsAsync<ArbitrageApiException>(() => library.Client.Requests.CreateAsync(new CreateMachinesRequest("web", 1)));

        Assert.Equal(1, network.Attempts);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE", "r-503"), (refused.StatusCode, refused.Code, refused.RequestId));
        Assert.Equal("The cluster is starting.", refused.Message);
    }

    [Fact]
    public async Task The_same_post_with_an_idempotency_key_is_retried()
    {
        var network = new Network((_, attempt) => FirstFails(attempt, Created));
        using var library = Library(network);

        var created = await library.Client.Requests.CreateAsync(new CreateMachinesRequest("web", 1), idempotencyKey: "order-42");

        Assert.Equal("req-1", created.RequestId);
        Assert.Equal(2, network.Attempts);
        Assert.All(network.Seen, r => Assert.Equal("order-42", Assert.Single(r.Headers.GetValues("Idempotency-Key"))));
        // The body went out whole on both attempts.
        Assert.All(network.Bodies, b => Assert.Equal("""{"template_id":"web","max_number":1}""", b));
    }

    [Fact]
    public async Task A_429_with_retry_after_is_waited_out_and_retried()
    {
        var network = new Network((_, attempt) =>
        {
            if (attempt > 1) return Json(HttpStatusCode.OK, Wallet);
            var limited = Json(HttpStatusCode.TooManyRequests, """{"error": {"code": "RATE_LIMITED", "message": "Too many requests.", "details": {}, "requestId": "r-429"}}""");
            limited.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return limited;
        });
        using var library = Library(network);

        var wallet = await library.Client.Wallets.GetAsync("team-a");

        Assert.Equal("team-a", wallet.ProjectId);
        Assert.Equal(2, network.Attempts);
    }

    [Fact]
    public async Task Retries_run_out_after_max_retries_and_the_last_refusal_surfaces_with_its_retry_after()
    {
        var network = new Network((_, _) =>
        {
            var limited = Json(HttpStatusCode.ServiceUnavailable, Unavailable);
            limited.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return limited;
        });
        using var library = new ClientLibrary(Api, "t", http => http.ConfigurePrimaryHttpMessageHandler(() => network), o => o.MaxRetries = 2);

        var refused = await Assert.ThrowsAsync<ArbitrageApiException>(() => library.Client.Wallets.GetAsync("team-a"));

        Assert.Equal(3, network.Attempts);
        Assert.Equal(TimeSpan.Zero, refused.RetryAfter);
    }

    [Fact]
    public async Task An_error_body_that_is_not_the_apis_still_gives_a_clear_exception_with_the_request_id_header()
    {
        var network = new Network((_, _) =>
        {
            var page = new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("<html>Bad gateway config</html>", Encoding.UTF8, "text/html") };
            page.Headers.Add("X-Request-Id", "proxy-7");
            return page;
        });
        using var library = Library(network);

        var refused = await Assert.ThrowsAsync<ArbitrageApiException>(() => library.Client.Wallets.CreateAsync(new CreateWalletRequest("team-a")));

        Assert.Equal((HttpStatusCode.BadRequest, ArbitrageApiException.UnexpectedResponse, "proxy-7"), (refused.StatusCode, refused.Code, refused.RequestId));
        Assert.Contains("POST /api/v1/wallets answered 400", refused.Message);
        Assert.Contains("<html>Bad gateway config</html>", refused.Message);
    }

    [Fact]
    public async Task Groups_calls_carry_the_token_as_x_auth_token_too()
    {
        var network = new Network((_, _) => Json(HttpStatusCode.OK,
            """{"request": {"id": "r", "url": "/v1/spot/a/elastigroups", "method": "GET", "timestamp": "2026-11-30T00:00:00Z"}, "response": {"status": {"code": 200, "message": "OK"}, "kind": "spotinst:aws:ec2:group", "items": [], "count": 0, "warnings": []}}"""));
        using var library = Library(network);

        Assert.Empty(await library.Client.Groups.ListElastigroupsAsync("a").ToListAsync());

        var request = Assert.Single(network.Seen);
        Assert.Equal("secret-token", Assert.Single(request.Headers.GetValues("X-Auth-Token")));
        Assert.Equal("/v1/spot/a/elastigroups", request.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Cancelling_stops_a_list_enumeration_before_the_next_page()
    {
        // A list that never ends: every page says there is a next one.
        var network = new Network((_, attempt) => Json(HttpStatusCode.OK, $$$"""
            {"providers": [{"name": "p-{{{attempt}}}-a", "type": "aws", "enabled": true, "priority": 1, "weight": 1, "capabilities": [], "status": "healthy"},
                           {"name": "p-{{{attempt}}}-b", "type": "aws", "enabled": true, "priority": 1, "weight": 1, "capabilities": [], "status": "healthy"}],
             "total": 1000000, "enabled": 1000000,
             "pagination": {"page": {{{attempt}}}, "page_size": 2, "total_items": 1000000, "total_pages": 500000, "has_next": true, "has_previous": {{{(attempt > 1 ? "true" : "false")}}}}}
            """));
        using var library = Library(network);
        using var cancel = new CancellationTokenSource();
        var seen = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var provider in library.Client.Providers.ListAsync(cancellationToken: cancel.Token))
            {
                seen.Add(provider.Name);
                if (seen.Count == 3) cancel.Cancel();
            }
        });

        Assert.Equal(["p-1-a", "p-1-b", "p-2-a"], seen);
        Assert.Equal(2, network.Attempts);
        Assert.Equal(["1", "2"], network.Seen.Select(r => System.Web.HttpUtility.ParseQueryString(r.RequestUri!.Query)["page"]));
    }
}
