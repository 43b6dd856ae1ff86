using System.Text.Json;
using System.Text.Json.Nodes;
using Arbitrage.Orleans.Contracts;
using Arbitrage.Orleans.Contracts.Providers;
using Arbitrage.Orleans.Contracts.Requests;
using Arbitrage.Orleans.Contracts.Templates;

namespace Arbitrage.Orleans.Gateway.Apis;

/// <summary>The examples the OpenAPI document shows beside the host-factory API's records (providers, templates, requests), by type; the seed's values where it has them.</summary>
public static class HostFactoryApiExamples
{
    private static readonly DateTime At = new(2024, 1, 15, 10, 30, 0, DateTimeKind.Utc);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public static ProviderSummary Provider { get; } = new("aws-us-east-1", "aws", true, 1, 70, ["EC2Fleet", "SpotFleet", "RunInstances"], "healthy");

    public static ProviderDetails Details { get; } = new(
        "aws-us-east-1", "aws", true, 1, 70, ["EC2Fleet", "SpotFleet", "RunInstances"], "healthy", null, new DateTimeOffset(At),
        new Dictionary<string, string> { ["adapter"] = "simulated", ["regions"] = "us-east-1", ["seed"] = "1", ["speed"] = "1" },
        new ProviderLimits(1000, 10), new ProviderStatistics(1250, 1200, 50, 2.5));

    public static ProviderCapabilities Capabilities { get; } = new(
        "aws-us-east-1",
        [new ProviderApi("EC2Fleet", true, true, 1000, ["instant", "request", "maintain"]), new ProviderApi("RunInstances", false, true, 100, [])],
        ["ondemand", "spot"], ["us-east-1"], ["us-east-1a", "us-east-1b", "us-east-1c"]);

    public static ProviderSelection Selection { get; } = new(
        "aws", "aws-us-east-1", "Explicitly specified in request; its cheapest fitting offer is m6i.large (spot) at $0.0412/h in us-east-1a", 1.0, [], 3.2,
        new SelectionValidation(true, ["API: EC2Fleet", "Spot instances"], [], []), "explicit",
        Json("""{"provider": "aws-us-east-1", "cloud": "aws", "region": "us-east-1", "zone": "us-east-1a", "instance_type": "m6i.large", "market": "spot", "v_cpus": 2, "memory_gb": 8, "gpu_type": null, "gpu_count": 0, "price_per_hour": 0.0412, "on_demand_price_per_hour": 0.096, "savings": 0.57, "interruption_rate": 0.05, "availability_score": 0.9, "expected_cost_per_hour": 0.0412, "reason": "Cheapest fitting spot offer"}"""),
        [new SkippedProvider("aws-off", "disabled")]);

    public static Template Template { get; } = new()
    {
        TemplateId = "web-server", ProviderType = "aws", ProviderName = "aws-us-east-1", ProviderApi = "EC2Fleet", MaxInstances = 10, ImageId = "ami-12345678",
        SourceInfo = new TemplateSourceInfo("awsprov_templates.json", "provider_type", 2),
        AdditionalFields = new Dictionary<string, JsonElement> { ["subnet_ids"] = Json("""["subnet-12345"]"""), ["min_cpu"] = Json("2"), ["min_memory_gb"] = Json("4") },
    };

    public static Machine Machine { get; } = new("m-7f3a2c01", "wk-3f9a12", "aws-us-east-1", "running", null, At.AddSeconds(5));

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new Dictionary<Type, object>
    {
        [typeof(Pagination)] = new Pagination(1, 20, 1, 1, false, false),
        [typeof(ProviderSummary)] = Provider,
        [typeof(ProviderList)] = new ProviderList([Provider], 1, 1, new Pagination(1, 20, 1, 1, false, false)),
        [typeof(ProviderDetails)] = Details,
        [typeof(ProviderCapabilities)] = Capabilities,
        [typeof(ValidateProvidersRequest)] = new ValidateProvidersRequest([Json("""{"name": "aws-test", "type": "aws", "enabled": true, "priority": 1, "weight": 100, "config": {"region": "us-east-1"}}""")]),
        [typeof(ProviderDefinitionsResult)] = new ProviderDefinitionsResult(true, [new ProviderDefinitionResult("aws-test", true, [], ["No capabilities listed: the adapter's launch APIs are used"])]),
        [typeof(SelectProviderRequest)] = new SelectProviderRequest(
            (JsonObject)JsonNode.Parse("""{"template_id": "web-server", "provider_api": "EC2Fleet", "min_cpu": 2, "min_memory_gb": 4}""")!, SelectionStrategy: "explicit", ProviderInstance: "aws-us-east-1"),
        [typeof(ProviderSelection)] = Selection,
        [typeof(Template)] = Template,
        [typeof(TemplateList)] = new TemplateList([Template], 1, new Dictionary<string, string> { ["provider_type"] = "aws" }, new Pagination(1, 20, 1, 1, false, false)),
        [typeof(ValidateTemplateRequest)] = new ValidateTemplateRequest("aws-us-east-1", "strict"),
        [typeof(TemplateValidationResponse)] = new TemplateValidationResponse(true, "aws-us-east-1", "strict", [], [], ["API: EC2Fleet", "Spot instances"], []),
        [typeof(ValidateTemplateMultiRequest)] = new ValidateTemplateMultiRequest(["aws-us-east-1", "azure-east-us"], "lenient"),
        [typeof(TemplateMultiValidationResponse)] = new TemplateMultiValidationResponse("web-server",
            new Dictionary<string, TemplateValidation>
            {
                ["aws-us-east-1"] = new(true, [], [], ["API: EC2Fleet"], []),
                ["azure-east-us"] = new(false, ["Provider type mismatch: template is aws, provider is azure"], [], [], []),
            },
            ["aws-us-east-1"], ["azure-east-us"]),
        [typeof(TemplateRefreshResponse)] = new TemplateRefreshResponse(true, 3, 7, [new TemplateFileCount("awsprov_templates.json", "provider_type", 3)]),
        [typeof(MigrateTemplatesRequest)] = new MigrateTemplatesRequest("templates.json", "aws-us-east-1", DryRun: true, Backup: true),
        [typeof(TemplateMigrationResult)] = new TemplateMigrationResult("templates.json", "aws-us-east-1_templates.json", true, ["web-server"], [], [], []),
        [typeof(CreateMachinesRequest)] = new CreateMachinesRequest("web-server", 5, new ProviderPreference("explicit", "aws-us-east-1")),
        [typeof(CreatedRequest)] = new CreatedRequest("req-12345", "web-server", 5,
            new CreatedSelection("aws", "aws-us-east-1", "Explicitly specified in request", 1.0, []), "pending", At),
        [typeof(RequestDetails)] = new RequestDetails("req-12345", "web-server", 5, "aws", "aws-us-east-1", "completed", null, [Machine],
            new RequestSelection("Explicitly specified in request", 1.0, 2.1, "explicit", []), At, At.AddMinutes(2)),
        [typeof(CancelledRequest)] = new CancelledRequest("req-12345", "cancelled", "The machines are being returned", [Machine with { Status = "terminating" }]),
        [typeof(RequestList)] = new RequestList([new RequestListItem("req-12345", "web-server", 5, "aws", "aws-us-east-1", "completed", At, At.AddMinutes(2))],
            new Pagination(1, 20, 1, 1, false, false)),
    };
}
