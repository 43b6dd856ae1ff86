using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

/// <summary>
/// A local fake of the EC2 (Query protocol, 2016-11-15 XML) and SQS (AWS JSON 1.0) APIs for the calls the AWS adapter
/// makes, on a loopback port. Every request must carry a SigV4 signature made with <see cref="AccessKeyId"/> and
/// <see cref="SecretAccessKey"/>. One region, us-east-1, with four zones whose names map to zone IDs as an account's
/// would. Test hooks move it along: boot, interrupt (an EventBridge event on the queue), reclaim, refuse the next
/// launch with an error, throttle the next calls.
/// </summary>
public sealed partial class FakeAws : IAsyncDisposable
{
    public const string AccessKeyId = "AKIAFAKEAWS000000001";
    public const string SecretAccessKey = "fake/secret/KEY0000000000000000000000000";
    public const string Region = "us-east-1";
    public const string AccountId = "123456789012";
    public const string QueueName = "arbitrage-interruptions";

    /// <summary>Zone name → zone ID, as one account sees us-east-1.</summary>
    public static readonly IReadOnlyDictionary<string, string> Zones = new Dictionary<string, string>
    {
        ["us-east-1a"] = "use1-az4", ["us-east-1b"] = "use1-az6", ["us-east-1c"] = "use1-az1", ["us-east-1d"] = "use1-az2",
    };

    /// <summary>The instance types offered in every zone: vCPUs, memory (MiB), GPU, spot price.</summary>
    public static readonly IReadOnlyList<(string Type, int VCpus, int MemoryMiB, string? Gpu, decimal Spot)> Types =
    [
        ("m5.large", 2, 8192, null, 0.0380m),
        ("c5.xlarge", 4, 8192, null, 0.0794m),
        ("g4dn.xlarge", 4, 16384, "T4", 0.1578m),
    ];

    private readonly WebApplication _app;
    private readonly SigV4Verifier _verifier;
    private readonly object _gate = new();
    private readonly ConcurrentQueue<string> _calls = new();

    private FakeAws(WebApplication app, string secret)
    {
        _app = app;
        _verifier = new SigV4Verifier(AccessKeyId, secret);
        var now = DateTimeOffset.UtcNow;
        foreach (var (zoneName, zoneId) in Zones)
        {
            foreach (var type in Types)
            {
                // Three hours of history per market: the adapter's first poll must keep only the latest.
                for (var h = 3; h >= 1; h--) _priceHistory.Add(new PricePoint(zoneName, zoneId, type.Type, type.Spot + (h * 0.001m), now.AddHours(-h)));
            }
        }
    }

    /// <summary>The base URL both services answer on.</summary>
    public Uri Url { get; private set; } = null!;

    public string QueueUrl => new Uri(Url, $"{AccountId}/{QueueName}").ToString();

    /// <summary>Every call that passed authentication, as "ec2:Action" or "sqs:Operation", in order (retries included).</summary>
    public IReadOnlyList<string> Calls => _calls.ToArray();

    /// <summary>Calls refused for their signature.</summary>
    public int RefusedSignatures => _refusedSignatures;

    /// <summary>Boot every launched instance at once (running on launch), for end-to-end runs.</summary>
    public bool BootOnLaunch { get; set; }

    /// <summary>The address launched instances report (their health checks go there).</summary>
    public string InstanceAddress { get; set; } = "127.0.0.1";

    /// <summary>The most items one page of a paged answer holds (below the request's MaxResults, as EC2 may).</summary>
    public int PageSize { get; set; } = 1000;

    private int _refusedSignatures;

    /// <summary>Records the requests it receives while on (benchmarks send them again without the adapter).</summary>
    public RequestRecorder Recorder { get; } = new();

    /// <summary>Starts a fake on a free loopback port; <paramref name="secret"/> is the secret it expects (the test's).</summary>
    public static async Task<FakeAws> StartAsync(string secret = SecretAccessKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeAws(app, secret);
        app.Urls.Add("http://127.0.0.1:0");
        app.Use(fake.Recorder.InvokeAsync);
        app.MapPost("/", fake.HandleAsync);
        app.MapPost("/{account}/{queue}", fake.HandleAsync);
        // What a workload on a fake instance answers to its health check (instances report this fake's address).
        app.MapGet("/healthz", () => Results.Text("ok"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.Url = new Uri(address.TrimEnd('/') + "/");
        return fake;
    }

    public int CallCount(string call) => _calls.Count(c => c == call);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var check = _verifier.Verify(request, body);
        var isSqs = request.Headers.ContainsKey("X-Amz-Target");
        if (!check.Valid)
        {
            Interlocked.Increment(ref _refusedSignatures);
            if (isSqs) await SqsErrorAsync(context, StatusCodes.Status403Forbidden, check.ErrorCode == "AuthFailure" ? "InvalidClientTokenId" : check.ErrorCode, check.Message);
            else await Ec2ErrorAsync(context, StatusCodes.Status401Unauthorized, check.ErrorCode == "SignatureDoesNotMatch" ? "AuthFailure" : check.ErrorCode, check.Message);
            return;
        }

        if (check.Region != Region)
        {
            await Ec2ErrorAsync(context, StatusCodes.Status401Unauthorized, "AuthFailure", $"The credential scope's region '{check.Region}' is not this endpoint's ({Region}).");
            return;
        }

        if (isSqs)
        {
            if (check.Service != "sqs") { await SqsErrorAsync(context, 403, "SignatureDoesNotMatch", $"Credential should be scoped to correct service: 'sqs', not '{check.Service}'."); return; }
            await HandleSqsAsync(context, request.Headers["X-Amz-Target"].ToString(), Encoding.UTF8.GetString(body));
        }
        else
        {
            if (check.Service != "ec2") { await Ec2ErrorAsync(context, 401, "AuthFailure", $"Credential should be scoped to correct service: 'ec2', not '{check.Service}'."); return; }
            await HandleEc2Async(context, Encoding.UTF8.GetString(body));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
