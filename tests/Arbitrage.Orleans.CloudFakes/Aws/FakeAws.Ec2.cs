using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Arbitrage.Orleans.Tests.Clouds.Fakes.Aws;

/// <summary>The EC2 Query API: form-encoded Action=…&amp;Version=2016-11-15, XML answers in the 2016-11-15 namespace.</summary>
public sealed partial class FakeAws
{
    private static readonly XNamespace Ns = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private readonly List<PricePoint> _priceHistory = [];
    private readonly Dictionary<string, FakeInstance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FakeInstance> _byClientToken = new(StringComparer.Ordinal);
    private readonly Queue<string> _launchRefusals = new();
    private readonly Dictionary<string, string> _refusedTokens = new(StringComparer.Ordinal);
    private int _throttleNext;
    private int _garbageNext;
    private int _instanceCount;

    /// <summary>The StartTime of the last DescribeSpotPriceHistory call (null when it had none).</summary>
    public DateTimeOffset? LastSpotPriceStart { get; private set; }

    /// <summary>The form of the last RunInstances call that passed authentication.</summary>
    public IReadOnlyDictionary<string, string>? LastRunInstances { get; private set; }

    /// <summary>The next launch fails with this EC2 error code (InsufficientInstanceCapacity, SpotMaxPriceTooLow, MaxSpotInstanceCountExceeded, …).</summary>
    public void RefuseNextLaunch(string errorCode)
    {
        lock (_gate) _launchRefusals.Enqueue(errorCode);
    }

    /// <summary>The next <paramref name="calls"/> EC2 calls answer 503 RequestLimitExceeded.</summary>
    public void ThrottleNext(int calls) => Interlocked.Exchange(ref _throttleNext, calls);

    /// <summary>The next <paramref name="calls"/> EC2 calls answer 200 with a body that is not XML.</summary>
    public void AnswerGarbageNext(int calls) => Interlocked.Exchange(ref _garbageNext, calls);

    /// <summary>EC2 answers only after this delay (a hung endpoint).</summary>
    public TimeSpan AnswerDelay { get; set; }

    /// <summary>A new spot price for a market, from now (or from <paramref name="at"/>, to write its past).</summary>
    public void SetSpotPrice(string zoneId, string type, decimal price, DateTimeOffset? at = null)
    {
        lock (_gate) _priceHistory.Add(new PricePoint(Zones.First(z => z.Value == zoneId).Key, zoneId, type, price, at ?? DateTimeOffset.UtcNow));
    }

    /// <summary>The instance finishes booting (pending → running).</summary>
    public void Boot(string instanceId)
    {
        lock (_gate)
        {
            var instance = _instances[instanceId];
            if (instance.State == "pending") instance.State = "running";
        }
    }

    /// <summary>EC2 takes the spot instance back (terminated, Server.SpotInstanceTermination).</summary>
    public void Reclaim(string instanceId)
    {
        lock (_gate)
        {
            var instance = _instances[instanceId];
            instance.State = "terminated";
            instance.StateReason = ("Server.SpotInstanceTermination", "Server.SpotInstanceTermination: Spot instance termination");
        }
    }

    public FakeInstance? Instance(string instanceId)
    {
        lock (_gate) return _instances.GetValueOrDefault(instanceId);
    }

    public IReadOnlyList<FakeInstance> Instances
    {
        get { lock (_gate) return _instances.Values.ToList(); }
    }

    private async Task HandleEc2Async(HttpContext context, string body)
    {
        var form = QueryHelpers.ParseQuery(body).ToDictionary(p => p.Key, p => p.Value.ToString(), StringComparer.Ordinal);
        var action = form.GetValueOrDefault("Action") ?? "";
        _calls.Enqueue("ec2:" + action);
        if (form.GetValueOrDefault("Version") != "2016-11-15") { await Ec2ErrorAsync(context, 400, "InvalidParameterValue", "Version must be 2016-11-15."); return; }
        if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true) { await Ec2ErrorAsync(context, 400, "InvalidParameterValue", "The body must be form-encoded."); return; }
        if (Interlocked.Decrement(ref _throttleNext) >= 0) { await Ec2ErrorAsync(context, 503, "RequestLimitExceeded", "Request limit exceeded."); return; }
        Interlocked.CompareExchange(ref _throttleNext, 0, -1);
        if (AnswerDelay > TimeSpan.Zero) await Task.Delay(AnswerDelay, context.RequestAborted);
        if (Interlocked.Decrement(ref _garbageNext) >= 0) { context.Response.ContentType = "text/xml"; await context.Response.WriteAsync("<<garbage>>"); return; }
        Interlocked.CompareExchange(ref _garbageNext, 0, -1);
        try
        {
            XElement answer;
            lock (_gate)
            {
                answer = action switch
                {
                    "DescribeAvailabilityZones" => DescribeAvailabilityZones(),
                    "DescribeInstanceTypes" => DescribeInstanceTypes(form),
                    "DescribeInstanceTypeOfferings" => DescribeInstanceTypeOfferings(form),
                    "DescribeSpotPriceHistory" => DescribeSpotPriceHistory(form),
                    "RunInstances" => RunInstances(form),
                    "DescribeInstances" => DescribeInstances(form),
                    "TerminateInstances" => TerminateInstances(form),
                    _ => throw new Ec2Error(400, "InvalidAction", $"The action {action} is not valid for this web service."),
                };
            }

            answer.AddFirst(new XElement(Ns + "requestId", Guid.NewGuid()));
            context.Response.ContentType = "text/xml;charset=UTF-8";
            await context.Response.WriteAsync(answer.ToString(SaveOptions.DisableFormatting));
        }
        catch (Ec2Error e)
        {
            await Ec2ErrorAsync(context, e.Status, e.Code, e.Message);
        }
    }

    private XElement DescribeAvailabilityZones() =>
        new(Ns + "DescribeAvailabilityZonesResponse",
            new XElement(Ns + "availabilityZoneInfo", Zones.Select(z => new XElement(Ns + "item",
                new XElement(Ns + "zoneName", z.Key), new XElement(Ns + "zoneId", z.Value), new XElement(Ns + "zoneState", "available"),
                new XElement(Ns + "regionName", Region), new XElement(Ns + "zoneType", "availability-zone"), new XElement(Ns + "optInStatus", "opt-in-not-required")))));

    private XElement DescribeInstanceTypes(Dictionary<string, string> form)
    {
        var (page, next) = Page(Types.ToList(), form, 100);
        return new XElement(Ns + "DescribeInstanceTypesResponse",
            new XElement(Ns + "instanceTypeSet", page.Select(t => new XElement(Ns + "item",
                new XElement(Ns + "instanceType", t.Type),
                new XElement(Ns + "supportedUsageClasses", new XElement(Ns + "item", "on-demand"), new XElement(Ns + "item", "spot")),
                new XElement(Ns + "vCpuInfo", new XElement(Ns + "defaultVCpus", t.VCpus)),
                new XElement(Ns + "memoryInfo", new XElement(Ns + "sizeInMiB", t.MemoryMiB)),
                t.Gpu is null ? null : new XElement(Ns + "gpuInfo", new XElement(Ns + "gpus", new XElement(Ns + "item",
                    new XElement(Ns + "name", t.Gpu), new XElement(Ns + "manufacturer", "NVIDIA"), new XElement(Ns + "count", 1))))))),
            next is null ? null : new XElement(Ns + "nextToken", next));
    }

    private XElement DescribeInstanceTypeOfferings(Dictionary<string, string> form)
    {
        var locationType = form.GetValueOrDefault("LocationType") ?? "region";
        if (locationType != "availability-zone-id") throw new Ec2Error(400, "InvalidParameterValue", $"The fake answers LocationType availability-zone-id only, not '{locationType}'.");
        var all = Zones.Values.SelectMany(zone => Types.Select(t => (Zone: zone, t.Type))).ToList();
        var (page, next) = Page(all, form, 1000);
        return new XElement(Ns + "DescribeInstanceTypeOfferingsResponse",
            new XElement(Ns + "instanceTypeOfferingSet", page.Select(o => new XElement(Ns + "item",
                new XElement(Ns + "instanceType", o.Type), new XElement(Ns + "locationType", locationType), new XElement(Ns + "location", o.Zone)))),
            next is null ? null : new XElement(Ns + "nextToken", next));
    }

    /// <summary>Prices set since StartTime, plus each market's price in force at StartTime, newest first; paged.</summary>
    private XElement DescribeSpotPriceHistory(Dictionary<string, string> form)
    {
        if (!form.TryGetValue("ProductDescription.1", out var product) || product != "Linux/UNIX") throw new Ec2Error(400, "InvalidParameterValue", "ProductDescription.1 must be Linux/UNIX here.");
        var start = form.TryGetValue("StartTime", out var s) ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : DateTimeOffset.MinValue;
        var end = form.TryGetValue("EndTime", out var e) ? DateTimeOffset.Parse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : DateTimeOffset.MaxValue;
        LastSpotPriceStart = start == DateTimeOffset.MinValue ? null : start;
        var types = form.Where(f => f.Key.StartsWith("InstanceType.", StringComparison.Ordinal)).Select(f => f.Value).ToHashSet();
        var zone = form.GetValueOrDefault("AvailabilityZone");
        if (zone is not null && !Zones.ContainsKey(zone)) throw new Ec2Error(400, "InvalidParameterValue", $"Invalid availability zone: [{zone}]");
        // Each market's changes in the window, plus the price in force at the start (with its own, earlier, timestamp).
        var markets = _priceHistory.Where(p => (types.Count == 0 || types.Contains(p.Type)) && (zone is null || p.ZoneName == zone) && p.At <= end).ToList();
        var points = markets.Where(p => p.At >= start)
            .Concat(markets.Where(p => p.At < start).GroupBy(p => (p.ZoneId, p.Type)).Select(g => g.MaxBy(p => p.At)!))
            .OrderByDescending(p => p.At).ThenBy(p => p.ZoneId).ThenBy(p => p.Type).ToList();
        var (page, next) = Page(points, form, 1000);
        return new XElement(Ns + "DescribeSpotPriceHistoryResponse",
            new XElement(Ns + "spotPriceHistorySet", page.Select(p => new XElement(Ns + "item",
                new XElement(Ns + "instanceType", p.Type), new XElement(Ns + "productDescription", "Linux/UNIX"),
                new XElement(Ns + "spotPrice", p.Price.ToString("0.000000", CultureInfo.InvariantCulture)),
                new XElement(Ns + "timestamp", p.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
                new XElement(Ns + "availabilityZone", p.ZoneName)))),
            new XElement(Ns + "nextToken", next ?? ""));
    }

    private XElement RunInstances(Dictionary<string, string> form)
    {
        LastRunInstances = form;
        string Require(string name) => form.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new Ec2Error(400, "MissingParameter", $"The request must contain the parameter {name}");
        var imageId = Require("ImageId");
        var type = Require("InstanceType");
        if (Require("MinCount") != "1" || Require("MaxCount") != "1") throw new Ec2Error(400, "InvalidParameterValue", "The adapter launches one instance at a time (MinCount = MaxCount = 1).");
        var token = Require("ClientToken");
        if (token.Length > 64) throw new Ec2Error(400, "InvalidParameterValue", "ClientToken is longer than 64 characters.");
        var zoneId = form.GetValueOrDefault("Placement.AvailabilityZoneId")
                     ?? (form.GetValueOrDefault("Placement.AvailabilityZone") is { } name ? Zones.GetValueOrDefault(name) : null)
                     ?? throw new Ec2Error(400, "MissingParameter", "The fake needs Placement.AvailabilityZoneId (or a zone name).");
        if (!Zones.Values.Contains(zoneId)) throw new Ec2Error(400, "InvalidParameterValue", $"Invalid availability zone: [{zoneId}]");
        if (Types.All(t => t.Type != type)) throw new Ec2Error(400, "InvalidParameterValue", $"Invalid value '{type}' for InstanceType.");
        var spot = form.GetValueOrDefault("InstanceMarketOptions.MarketType") == "spot";
        if (spot && (form.GetValueOrDefault("InstanceMarketOptions.SpotOptions.SpotInstanceType") != "one-time"
                     || form.GetValueOrDefault("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior") != "terminate"))
        {
            throw new Ec2Error(400, "InvalidParameterCombination", "The adapter asks for one-time spot instances terminated on interruption.");
        }

        var tags = Tags(form);
        if (_byClientToken.TryGetValue(token, out var existing))
        {
            if (existing.Type != type || existing.ZoneId != zoneId) throw new Ec2Error(400, "IdempotentParameterMismatch", $"Client token '{token}' was used for a different request.");
            return RunAnswer(existing);
        }

        // A refused launch stays refused for the SDK's retries of it (same client token).
        if (_refusedTokens.TryGetValue(token, out var refusal) || _launchRefusals.TryDequeue(out refusal))
        {
            _refusedTokens[token] = refusal;
            var status = refusal == "InsufficientInstanceCapacity" ? 500 : 400;
            throw new Ec2Error(status, refusal, refusal switch
            {
                "InsufficientInstanceCapacity" => $"We currently do not have sufficient {type} capacity in the Availability Zone you requested ({zoneId}).",
                "SpotMaxPriceTooLow" => "Your Spot request price is lower than the minimum required Spot request fulfillment price.",
                "MaxSpotInstanceCountExceeded" => "Max spot instance count exceeded",
                _ => refusal,
            });
        }

        var price = CurrentPrice(zoneId, type);
        if (spot && form.TryGetValue("InstanceMarketOptions.SpotOptions.MaxPrice", out var max) && decimal.Parse(max, CultureInfo.InvariantCulture) < price)
        {
            throw new Ec2Error(400, "SpotMaxPriceTooLow", $"Your Spot request price of {max} is lower than the minimum required Spot request fulfillment price of {price}.");
        }

        var id = $"i-{Interlocked.Increment(ref _instanceCount):x8}{Random.Shared.Next(0x1000000, 0xfffffff):x7}";
        var instance = new FakeInstance(id, type, Zones.First(z => z.Value == zoneId).Key, zoneId, spot, imageId, tags, DateTimeOffset.UtcNow)
        {
            State = BootOnLaunch ? "running" : "pending",
            Address = InstanceAddress,
        };
        _instances.Add(id, instance);
        _byClientToken.Add(token, instance);
        return RunAnswer(instance);
    }

    private XElement RunAnswer(FakeInstance instance) =>
        new(Ns + "RunInstancesResponse",
            new XElement(Ns + "reservationId", "r-" + instance.Id[2..]), new XElement(Ns + "ownerId", AccountId),
            new XElement(Ns + "groupSet"), new XElement(Ns + "instancesSet", InstanceXml(instance)));

    private XElement DescribeInstances(Dictionary<string, string> form)
    {
        var ids = Indexed(form, "InstanceId").ToList();
        foreach (var id in ids)
        {
            if (!System.Text.RegularExpressions.Regex.IsMatch(id, "^i-[0-9a-f]{8,17}$")) throw new Ec2Error(400, "InvalidInstanceID.Malformed", $"Invalid id: \"{id}\"");
            if (!_instances.ContainsKey(id)) throw new Ec2Error(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
        }

        var filters = new List<(string Name, List<string> Values)>();
        for (var i = 1; form.TryGetValue($"Filter.{i}.Name", out var name); i++) filters.Add((name, Indexed(form, $"Filter.{i}.Value").ToList()));
        var matches = (ids.Count > 0 ? ids.Select(id => _instances[id]) : _instances.Values)
            .Where(instance => filters.All(f => f.Name switch
            {
                "instance-state-name" => f.Values.Contains(instance.State),
                _ when f.Name.StartsWith("tag:", StringComparison.Ordinal) => instance.Tags.TryGetValue(f.Name[4..], out var v) && f.Values.Contains(v),
                _ => throw new Ec2Error(400, "InvalidParameterValue", $"The filter '{f.Name}' is invalid"),
            }))
            .OrderBy(i => i.Id, StringComparer.Ordinal).ToList();
        var (page, next) = Page(matches, form, 1000);
        return new XElement(Ns + "DescribeInstancesResponse",
            new XElement(Ns + "reservationSet", page.Select(instance => new XElement(Ns + "item",
                new XElement(Ns + "reservationId", "r-" + instance.Id[2..]), new XElement(Ns + "ownerId", AccountId), new XElement(Ns + "groupSet"),
                new XElement(Ns + "instancesSet", InstanceXml(instance))))),
            next is null ? null : new XElement(Ns + "nextToken", next));
    }

    private XElement TerminateInstances(Dictionary<string, string> form)
    {
        var ids = Indexed(form, "InstanceId").ToList();
        if (ids.Count == 0) throw new Ec2Error(400, "MissingParameter", "The request must contain the parameter InstanceId");
        var items = new List<XElement>();
        foreach (var id in ids)
        {
            if (!_instances.TryGetValue(id, out var instance)) throw new Ec2Error(400, "InvalidInstanceID.NotFound", $"The instance ID '{id}' does not exist");
            var previous = instance.State;
            if (instance.State != "terminated")
            {
                instance.State = "terminated";
                instance.StateReason = ("Client.UserInitiatedShutdown", "Client.UserInitiatedShutdown: User initiated shutdown");
            }

            items.Add(new XElement(Ns + "item", new XElement(Ns + "instanceId", id),
                new XElement(Ns + "currentState", new XElement(Ns + "code", previous == "terminated" ? 48 : 32), new XElement(Ns + "name", previous == "terminated" ? "terminated" : "shutting-down")),
                new XElement(Ns + "previousState", new XElement(Ns + "code", StateCode(previous)), new XElement(Ns + "name", previous))));
        }

        return new XElement(Ns + "TerminateInstancesResponse", new XElement(Ns + "instancesSet", items));
    }

    private XElement InstanceXml(FakeInstance i) =>
        new(Ns + "item",
            new XElement(Ns + "instanceId", i.Id), new XElement(Ns + "imageId", i.ImageId),
            new XElement(Ns + "instanceState", new XElement(Ns + "code", StateCode(i.State)), new XElement(Ns + "name", i.State)),
            new XElement(Ns + "reason", i.StateReason?.Message ?? ""),
            new XElement(Ns + "instanceType", i.Type),
            new XElement(Ns + "launchTime", i.LaunchedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)),
            new XElement(Ns + "placement", new XElement(Ns + "availabilityZone", i.ZoneName), new XElement(Ns + "groupName"), new XElement(Ns + "tenancy", "default")),
            i.State is "running" ? new XElement(Ns + "privateIpAddress", i.Address) : null,
            i.Spot ? new XElement(Ns + "instanceLifecycle", "spot") : null,
            i.Spot ? new XElement(Ns + "spotInstanceRequestId", "sir-" + i.Id[2..]) : null,
            i.StateReason is { } reason ? new XElement(Ns + "stateReason", new XElement(Ns + "code", reason.Code), new XElement(Ns + "message", reason.Message)) : null,
            new XElement(Ns + "tagSet", i.Tags.Select(t => new XElement(Ns + "item", new XElement(Ns + "key", t.Key), new XElement(Ns + "value", t.Value)))));

    private static int StateCode(string state) => state switch { "pending" => 0, "running" => 16, "shutting-down" => 32, "terminated" => 48, "stopping" => 64, _ => 80 };

    private decimal CurrentPrice(string zoneId, string type) => _priceHistory.Where(p => p.ZoneId == zoneId && p.Type == type).MaxBy(p => p.At)!.Price;

    private static Dictionary<string, string> Tags(Dictionary<string, string> form)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var s = 1; form.TryGetValue($"TagSpecification.{s}.ResourceType", out var resource); s++)
        {
            if (resource != "instance") continue;
            for (var t = 1; form.TryGetValue($"TagSpecification.{s}.Tag.{t}.Key", out var key); t++) tags[key] = form.GetValueOrDefault($"TagSpecification.{s}.Tag.{t}.Value") ?? "";
        }

        return tags;
    }

    private static IEnumerable<string> Indexed(Dictionary<string, string> form, string prefix)
    {
        for (var i = 1; form.TryGetValue($"{prefix}.{i}", out var value); i++) yield return value;
    }

    /// <summary>One page from NextToken (an offset) of at most min(MaxResults, PageSize) items, and the next token.</summary>
    private (List<T> Page, string? Next) Page<T>(List<T> all, Dictionary<string, string> form, int defaultMax)
    {
        var offset = form.TryGetValue("NextToken", out var token) && token.Length > 0 ? int.Parse(token, CultureInfo.InvariantCulture) : 0;
        var max = Math.Min(PageSize, form.TryGetValue("MaxResults", out var m) ? int.Parse(m, CultureInfo.InvariantCulture) : defaultMax);
        var page = all.Skip(offset).Take(max).ToList();
        return (page, offset + page.Count < all.Count ? (offset + page.Count).ToString(CultureInfo.InvariantCulture) : null);
    }

    private static async Task Ec2ErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/xml;charset=UTF-8";
        var error = new XElement("Response",
            new XElement("Errors", new XElement("Error", new XElement("Code", code), new XElement("Message", message))),
            new XElement("RequestID", Guid.NewGuid()));
        await context.Response.WriteAsync(error.ToString(SaveOptions.DisableFormatting));
    }

    private sealed class Ec2Error(int status, string code, string message) : Exception(message)
    {
        public int Status { get; } = status;
        public string Code { get; } = code;
    }

    private sealed record PricePoint(string ZoneName, string ZoneId, string Type, decimal Price, DateTimeOffset At);
}

/// <summary>An instance the fake EC2 runs.</summary>
public sealed class FakeInstance(string id, string type, string zoneName, string zoneId, bool spot, string imageId, Dictionary<string, string> tags, DateTimeOffset launchedAt)
{
    public string Id { get; } = id;
    public string Type { get; } = type;
    public string ZoneName { get; } = zoneName;
    public string ZoneId { get; } = zoneId;
    public bool Spot { get; } = spot;
    public string ImageId { get; } = imageId;
    public IReadOnlyDictionary<string, string> Tags { get; } = tags;
    public DateTimeOffset LaunchedAt { get; } = launchedAt;
    public string State { get; set; } = "pending";
    public string Address { get; set; } = "127.0.0.1";
    public (string Code, string Message)? StateReason { get; set; }
}
