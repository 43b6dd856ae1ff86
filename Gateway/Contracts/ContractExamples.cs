using System.Text.Json;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Pricing;
using Arbitrage.Orleans.Contracts.Tokens;
using CreateTokenRequest = Arbitrage.Orleans.Contracts.Tokens.CreateTokenRequest;
using Arbitrage.Orleans.Contracts.Workloads;
using MarketNames = Arbitrage.Orleans.Grains.Market.MarketNames;

namespace Arbitrage.Orleans.Gateway.Contracts;

/// <summary>The examples the OpenAPI document shows beside the records of workloads, pricing and tokens (and the error shape), by type (see <see cref="ApiExamples"/>).</summary>
public static class ContractExamples
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public static readonly WorkloadRequirements Requirements = new(8, 32, 1, "nvidia-t4", ["us-east-1", "eu-west-1"], 0.50m, 0.1);

    public static readonly WorkloadConfig Config = new("ami-0123456789abcdef0", 8080, "/health", new Dictionary<string, string> { ["MODE"] = "batch" }, "#!/bin/sh\n./run.sh");

    public static readonly CreateWorkloadRequest CreateWorkload = new("monte-carlo-simulation-batch-1", Requirements,
        new WorkloadConfig("ami-0123456789abcdef0", 8080, "/health", new Dictionary<string, string> { ["MODE"] = "batch" }), new Dictionary<string, string> { ["project_id"] = "default" });

    public static readonly WorkloadResponse Workload = new("wk-abc123def456", "monte-carlo-simulation-batch-1", "PENDING", null, "wk-abc123def456.workloads.computearbitrage.com", Noon);

    public static readonly WorkloadPlacement Placement = new("aws", "aws-prod", "aws", "us-east-1", "use1-az1", "m5.2xlarge", MarketNames.Spot, 0.1234m, "i-0abc123def4567890",
        Noon.AddMinutes(1), null, null, "cheapest expected cost per useful hour");

    public static readonly PlacementOption Option = new("aws", "aws-prod", "aws", "us-east-1", "use1-az1", "g4dn.2xlarge", MarketNames.Spot, 8, 32, "nvidia-t4", 1, 0.2256m, 0.752m,
        0.7, 0.05, 0.9, 0.2375m, "cheapest expected cost per useful hour");

    public static readonly SpotPrice Price = new("gcp", "gcp-prod", "gcp", "us-central1", "us-central1-a", "n2-standard-8", 8, 32, null, 0, 0.0971m, 0.3885m, 0.04, Noon);

    public static readonly CreateTokenRequest CreateToken = new("ci-pipeline", [Grains.Tenancy.Permissions.WorkloadsRead, Grains.Tenancy.Permissions.WorkloadsCreate], 30);

    public static readonly TokenResponse Token = new("tok-abc123", "ci-pipeline", "arb_…", CreateToken.Permissions, Noon, Noon.AddDays(30));

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new Dictionary<Type, object>
    {
        [typeof(ApiErrorResponse)] = new ApiErrorResponse(new ApiError("VALIDATION_ERROR", "requirements.minCPU must be a whole number; got the string \"eight\".",
            new Dictionary<string, JsonElement> { ["field"] = JsonSerializer.SerializeToElement("requirements.minCPU", CamelCaseJsonContext.Default.String) }, "req-0123456789abcdef")),
        [typeof(CreateWorkloadRequest)] = CreateWorkload,
        [typeof(WorkloadRequirements)] = Requirements,
        [typeof(WorkloadConfig)] = Config,
        [typeof(WorkloadResponse)] = Workload,
        [typeof(WorkloadListResponse)] = new WorkloadListResponse([Workload], null),
        [typeof(WorkloadDetailResponse)] = new WorkloadDetailResponse(Workload.Id, Workload.Name, "RUNNING", null, Workload.Endpoint, Requirements,
            new WorkloadConfig("ami-0123456789abcdef0"), new Dictionary<string, string>(), "default", Placement, [Placement], 1, 0.12m, 0.02m, "USD", Noon, Noon.AddMinutes(2), null),
        [typeof(WorkloadPlacement)] = Placement,
        [typeof(TerminateWorkloadResponse)] = new TerminateWorkloadResponse("wk-abc123def456", "STOPPING", "Termination initiated"),
        [typeof(WorkloadEndpointResponse)] = new WorkloadEndpointResponse("wk-abc123.workloads.computearbitrage.com", "tcp-wk-abc123.workloads.computearbitrage.com", "HEALTHY"),
        [typeof(WorkloadEventListResponse)] = new WorkloadEventListResponse([new WorkloadEvent(Noon, "STATUS_CHANGED", "PENDING", "PROVISIONING", "placement chosen")], null),
        [typeof(WorkloadPlacementListResponse)] = new WorkloadPlacementListResponse([Placement], null),
        [typeof(PriceEstimate)] = new PriceEstimate(Option, [Option with { Region = "eu-west-1", Zone = "euw1-az2", PricePerHour = 0.2110m }],
            412_000, 1_250, [new PriceRejection("gpuType", 410_000, "offers without an nvidia-t4")], null, Noon),
        [typeof(PlacementOption)] = Option,
        [typeof(SpotPriceList)] = new SpotPriceList([Price], null, 1),
        [typeof(SpotPrice)] = Price,
        [typeof(CreateTokenRequest)] = CreateToken,
        [typeof(TokenResponse)] = Token,
        [typeof(TokenListResponse)] = new TokenListResponse([new ApiToken(Token.Id, Token.Name, Token.Permissions, Token.CreatedAt, Token.ExpiresAt)]),
        [typeof(PriceHistory)] = new PriceHistory("sim-aws", "us-east-1", "m5.large", Noon.AddDays(-7), Noon, 500, false,
            [new PriceSeries("use1-az1", 2, [new PricePoint(Noon.AddDays(-7), 0.0351m), new PricePoint(Noon.AddHours(-5), 0.0372m)])], null, Apis.PricingApi.ProviderHistory),
        [typeof(Arbitrage.Orleans.Contracts.Health.HealthAnswer)] = new Arbitrage.Orleans.Contracts.Health.HealthAnswer("healthy",
            new Dictionary<string, Arbitrage.Orleans.Contracts.Health.HealthCheckAnswer> { ["database"] = new("healthy") }),
    };
}
