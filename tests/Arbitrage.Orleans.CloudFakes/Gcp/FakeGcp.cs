using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Gcp;

/// <summary>
/// A local Google Cloud for the GCP adapter: the OAuth 2.0 token endpoint (JWT-bearer grant, the assertion's RS256
/// signature checked with the test service account's public key), Compute Engine v1 (regions, machine types,
/// instances insert/get/delete/aggregatedList, zone operations get/list) and the Cloud Billing Catalog (Compute
/// Engine SKUs, paged), on a loopback port. Every Compute and Billing call must carry a bearer token this fake issued.
/// Test hooks move the cloud along: boot, preempt, refuse the next insert, throttle or fail the next calls.
/// </summary>
public sealed partial class FakeGcp : IAsyncDisposable
{
    public const string Project = "arb-test-project";
    public const string ClientEmail = "arbitrage@arb-test-project.iam.gserviceaccount.com";

    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, byte> _tokens = new();
    private readonly ConcurrentDictionary<string, Instance> _instances = new();
    private readonly ConcurrentDictionary<string, JsonObject> _operations = new();
    private readonly ConcurrentDictionary<string, string> _requestIds = new();
    private readonly Lock _lock = new();
    private readonly List<(int Status, string Reason, string? Code)> _failures = [];
    private bool _answeringGarbage;
    private string? _refuseNextInsert;
    private int _operationCounter;

    public static readonly IReadOnlyDictionary<string, string[]> Regions = new Dictionary<string, string[]>
    {
        ["us-central1"] = ["us-central1-a", "us-central1-b", "us-central1-c"],
        ["europe-west4"] = ["europe-west4-a", "europe-west4-b"],
    };

    /// <summary>Machine types of every zone: name, vCPUs, memory MB, accelerator.</summary>
    private static readonly (string Name, int Cpus, long MemoryMb, string? Gpu)[] MachineTypes =
    [
        ("e2-standard-4", 4, 16384, null), ("e2-micro", 2, 1024, null), ("n1-standard-4", 4, 15360, null),
        ("n2-standard-2", 2, 8192, null), ("n2-standard-8", 8, 32768, null), ("a2-highgpu-1g", 12, 87040, "nvidia-tesla-a100"),
    ];

    private sealed class Instance
    {
        public required string Name { get; init; }
        public required string Zone { get; init; }
        public required JsonObject Body { get; init; }
        public required string Id { get; init; }
        public required DateTimeOffset Created { get; init; }
        public string Status { get; set; } = "PROVISIONING";
    }

    private FakeGcp(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Records the requests it receives while on (benchmarks send them again without the adapter).</summary>
    public RequestRecorder Recorder { get; } = new();

    public string TokenUrl => BaseUrl + "/token";

    /// <summary>The service-account key file (source <c>file</c>) whose token_uri is this fake's token endpoint.</summary>
    public string KeyFile { get; private set; } = "";

    /// <summary>When true, a VM is RUNNING as soon as its insert operation is done; otherwise it waits for <see cref="Boot"/>.</summary>
    public bool AutoBoot { get; set; }

    public int InsertCalls => Volatile.Read(ref _insertCalls);
    private int _insertCalls;

    public int TokensIssued => _tokens.Count;

    /// <summary>Calls answered with throttling (429 or 403 rateLimitExceeded).</summary>
    public int ThrottledCalls => Volatile.Read(ref _throttledCalls);
    private int _throttledCalls;

    public JsonObject? LastInsertBody { get; private set; }

    public IReadOnlyList<string> InstanceNames => _instances.Keys.ToList();

    public static async Task<FakeGcp> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeGcp(app);
        app.Use(fake.Recorder.InvokeAsync);
        fake.Map(app);
        app.Urls.Add("http://127.0.0.1:0");
        await app.StartAsync();
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        fake.KeyFile = Path.Combine(Path.GetTempPath(), $"fake-gcp-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(fake.KeyFile, fake.ServiceAccountKeyJson(fake._key));
        return fake;
    }

    /// <summary>This fake's key with another <c>token_uri</c> (for the <c>token</c> endpoint override).</summary>
    public async Task<string> WriteKeyFileAsync(string tokenUri)
    {
        string path = Path.Combine(Path.GetTempPath(), $"fake-gcp-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, ServiceAccountKeyJson(_key).Replace(TokenUrl, tokenUri, StringComparison.Ordinal));
        return path;
    }

    /// <summary>A key file for the same account signed with another key: the token endpoint refuses its assertions.</summary>
    public async Task<string> WriteForeignKeyFileAsync()
    {
        using var other = RSA.Create(2048);
        string path = Path.Combine(Path.GetTempPath(), $"fake-gcp-foreign-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, ServiceAccountKeyJson(other));
        return path;
    }

    // ---- test hooks ----

    /// <summary>The next insert's operation fails with <paramref name="code"/> (ZONE_RESOURCE_POOL_EXHAUSTED, QUOTA_EXCEEDED, ...).</summary>
    public void RefuseNextInsert(string code = "ZONE_RESOURCE_POOL_EXHAUSTED")
    {
        lock (_lock) _refuseNextInsert = code;
    }

    /// <summary>The next <paramref name="calls"/> Compute or Billing calls answer 429 (or 403 rateLimitExceeded).</summary>
    public void ThrottleNext(int calls, bool asForbidden = false)
    {
        lock (_lock)
        {
            for (int i = 0; i < calls; i++) _failures.Add(asForbidden ? (403, "rateLimitExceeded", null) : (429, "rateLimitExceeded", null));
        }
    }

    /// <summary>The next <paramref name="calls"/> calls answer <paramref name="status"/> with <paramref name="reason"/> (e.g. 503 backendError, 400 invalid, 403 forbidden).</summary>
    public void FailNext(int calls, int status, string reason)
    {
        lock (_lock)
        {
            for (int i = 0; i < calls; i++) _failures.Add((status, reason, null));
        }
    }

    /// <summary>While on, every Compute and billing call is answered with an HTML error page (status 200), as a broken proxy would.</summary>
    public void AnswerGarbage(bool on)
    {
        lock (_lock) _answeringGarbage = on;
    }

    /// <summary>Forgets every token it issued: the next calls are refused with 401 until a new token is fetched.</summary>
    public void RevokeTokens() => _tokens.Clear();

    public bool Boot(string name)
    {
        if (!_instances.TryGetValue(name, out var instance) || instance.Status is not ("PROVISIONING" or "STAGING")) return false;
        instance.Status = "RUNNING";
        return true;
    }

    /// <summary>Preempts a spot VM: records a compute.instances.preempted zone operation and stops the VM.</summary>
    public bool Preempt(string name)
    {
        if (!_instances.TryGetValue(name, out var instance)) return false;
        instance.Status = "STOPPING";
        AddOperation(instance.Zone, "compute.instances.preempted", instance, "DONE", null, "system");
        return true;
    }

    // ---- wire protocol ----

    private void Map(WebApplication app)
    {
        app.MapPost("/token", (Delegate)TokenAsync);
        app.MapGet("/healthz", () => Results.Text("ok")); // the fake's VMs have the loopback address: this port is their workload's health check

        var compute = app.MapGroup("/compute/v1/projects/{project}").AddEndpointFilter(async (context, next) =>
            Refusal(context.HttpContext) ?? await next(context));
        compute.MapGet("/regions", (string project) => Json(new JsonObject
        {
            ["kind"] = "compute#regionList",
            ["items"] = new JsonArray(Regions.Keys.Select(r => (JsonNode)RegionJson(project, r)).ToArray()),
        }));
        compute.MapGet("/regions/{region}", (string project, string region) =>
            Regions.ContainsKey(region) ? Json(RegionJson(project, region)) : NotFound($"projects/{project}/regions/{region}"));
        compute.MapGet("/zones/{zone}/machineTypes", (string project, string zone, string? pageToken) => MachineTypesPage(project, zone, pageToken));
        compute.MapPost("/zones/{zone}/instances", (Delegate)InsertAsync);
        compute.MapGet("/zones/{zone}/instances/{name}", (string project, string zone, string name) =>
            _instances.TryGetValue(name, out var i) && i.Zone == zone ? Json(InstanceJson(i)) : NotFound($"projects/{project}/zones/{zone}/instances/{name}"));
        compute.MapDelete("/zones/{zone}/instances/{name}", (string project, string zone, string name) =>
        {
            if (!_instances.TryRemove(name, out var instance)) return NotFound($"projects/{project}/zones/{zone}/instances/{name}");
            return Json(AddOperation(zone, "delete", instance, "RUNNING", null, ClientEmail));
        });
        compute.MapGet("/aggregated/instances", (string project, string? filter) => AggregatedList(project, filter));
        compute.MapGet("/zones/{zone}/operations/{operation}", (string project, string zone, string operation) =>
        {
            if (!_operations.TryGetValue(operation, out var op)) return NotFound($"projects/{project}/zones/{zone}/operations/{operation}");
            Complete(op);
            return Json(op);
        });
        compute.MapGet("/zones/{zone}/operations", (string zone, string? filter) =>
        {
            var wanted = filter is null ? null : OperationTypeFilter().Match(filter) is { Success: true } m ? m.Groups[1].Value : "<unparsed>";
            if (wanted == "<unparsed>") return Error(400, "invalid", $"Invalid value for field 'filter': '{filter}'. Invalid list filter expression.");
            var items = _operations.Values.Where(o => (string?)o["zone"] == ZoneUrl(zone) && (wanted is null || (string?)o["operationType"] == wanted))
                .Select(o => (JsonNode)o.DeepClone()).ToArray();
            return Json(new JsonObject { ["kind"] = "compute#operationList", ["items"] = new JsonArray(items) });
        });

        var billing = app.MapGroup("/v1/services/{service}").AddEndpointFilter(async (context, next) => Refusal(context.HttpContext) ?? await next(context));
        billing.MapGet("/skus", (string service, string? pageToken, string? currencyCode) =>
        {
            if (service != "6F81-5844-456A") return NotFound($"services/{service}");
            int start = int.TryParse(pageToken, out var s) ? s : 0;
            var skus = Skus().Concat(_extraSkus.Select(s => (JsonObject)s.DeepClone())).ToList();
            var page = skus.Skip(start).Take(SkuPageSize).Select(n => (JsonNode)n).ToArray();
            var body = new JsonObject { ["skus"] = new JsonArray(page), ["nextPageToken"] = start + SkuPageSize < skus.Count ? (start + SkuPageSize).ToString() : "" };
            return Json(body);
        });
    }

    /// <summary>The most SKUs one Billing Catalog page holds (the real API: up to 5000; small here so tests cross pages).</summary>
    public int SkuPageSize { get; set; } = 4;

    private List<JsonObject> _extraSkus = [];

    /// <summary>
    /// Serves this many more spot core SKUs of other regions beside the fake's own, as the real catalog's thousands of
    /// Compute Engine SKUs (benchmarks); the adapter reads and skips them.
    /// </summary>
    public void AddOtherRegionSkus(int count) => _extraSkus = [.. _extraSkus, .. Enumerable.Range(_extraSkus.Count, count).Select(i =>
        Sku($"Spot Preemptible N2 Instance Core running in Region {i}", "Preemptible", "N2Standard", $"other-region{i}", 0.007m + (i * 0.000001m), "h"))];

    /// <summary>Authentication and the test's queued failures, checked before every Compute and Billing call.</summary>
    private IResult? Refusal(HttpContext context)
    {
        string? header = context.Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.Ordinal) || !_tokens.ContainsKey(header["Bearer ".Length..]))
        {
            return new JsonResult(401, Envelope(401, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                "authError", "UNAUTHENTICATED"), ("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\""));
        }

        if (context.Request.RouteValues.TryGetValue("project", out var project) && (string?)project != Project)
        {
            return Error(403, "forbidden", $"Required 'compute.instances.list' permission for 'projects/{project}'");
        }

        (int Status, string Reason, string? Code)? failure = null;
        lock (_lock)
        {
            if (_answeringGarbage) failure = (200, "garbage", null);
            else if (_failures.Count > 0)
            {
                failure = _failures[0];
                _failures.RemoveAt(0);
            }
        }

        if (failure is not { } f) return null;
        if (f.Reason == "rateLimitExceeded") Interlocked.Increment(ref _throttledCalls);
        return f.Reason switch
        {
            "rateLimitExceeded" => Error(f.Status, f.Reason, "Rate Limit Exceeded", f.Status == 429 ? "RESOURCE_EXHAUSTED" : "PERMISSION_DENIED"),
            "garbage" => Results.Text("<html>502 Bad Gateway</html>", "text/html", statusCode: 200),
            _ => Error(f.Status, f.Reason, $"Injected failure: {f.Reason}"),
        };
    }

    private async Task<IResult> TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") return TokenError("unsupported_grant_type", "Invalid grant_type.");
        string assertion = form["assertion"].ToString();
        var parts = assertion.Split('.');
        if (parts.Length != 3) return TokenError("invalid_request", "Invalid JWT.");
        var signed = Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]);
        if (!_key.VerifyData(signed, Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) return TokenError("invalid_grant", "Invalid JWT Signature.");
        var header = JsonNode.Parse(Base64Url(parts[0]))!;
        var claims = JsonNode.Parse(Base64Url(parts[1]))!;
        if ((string?)header["alg"] != "RS256") return TokenError("invalid_grant", "Invalid JWT: alg must be RS256.");
        if ((string?)claims["iss"] != ClientEmail) return TokenError("invalid_grant", "Invalid JWT: iss is not the service account.");
        // Google accepts its token endpoint's canonical address (what Google.Apis.Auth signs) or the token_uri the assertion was posted to.
        string? aud = (string?)claims["aud"];
        if (aud != "https://oauth2.googleapis.com/token" && aud != TokenUrl)
        {
            return TokenError("invalid_grant", $"Invalid JWT: aud '{aud}' is not the token endpoint.");
        }

        if (!((string?)claims["scope"] ?? "").Split(' ').Contains("https://www.googleapis.com/auth/cloud-platform")) return TokenError("invalid_scope", "Missing scope.");
        if ((long?)claims["exp"] is not { } exp || DateTimeOffset.FromUnixTimeSeconds(exp) < DateTimeOffset.UtcNow) return TokenError("invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.");
        string token = "ya29.fake-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        _tokens[token] = 0;
        return Results.Json(new JsonObject { ["access_token"] = token, ["expires_in"] = 3599, ["token_type"] = "Bearer" });
    }

    private async Task<IResult> InsertAsync(HttpContext context, string project, string zone, string? requestId)
    {
        Interlocked.Increment(ref _insertCalls);
        var body = await JsonNode.ParseAsync(context.Request.Body) as JsonObject;
        if (body is null) return Error(400, "parseError", "Parse Error");
        LastInsertBody = body;
        if (!Regions.Values.Any(z => z.Contains(zone))) return NotFound($"projects/{project}/zones/{zone}");
        if (requestId is not null)
        {
            if (!Guid.TryParse(requestId, out _)) return Error(400, "invalid", "Invalid value for field 'requestId': must be a UUID.");
            if (_requestIds.TryGetValue(requestId, out var previous) && _operations.TryGetValue(previous, out var op)) return Json(op);
        }

        if (ShapeProblem(body, zone) is { } problem) return Error(400, "invalid", problem);
        string name = (string)body["name"]!;
        if (_instances.ContainsKey(name)) return Error(409, "alreadyExists", $"The resource 'projects/{project}/zones/{zone}/instances/{name}' already exists");
        string? refusal;
        lock (_lock)
        {
            refusal = _refuseNextInsert;
            _refuseNextInsert = null;
        }

        var instance = new Instance
        {
            Name = name, Zone = zone, Body = body, Id = Random.Shared.NextInt64(1L << 40, 1L << 60).ToString(), Created = DateTimeOffset.UtcNow,
        };
        JsonObject operation;
        if (refusal is null)
        {
            _instances[name] = instance;
            operation = AddOperation(zone, "insert", instance, "RUNNING", null, ClientEmail);
        }
        else
        {
            string message = refusal == "QUOTA_EXCEEDED"
                ? "Quota 'PREEMPTIBLE_CPUS' exceeded.  Limit: 24.0 in region " + zone[..zone.LastIndexOf('-')] + "."
                : $"The zone 'projects/{project}/zones/{zone}' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.";
            operation = AddOperation(zone, "insert", instance, "RUNNING", (refusal, message), ClientEmail);
        }

        if (requestId is not null) _requestIds[requestId] = (string)operation["name"]!;
        return Json(operation);
    }

    /// <summary>What Compute Engine would refuse in an insert body, or null.</summary>
    private static string? ShapeProblem(JsonObject body, string zone)
    {
        string? name = (string?)body["name"];
        if (name is null || !GceName().IsMatch(name)) return $"Invalid value for field 'resource.name': '{name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{{0,61}}[a-z0-9])?)'";
        string? machineType = (string?)body["machineType"];
        string prefix = $"zones/{zone}/machineTypes/";
        if (machineType is null || !machineType.EndsWith(prefix + machineType.Split('/')[^1], StringComparison.Ordinal) || !MachineTypes.Any(t => t.Name == machineType.Split('/')[^1]))
        {
            return $"Invalid value for field 'resource.machineType': '{machineType}'. Machine type with name '{machineType?.Split('/')[^1]}' does not exist in zone '{zone}'.";
        }

        var scheduling = body["scheduling"] as JsonObject;
        string? model = (string?)scheduling?["provisioningModel"];
        if (model is not (null or "SPOT" or "STANDARD")) return $"Invalid value for field 'resource.scheduling.provisioningModel': '{model}'.";
        if (model == "SPOT")
        {
            if ((string?)scheduling!["instanceTerminationAction"] is not ("DELETE" or "STOP")) return "Invalid value for field 'resource.scheduling.instanceTerminationAction': must be STOP or DELETE for SPOT VMs.";
            if ((bool?)scheduling["automaticRestart"] == true) return "Invalid value for field 'resource.scheduling.automaticRestart': Spot VMs cannot restart automatically.";
        }

        if (body["disks"] is not JsonArray disks || !disks.Any(d => (bool?)d?["boot"] == true && (string?)d?["initializeParams"]?["sourceImage"] is { Length: > 0 }))
        {
            return "Invalid value for field 'resource.disks': a boot disk with initializeParams.sourceImage is required.";
        }

        if (body["networkInterfaces"] is not JsonArray { Count: > 0 }) return "Invalid value for field 'resource.networkInterfaces': at least one is required.";
        foreach (var (key, value) in body["labels"] as JsonObject ?? [])
        {
            if (!LabelKey().IsMatch(key) || value is null || !LabelValue().IsMatch((string)value!)) return $"Invalid value for field 'resource.labels': '{key}'. Label keys and values may contain only lowercase letters, digits, '_' and '-'.";
        }

        return null;
    }

    private JsonObject AddOperation(string zone, string type, Instance instance, string status, (string Code, string Message)? error, string user)
    {
        string name = $"operation-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}-{Interlocked.Increment(ref _operationCounter):x8}";
        var op = new JsonObject
        {
            ["kind"] = "compute#operation",
            ["id"] = Random.Shared.NextInt64(1L << 40, 1L << 60).ToString(),
            ["name"] = name,
            ["zone"] = ZoneUrl(zone),
            ["operationType"] = type,
            ["targetLink"] = $"{BaseUrl}/compute/v1/projects/{Project}/zones/{zone}/instances/{instance.Name}",
            ["targetId"] = instance.Id,
            ["status"] = status,
            ["user"] = user,
            ["progress"] = status == "DONE" ? 100 : 0,
            ["insertTime"] = Rfc3339(DateTimeOffset.UtcNow),
            ["selfLink"] = $"{BaseUrl}/compute/v1/projects/{Project}/zones/{zone}/operations/{name}",
        };
        if (error is { } e)
        {
            op["pendingError"] = new JsonObject { ["code"] = e.Code, ["message"] = e.Message };
        }

        _operations[name] = op;
        return (JsonObject)op.DeepClone();
    }

    /// <summary>An operation is DONE the first time it is read after its call (so the adapter has to follow it).</summary>
    private void Complete(JsonObject op)
    {
        if ((string?)op["status"] == "DONE") return;
        op["status"] = "DONE";
        op["progress"] = 100;
        op["endTime"] = Rfc3339(DateTimeOffset.UtcNow);
        if (op["pendingError"] is JsonObject pending)
        {
            op.Remove("pendingError");
            op["error"] = new JsonObject { ["errors"] = new JsonArray(new JsonObject { ["code"] = (string?)pending["code"], ["message"] = (string?)pending["message"] }) };
            op["httpErrorStatusCode"] = (string?)pending["code"] == "QUOTA_EXCEEDED" ? 403 : 503;
            op["httpErrorMessage"] = (string?)pending["code"] == "QUOTA_EXCEEDED" ? "FORBIDDEN" : "SERVICE UNAVAILABLE";
        }
        else if ((string?)op["operationType"] == "insert" && AutoBoot && _instances.TryGetValue(((string)op["targetLink"]!).Split('/')[^1], out var instance))
        {
            instance.Status = "RUNNING";
        }
    }

    private IResult MachineTypesPage(string project, string zone, string? pageToken)
    {
        if (!Regions.Values.Any(z => z.Contains(zone))) return NotFound($"projects/{project}/zones/{zone}");
        const int pageSize = 4;
        int start = int.TryParse(pageToken, out var s) ? s : 0;
        var items = MachineTypes.Skip(start).Take(pageSize).Select(t =>
        {
            var type = new JsonObject
            {
                ["kind"] = "compute#machineType", ["name"] = t.Name, ["guestCpus"] = t.Cpus, ["memoryMb"] = t.MemoryMb, ["zone"] = zone,
                ["isSharedCpu"] = t.Name == "e2-micro", ["description"] = $"{t.Cpus} vCPUs, {t.MemoryMb / 1024.0} GB RAM",
            };
            if (t.Gpu is not null) type["accelerators"] = new JsonArray(new JsonObject { ["guestAcceleratorType"] = t.Gpu, ["guestAcceleratorCount"] = 1 });
            return (JsonNode)type;
        }).ToArray();
        var body = new JsonObject { ["kind"] = "compute#machineTypeList", ["items"] = new JsonArray(items) };
        if (start + pageSize < MachineTypes.Length) body["nextPageToken"] = (start + pageSize).ToString();
        return Json(body);
    }

    private IResult AggregatedList(string project, string? filter)
    {
        var wanted = new List<(string Key, string Value)>();
        if (!string.IsNullOrWhiteSpace(filter))
        {
            var matches = LabelFilter().Matches(filter);
            if (matches.Count == 0 || string.Concat(matches.Select(m => m.Value)).Replace(" ", "") != filter.Replace(" ", ""))
            {
                return Error(400, "invalid", $"Invalid value for field 'filter': '{filter}'. Invalid list filter expression.");
            }

            wanted.AddRange(matches.Select(m => (m.Groups[1].Value, m.Groups[2].Value)));
        }

        var items = new JsonObject();
        foreach (var zone in Regions.Values.SelectMany(z => z))
        {
            var instances = _instances.Values.Where(i => i.Zone == zone && wanted.All(w => (string?)i.Body["labels"]?[w.Key] == w.Value)).Select(i => (JsonNode)InstanceJson(i)).ToArray();
            items[$"zones/{zone}"] = instances.Length > 0
                ? new JsonObject { ["instances"] = new JsonArray(instances) }
                : new JsonObject { ["warning"] = new JsonObject { ["code"] = "NO_RESULTS_ON_PAGE", ["message"] = "There are no results for scope 'zones/" + zone + "' on this page." } };
        }

        return Json(new JsonObject { ["kind"] = "compute#instanceAggregatedList", ["items"] = items });
    }

    private JsonObject InstanceJson(Instance i)
    {
        var json = (JsonObject)i.Body.DeepClone();
        json["kind"] = "compute#instance";
        json["id"] = i.Id;
        json["zone"] = ZoneUrl(i.Zone);
        json["machineType"] = $"{BaseUrl}/compute/v1/projects/{Project}/{(string)i.Body["machineType"]!}";
        json["status"] = i.Status;
        json["creationTimestamp"] = Rfc3339(i.Created);
        json["selfLink"] = $"{BaseUrl}/compute/v1/projects/{Project}/zones/{i.Zone}/instances/{i.Name}";
        json["networkInterfaces"] = new JsonArray(new JsonObject
        {
            ["network"] = $"{BaseUrl}/compute/v1/projects/{Project}/global/networks/default",
            ["networkIP"] = "10.128.0.2",
            ["accessConfigs"] = new JsonArray(new JsonObject { ["type"] = "ONE_TO_ONE_NAT", ["name"] = "External NAT", ["natIP"] = "127.0.0.1" }),
        });
        return json;
    }

    private JsonObject RegionJson(string project, string region) => new()
    {
        ["kind"] = "compute#region",
        ["name"] = region,
        ["status"] = "UP",
        ["zones"] = new JsonArray(Regions[region].Select(z => (JsonNode)JsonValue.Create(ZoneUrl(z))!).ToArray()),
        ["selfLink"] = $"{BaseUrl}/compute/v1/projects/{project}/regions/{region}",
    };

    private string ZoneUrl(string zone) => $"{BaseUrl}/compute/v1/projects/{Project}/zones/{zone}";

    /// <summary>Compute Engine SKUs as the Billing Catalog lists them, with the noise the adapter has to skip.</summary>
    private static List<JsonObject> Skus() =>
    [
        Sku("N2 Instance Core running in Americas", "OnDemand", "N2Standard", "us-central1", 0.031611m, "h"),
        Sku("N2 Instance Ram running in Americas", "OnDemand", "N2Standard", "us-central1", 0.004237m, "GiBy.h"),
        Sku("Spot Preemptible N2 Instance Core running in Americas", "Preemptible", "N2Standard", "us-central1", 0.00765m, "h"),
        Sku("Spot Preemptible N2 Instance Ram running in Americas", "Preemptible", "N2Standard", "us-central1", 0.001025m, "GiBy.h"),
        Sku("N2 Custom Instance Core running in Americas", "OnDemand", "N2Custom", "us-central1", 0.033174m, "h"),
        Sku("Commitment v1: N2 Cpu in Americas for 1 Year", "Commit1Yr", "CPU", "us-central1", 0.019915m, "h"),
        Sku("E2 Instance Core running in Americas", "OnDemand", "CPU", "us-central1", 0.021811m, "h"),
        Sku("E2 Instance Ram running in Americas", "OnDemand", "RAM", "us-central1", 0.002923m, "GiBy.h"),
        Sku("Spot Preemptible E2 Instance Core running in Americas", "Preemptible", "CPU", "us-central1", 0.006543m, "h"),
        Sku("Spot Preemptible E2 Instance Ram running in Americas", "Preemptible", "RAM", "us-central1", 0.000877m, "GiBy.h"),
        Sku("Nvidia Tesla A100 GPU running in Americas", "OnDemand", "GPU", "us-central1", 2.933908m, "h"),
        Sku("N1 Predefined Instance Core running in Americas", "OnDemand", "N1Standard", "us-central1", 0.031611m, "h"),
        Sku("N1 Predefined Instance Ram running in Americas", "OnDemand", "N1Standard", "us-central1", 0.004237m, "GiBy.h"),
        Sku("Spot Preemptible N1 Predefined Instance Core running in Americas", "Preemptible", "N1Standard", "us-central1", 0.00698m, "h"),
        Sku("Spot Preemptible N1 Predefined Instance Ram running in Americas", "Preemptible", "N1Standard", "us-central1", 0.00094m, "GiBy.h"),
        Sku("N2 Instance Core running in Netherlands", "OnDemand", "N2Standard", "europe-west4", 0.034802m, "h"),
        Sku("N2 Instance Ram running in Netherlands", "OnDemand", "N2Standard", "europe-west4", 0.004664m, "GiBy.h"),
        Sku("Spot Preemptible N2 Instance Core running in Netherlands", "Preemptible", "N2Standard", "europe-west4", 0.00842m, "h"),
        Sku("Spot Preemptible N2 Instance Ram running in Netherlands", "Preemptible", "N2Standard", "europe-west4", 0.00113m, "GiBy.h"),
        Sku("Storage PD Capacity", "OnDemand", "PDStandard", "us-central1", 0.04m, "GiBy.mo", family: "Storage"),
    ];

    /// <summary>The spot price the fake's SKUs give <paramref name="type"/> in us-central1.</summary>
    public static decimal SpotPriceInUsCentral1(string type) => type switch
    {
        "n2-standard-2" => Math.Round(2 * 0.00765m + 8 * 0.001025m, 6),
        "n2-standard-8" => Math.Round(8 * 0.00765m + 32 * 0.001025m, 6),
        "e2-standard-4" => Math.Round(4 * 0.006543m + 16 * 0.000877m, 6),
        "n1-standard-4" => Math.Round(4 * 0.00698m + 15 * 0.00094m, 6),
        _ => 0,
    };

    private static JsonObject Sku(string description, string usage, string group, string region, decimal price, string unit, string family = "Compute")
    {
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(description + region)))[..12];
        var units = decimal.Truncate(price);
        return new JsonObject
        {
            ["name"] = $"services/6F81-5844-456A/skus/{id[..4]}-{id[4..8]}-{id[8..]}",
            ["skuId"] = $"{id[..4]}-{id[4..8]}-{id[8..]}",
            ["description"] = description,
            ["category"] = new JsonObject { ["serviceDisplayName"] = "Compute Engine", ["resourceFamily"] = family, ["resourceGroup"] = group, ["usageType"] = usage },
            ["serviceRegions"] = new JsonArray(region),
            ["pricingInfo"] = new JsonArray(new JsonObject
            {
                ["summary"] = "",
                ["pricingExpression"] = new JsonObject
                {
                    ["usageUnit"] = unit, ["displayQuantity"] = 1, ["baseUnit"] = unit == "h" ? "s" : "By.s",
                    ["tieredRates"] = new JsonArray(new JsonObject
                    {
                        ["startUsageAmount"] = 0,
                        ["unitPrice"] = new JsonObject { ["currencyCode"] = "USD", ["units"] = units.ToString(), ["nanos"] = (int)((price - units) * 1_000_000_000m) },
                    }),
                },
                ["currencyConversionRate"] = 1,
                ["effectiveTime"] = "2026-11-29T08:12:47.551Z",
            }),
            ["serviceProviderName"] = "Google",
        };
    }

    private string ServiceAccountKeyJson(RSA key) => new JsonObject
    {
        ["type"] = "service_account",
        ["project_id"] = Project,
        ["private_key_id"] = "0123456789abcdef",
        ["private_key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
        ["client_email"] = ClientEmail,
        ["client_id"] = "100000000000000000001",
        ["auth_uri"] = "https://accounts.google.com/o/oauth2/auth",
        ["token_uri"] = TokenUrl,
        ["universe_domain"] = "googleapis.com",
    }.ToJsonString();

    private static JsonObject Envelope(int code, string message, string reason, string status) => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["errors"] = new JsonArray(new JsonObject { ["message"] = message, ["domain"] = code == 429 || reason == "rateLimitExceeded" ? "usageLimits" : "global", ["reason"] = reason }),
            ["status"] = status,
        },
    };

    private static IResult Error(int code, string reason, string message, string? status = null) =>
        new JsonResult(code, Envelope(code, message, reason, status ?? code switch
        {
            400 => "INVALID_ARGUMENT", 403 => "PERMISSION_DENIED", 404 => "NOT_FOUND", 409 => "ALREADY_EXISTS", 429 => "RESOURCE_EXHAUSTED", 503 => "UNAVAILABLE", _ => "INTERNAL",
        }));

    private static IResult NotFound(string resource) => Error(404, "notFound", $"The resource '{resource}' was not found");

    private static IResult TokenError(string error, string description) =>
        new JsonResult(400, new JsonObject { ["error"] = error, ["error_description"] = description });

    private static IResult Json(JsonObject body) => new JsonResult(200, body);

    private static byte[] Base64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + (4 - padded.Length % 4) % 4, '='));
    }

    private static string Rfc3339(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex GceName();

    [GeneratedRegex(@"^[a-z][a-z0-9_-]{0,62}$")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^[a-z0-9_-]{0,63}$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"\(labels\.([a-z][a-z0-9_-]*) = ""([a-z0-9_-]*)""\)")]
    private static partial Regex LabelFilter();

    [GeneratedRegex(@"^operationType = ""([a-zA-Z.]+)""$")]
    private static partial Regex OperationTypeFilter();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
        try
        {
            File.Delete(KeyFile);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A JSON answer with a status and optional headers, as Google's front end sends them.</summary>
    private sealed class JsonResult(int status, JsonObject body, params (string Name, string Value)[] headers) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            foreach (var (name, value) in headers) httpContext.Response.Headers[name] = value;
            httpContext.Response.ContentType = "application/json; charset=UTF-8";
            await httpContext.Response.WriteAsync(body.ToJsonString(), httpContext.RequestAborted);
        }
    }
}
