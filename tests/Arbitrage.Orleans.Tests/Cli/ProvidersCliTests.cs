using System.Text.Json;
using Arbitrage.Orleans.Cli;
using Arbitrage.Orleans.Tests.Market;

namespace Arbitrage.Orleans.Tests.Cli;

/// <summary><c>arb providers list|show|validate|select</c> run in-process against a real silo on the seed's providers: what they print and how they exit.</summary>
[Collection(HostFactorySelectionCollection.Name)]
public sealed class ProvidersCliTests(HostFactorySelectionSilo silo) : IDisposable
{
    private readonly CliRunner _cli = new(silo.Host.BaseAddress, silo.Host.AdminToken);
    private readonly List<string> _files = [];

    public void Dispose()
    {
        _cli.Dispose();
        foreach (var file in _files) System.IO.File.Delete(file);
    }

    private static void AssertExit(int expected, CliResult result) => Assert.True(result.ExitCode == expected, result.ToString());

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    private static string[] Cells(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private string TempFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"providers-cli-{Guid.NewGuid():N}.json");
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    [Fact]
    public async Task List_prints_the_seed_table_with_its_columns_aligned()
    {
        // The seed's example output, for the seed's three providers (this silo has two GCP ones after them).
        string[] seed =
        [
            "NAME            TYPE    ENABLED  PRIORITY  WEIGHT  STATUS",
            "aws-us-east-1   aws     true     1         10      healthy",
            "aws-us-west-2   aws     true     2         5       healthy",
            "azure-east-us   azure   false    3         3       disabled",
        ];

        var result = await _cli.RunAsync("providers", "list");

        AssertExit(ArbCli.Success, result);
        var lines = Lines(result.Out);
        Assert.Equal(6, lines.Length);
        for (int i = 0; i < seed.Length; i++) Assert.Equal(Cells(seed[i]), Cells(lines[i]));
        // Every cell starts where its column's header starts.
        var starts = Cells(lines[0]).Select(h => lines[0].IndexOf(h, StringComparison.Ordinal)).ToArray();
        foreach (var line in lines.Skip(1))
        {
            Assert.All(starts.Skip(1), start => Assert.True(line[start - 1] == ' ' && line[start] != ' ', $"'{line}' has a cell at column {start}"));
        }
    }

    [Fact]
    public async Task List_filters_shows_capabilities_with_long_and_answers_the_api_json()
    {
        var enabled = await _cli.RunAsync("providers", "list", "--enabled-only");
        AssertExit(ArbCli.Success, enabled);
        Assert.DoesNotContain("azure-east-us", enabled.Out);
        Assert.Contains("gcp-central", enabled.Out);

        var aws = await _cli.RunAsync("providers", "list", "--type", "aws", "--long");
        AssertExit(ArbCli.Success, aws);
        var lines = Lines(aws.Out);
        Assert.Equal(["NAME", "TYPE", "ENABLED", "PRIORITY", "WEIGHT", "STATUS", "CAPABILITIES"], Cells(lines[0]));
        Assert.Equal(3, lines.Length);
        Assert.Contains("EC2Fleet, SpotFleet, RunInstances, ASG", lines[1]);

        var json = await _cli.RunAsync("providers", "list", "-o", "json");
        AssertExit(ArbCli.Success, json);
        var body = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(5, body.GetProperty("total").GetInt32());
        Assert.Equal(4, body.GetProperty("enabled").GetInt32());
        Assert.Equal("aws-us-east-1", body.GetProperty("providers")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Show_prints_a_provider_with_capabilities_and_an_unknown_one_exits_1_with_the_api_error()
    {
        var shown = await _cli.RunAsync("providers", "show", "aws-us-east-1", "--capabilities", "--stats");
        AssertExit(ArbCli.Success, shown);
        Assert.Contains("aws-us-east-1", shown.Out);
        Assert.Contains("Statistics", shown.Out);
        Assert.Contains("max_instances_per_request=", shown.Out);
        Assert.Equal(["API", "SPOT", "ON-DEMAND", "MAX", "INSTANCES"], Cells(Lines(shown.Out).Single(l => l.StartsWith("API ", StringComparison.Ordinal))));
        Assert.Contains(Lines(shown.Out), l => Cells(l) is ["EC2Fleet", "true", "true", _]);
        Assert.Contains("Pricing models", shown.Out);

        var json = await _cli.RunAsync("providers", "show", "aws-us-east-1", "--capabilities", "-o", "json");
        AssertExit(ArbCli.Success, json);
        var body = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal("aws-us-east-1", body.GetProperty("provider").GetProperty("name").GetString());
        Assert.Equal("aws-us-east-1", body.GetProperty("capabilities").GetProperty("provider_instance").GetString());

        var missing = await _cli.RunAsync("providers", "show", "aws-invalid");
        AssertExit(ArbCli.Failure, missing);
        Assert.Contains("error PROVIDER_NOT_FOUND: Provider instance 'aws-invalid' not found in configuration.", missing.Error);
        Assert.Contains("available_providers: aws-us-east-1, aws-us-west-2, azure-east-us, gcp-central, gcp-flaky", missing.Error);
    }

    [Fact]
    public async Task Validate_sends_the_files_definitions_prints_errors_per_provider_and_exits_1_when_one_is_invalid()
    {
        string valid = TempFile("""
            // A providers file, comments allowed
            {"providers": [{"name": "aws-test", "type": "aws", "enabled": true, "priority": 1, "weight": 10, "capabilities": ["EC2Fleet"]}]}
            """);
        var ok = await _cli.RunAsync("providers", "validate", valid);
        AssertExit(ArbCli.Success, ok);
        Assert.Equal(["aws-test: valid", "Valid: 1 of 1 providers."], Lines(ok.Out));

        string invalid = TempFile("""
            {"providers": [
              {"name": "aws-test", "type": "aws", "weight": 0},
              {"name": "broken", "type": "oracle"}
            ]}
            """);
        var refused = await _cli.RunAsync("providers", "validate", "--config", invalid);
        AssertExit(ArbCli.Failure, refused);
        var lines = Lines(refused.Out);
        Assert.Equal("aws-test: valid", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("  warning: ", StringComparison.Ordinal) && l.Contains("weight", StringComparison.Ordinal));
        Assert.Contains("broken: invalid", lines);
        Assert.Contains(lines, l => l.StartsWith("  error: ", StringComparison.Ordinal) && l.Contains("type", StringComparison.Ordinal));
        Assert.Equal("Invalid: 1 of 2 providers have errors.", lines[^1]);

        var json = await _cli.RunAsync("providers", "validate", invalid, "-o", "json");
        AssertExit(ArbCli.Failure, json);
        Assert.False(JsonDocument.Parse(json.Out).RootElement.GetProperty("valid").GetBoolean());

        var unparsable = await _cli.RunAsync("providers", "validate", TempFile("{\"providers\": [\n  {\"name\": }\n]}"));
        AssertExit(ArbCli.Failure, unparsable);
        Assert.Contains("PARSE_ERROR", unparsable.Error);
        Assert.Contains("line 2", unparsable.Error);

        AssertExit(ArbCli.UsageError, await _cli.RunAsync("providers", "validate", Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json")));
    }

    [Fact]
    public async Task Validate_without_a_file_checks_the_configured_providers_or_the_one_named()
    {
        // The seed's "ohfp providers validate": every configured provider, by the file's rules, with warnings.
        var all = await _cli.RunAsync("providers", "validate");
        AssertExit(ArbCli.Success, all);
        var lines = Lines(all.Out);
        foreach (var name in new[] { "aws-us-east-1", "aws-us-west-2", "azure-east-us", "gcp-central", "gcp-flaky" }) Assert.Contains($"{name}: valid", lines);
        int disabled = Array.IndexOf(lines, "azure-east-us: valid");
        Assert.Contains("enabled is false", lines[disabled + 1]);
        Assert.Equal("Valid: 5 of 5 providers.", lines[^1]);
        Assert.DoesNotContain(lines, l => l.Contains("already configured", StringComparison.Ordinal));

        // "ohfp providers validate aws-us-east-1": that one only.
        var one = await _cli.RunAsync("providers", "validate", "aws-us-east-1");
        AssertExit(ArbCli.Success, one);
        Assert.Equal(["aws-us-east-1: valid", "Valid: 1 of 1 providers."], Lines(one.Out));

        var unknown = await _cli.RunAsync("providers", "validate", "aws-nowhere");
        AssertExit(ArbCli.Failure, unknown);
        Assert.Contains("PROVIDER_NOT_FOUND", unknown.Error);
        Assert.Contains("aws-us-east-1", unknown.Error);
    }

    [Fact]
    public async Task Select_prints_the_seed_selection_result_for_a_stored_template()
    {
        var result = await _cli.RunAsync("providers", "select", "--template", "web-server", "--strategy", "load_balanced");

        AssertExit(ArbCli.Success, result);
        var lines = Lines(result.Out);
        Assert.Equal("Provider Selection Result:", lines[0]);
        Assert.Matches("^  Selected Provider: aws-us-(east-1|west-2)$", lines[1]);
        Assert.Equal("  Provider Type: aws", lines[2]);
        Assert.StartsWith("  Selection Reason: Load balanced across 2 AWS providers (weight: ", lines[3]);
        Assert.Equal("  Confidence: 0.9", lines[4]);
        Assert.Matches(@"^  Selection Time: [0-9.]+ms$", lines[5]);
        Assert.Matches("^  Alternatives: aws-us-(east-1|west-2)$", lines[6]);
        Assert.Contains("  Validation Result: Valid", lines);
        Assert.Contains("    - API: EC2Fleet", lines);
        Assert.Contains(lines, l => l.StartsWith("    - Instance count: 5 (within limit of ", StringComparison.Ordinal));

        var explicitly = await _cli.RunAsync("providers", "select", "--template", "web-server", "--provider", "aws-us-west-2");
        AssertExit(ArbCli.Success, explicitly);
        Assert.Contains("  Selected Provider: aws-us-west-2", Lines(explicitly.Out));

        var byApi = await _cli.RunAsync("providers", "select", "--template", "any-cloud", "--provider-api", "EC2Fleet", "--provider-type", "aws", "-o", "json");
        AssertExit(ArbCli.Success, byApi);
        Assert.Equal("aws", JsonDocument.Parse(byApi.Out).RootElement.GetProperty("provider_type").GetString());
    }

    [Fact]
    public async Task Select_exits_1_on_an_api_refusal_and_2_on_a_usage_error()
    {
        var unknown = await _cli.RunAsync("providers", "select", "--template", "no-such-template");
        AssertExit(ArbCli.Failure, unknown);
        Assert.Contains("error TEMPLATE_NOT_FOUND: Template 'no-such-template' not found.", unknown.Error);
        Assert.Contains("available_templates: any-cloud, gcp-batch, pinned, web-server", unknown.Error);

        var disabled = await _cli.RunAsync("providers", "select", "--template", "any-cloud", "--provider", "azure-east-us");
        AssertExit(ArbCli.Failure, disabled);
        Assert.Contains("error PROVIDER_DISABLED", disabled.Error);

        AssertExit(ArbCli.UsageError, await _cli.RunAsync("providers", "select", "--template", "web-server", "--strategy", "cheapest"));
        AssertExit(ArbCli.UsageError, await _cli.RunAsync("providers", "select"));
    }
}
