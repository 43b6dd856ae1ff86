using System.Text.Json;
using Arbitrage.Orleans.Contracts.Groups;
using Arbitrage.Orleans.Contracts.Platform;
using Arbitrage.Orleans.Contracts.Simulation;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>
/// The examples the OpenAPI document shows beside the records of the faces over groups (the SpotInst-style face, the
/// cluster-platform face) and of the simulation hooks, by type.
/// </summary>
public static class GroupApiExamples
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static readonly SpotStrategy Strategy = new(100, null, "balanced", 120, true, 0, 1.0,
        new SpotScalingStrategy("newestInstance"), new SpotRevertToSpot("always"));

    public static SpotGroup Elastigroup { get; } = new(
        "sig-4f2a9c", "web-tier", "ACTIVE", "team-a", "us-east-1", new SpotCapacity(2, 2, 4, "instance"), Strategy,
        new SpotCompute(new SpotInstanceTypes("t3.micro", ["t3.micro", "t3a.micro"]), [new SpotZone("us-east-1a")],
            new SpotLaunchSpecification("ami-00000000000000000", null, [new SpotTag("team", "web")])),
        [
            new SpotMember("wk-3f9a12", "spot", "t3.micro", "us-east-1a", "us-east-1", "sim-aws", 0.0031m, "RUNNING", null, false, false, 1),
            new SpotMember("wk-7b1c40", "spot", null, null, null, null, null, "PENDING", null, false, false, 1),
        ],
        new Dictionary<string, JsonElement> { ["compute.launchSpecification.keyPair"] = Json("\"user\"") },
        ["compute.launchSpecification.keyPair"], "elastigroup", At, At.AddMinutes(5));

    public static SpotEnvelope Envelope { get; } = new(
        new SpotRequestInfo("req-0123456789abcdef", "/v1/spot/team-a/elastigroups/sig-4f2a9c", "GET", At.AddMinutes(6)),
        new SpotResponse(new SpotStatus(200, "OK"), "spotinst:aws:ec2:group", [Elastigroup], 1, Elastigroup.Warnings));

    public static ElastigroupRequest ElastigroupRequest { get; } = new()
    {
        Name = "web-tier",
        Region = "us-east-1",
        Capacity = new SpotCapacity(2, 2, 4, "instance"),
        Strategy = new SpotStrategyRequest(Risk: 100, AvailabilityVsCost: "balanced", DrainingTimeout: 120, FallbackToOd: true,
            ScalingStrategy: new SpotScalingStrategy("newestInstance"), RevertToSpot: new SpotRevertToSpot("always")),
        Compute = new ElastigroupComputeRequest(new SpotInstanceTypes("t3.micro", ["t3.micro", "t3a.micro"]), [new SpotZone("us-east-1a")],
            new LaunchSpecificationRequest("ami-00000000000000000", Tags: [new SpotTag("team", "web")])),
        AdditionalFields = new Dictionary<string, JsonElement> { ["scheduling"] = Json("{}"), ["multai"] = Json("null") },
    };

    public static ManagedInstanceRequest ManagedInstanceRequest { get; } = new()
    {
        Name = "build-agent",
        Region = "us-east-1",
        Strategy = new SpotStrategyRequest(FallbackToOd: true, DrainingTimeout: 120),
        Compute = new ManagedInstanceComputeRequest(new ManagedLaunchSpecificationRequest(new ManagedInstanceTypes("t3.micro", ["t3.micro", "t3a.micro"]),
            "ami-00000000000000000")),
        AdditionalFields = new Dictionary<string, JsonElement> { ["persistence"] = Json("""{"persistRootDevice": true}""") },
    };

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new Dictionary<Type, object>
    {
        [typeof(SpotEnvelope)] = Envelope,
        [typeof(SpotGroup)] = Elastigroup,
        [typeof(ElastigroupRequest)] = ElastigroupRequest,
        [typeof(ManagedInstanceRequest)] = ManagedInstanceRequest,
        [typeof(SpotPing)] = new SpotPing(new SpotPingResponse(new SpotStatus(200, "OK"), ["pong"])),
        [typeof(SpotVersion)] = new SpotVersion(new SpotVersionResponse(new SpotStatus(200, "OK"), [new SpotVersionItem("1.0.0")])),
        [typeof(ClusterDiscoverResponse)] = new ClusterDiscoverResponse(
            [new ClusterDiscover("orders", [new ClusterDiscoveryNode("wk-3f9a12.sim-aws.internal:27017", "wk-3f9a12")])]),
        [typeof(ProvisionRequest)] = new ProvisionRequest(
            new ProvisionCluster("orders",
                new Dictionary<string, NodeGroup>
                {
                    ["data"] = new(3, "t3.micro", "7.0.2", new Dictionary<string, JsonElement> { ["tier"] = Json("\"data\"") }),
                    ["arbiter"] = new(1, "2cpu-4gb"),
                },
                new Dictionary<string, JsonElement> { ["zone_hint"] = Json("\"east\""), ["replicas"] = Json("3") }, "mongodb", "7.0"),
            new ProvisionTarget("data")),
        [typeof(NodeProvisionResponse)] = new NodeProvisionResponse(2, ["wk-3f9a12", "wk-7b1c40"]),
        [typeof(DeprovisionRequest)] = new DeprovisionRequest("orders", "wk-3f9a12"),
        [typeof(SimulatedInterruption)] = new SimulatedInterruption("wk-3f9a12", "sim-aws", "i-0a1b2c3d4e5f", true),
        [typeof(SetSimulatedHealthRequest)] = new SetSimulatedHealthRequest(false),
        [typeof(SimulatedHealth)] = new SimulatedHealth("wk-3f9a12", "sim-aws", "i-0a1b2c3d4e5f", false),
    };
}
