using System.Net;
using Arbitrage.Orleans.Gateway.Http;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.Security;

/// <summary>What one request may carry: oversized headers, query strings, bodies and pages are refused in the one error shape, naming what was too big.</summary>
[Collection(WorkloadSiloCollection.Name)]
public sealed class RequestLimitTests(WorkloadSiloFixture fixture)
{
    [Fact]
    public async Task A_query_string_over_the_limit_is_414_QUERY_TOO_LONG()
    {
        var (response, body) = await Api.GetAsync(fixture.Silo.Http, "/v1/workloads?status=RUNNING&pad=" + new string('a', 3000));
        Api.AssertError(response, body, HttpStatusCode.RequestUriTooLong, ErrorCodes.QueryTooLong);
        Assert.Contains("2,048", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Headers_over_the_limit_are_431_HEADERS_TOO_LARGE()
    {
        var headers = new Dictionary<string, string> { ["X-Padding"] = new('a', 20_000) };
        var (response, body) = await Api.SendAsync(fixture.Silo.Http, HttpMethod.Get, "/v1/workloads", headers: headers);
        Api.AssertError(response, body, HttpStatusCode.RequestHeaderFieldsTooLarge, ErrorCodes.HeadersTooLarge);
    }

    [Fact]
    public async Task A_body_over_256_KiB_is_413_and_a_page_over_the_maximum_is_400_naming_limit()
    {
        string huge = $$"""{"name": "{{new string('a', 300 * 1024)}}"}""";
        var (tooLarge, tooLargeBody) = await Api.PostAsync(fixture.Silo.Http, "/v1/workloads", huge);
        Api.AssertError(tooLarge, tooLargeBody, HttpStatusCode.RequestEntityTooLarge, ErrorCodes.PayloadTooLarge);
        var (page, pageBody) = await Api.GetAsync(fixture.Silo.Http, "/v1/workloads?limit=5000");
        Api.AssertError(page, pageBody, HttpStatusCode.BadRequest, ErrorCodes.ValidationError, "limit");
    }
}
