using System.Net;
using System.Text;
using System.Text.Json;
using Arbitrage.Orleans.Tests.Cli;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>
/// The host-factory template face over real HTTP on a real silo and PostgreSQL: layered template files merged field by
/// field, the seed's examples sent verbatim and answered in its shapes, templates written over the API overriding the
/// files, validation against providers, refresh and migration of the files, and the <c>arb templates</c> verbs.
/// </summary>
public sealed class HostFactoryTemplatesTests(HostFactoryTemplatesTests.Silo silo) : IClassFixture<HostFactoryTemplatesTests.Silo>
{
    private HttpClient Http => silo.Client;

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, actual), actual.ToString());

    private Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null) => Api.SendAsync(Http, method, path, json);

    // ---- The seed's examples, verbatim ----

    [Fact]
    public async Task The_seed_include_source_example_is_answered_exactly_with_the_three_layer_chain()
    {
        const string expected = """
            {
              "template_id": "web-server",
              "provider_type": "aws",
              "provider_name": "aws-us-east-1",
              "provider_api": "EC2Fleet",
              "image_id": "ami-optimized",
              "subnet_ids": ["subnet-123"],
              "max_instances": 10,
              "source_info": {
                "source_file": "config/aws-us-east-1_templates.json",
                "file_type": "provider_instance",
                "priority": 0,
                "override_chain": [
                  {
                    "file": "config/templates.json",
                    "fields": ["template_id", "image_id", "subnet_ids"]
                  },
                  {
                    "file": "config/awsprov_templates.json",
                    "fields": ["provider_type", "provider_api", "max_instances"]
                  },
                  {
                    "file": "config/aws-us-east-1_templates.json",
                    "fields": ["provider_name", "image_id"]
                  }
                ]
              }
            }
            """;

        var (response, body) = await Api.GetAsync(Http, "/api/v1/templates/web-server?include_source=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertJson(expected, body);
        // Without include_source: the primary source only.
        var (_, plain) = await Api.GetAsync(Http, "/api/v1/templates/web-server");
        Assert.False(plain.GetProperty("source_info").TryGetProperty("override_chain", out _));
        Assert.Equal("config/aws-us-east-1_templates.json", plain.GetProperty("source_info").GetProperty("source_file").GetString());
    }

    [Fact]
    public async Task The_seed_list_examples_filter_by_type_name_and_api_in_the_seed_shape()
    {
        const string seedTemplate = """
            {
              "template_id": "web-server-aws",
              "provider_type": "aws",
              "provider_name": "aws-us-east-1",
              "provider_api": "EC2Fleet",
              "image_id": "ami-12345",
              "subnet_ids": ["subnet-123"],
              "max_instances": 10,
              "source_info": {
                "source_file": "config/aws-us-east-1_templates.json",
                "file_type": "provider_instance",
                "priority": 0
              }
            }
            """;
        foreach (var (query, name, value, expected) in new[]
        {
            ("provider_type=aws", "provider_type", "aws", new[] { "web-server", "web-server-aws" }),
            ("provider_name=aws-us-east-1", "provider_name", "aws-us-east-1", new[] { "web-server", "web-server-aws" }),
            ("provider_api=EC2Fleet", "provider_api", "EC2Fleet", new[] { "web-server", "web-server-aws" }),
            ("provider_type=azure", "provider_type", "azure", new[] { "azure-vm" }),
        })
        {
            var (response, body) = await Api.GetAsync(Http, $"/api/v1/templates?{query}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(["templates", "total", "filters", "pagination"], body.EnumerateObject().Select(p => p.Name));
            Assert.Equal(expected, body.GetProperty("templates").EnumerateArray().Select(t => t.GetProperty("template_id").GetString()!));
            Assert.Equal(expected.Length, body.GetProperty("total").GetInt32());
            AssertJson($$"""{"{{name}}": "{{value}}"}""", body.GetProperty("filters"));
            if (expected.Contains("web-server-aws"))
            {
                AssertJson(seedTemplate, body.GetProperty("templates").EnumerateArray().Single(t => t.GetProperty("template_id").GetString() == "web-server-aws"));
            }
        }
    }

    [Fact]
    public async Task The_seed_validate_example_is_valid_on_the_instance_with_the_seeds_features()
    {
        const string request = """
            {
              "provider_instance": "aws-us-east-1",
              "validation_level": "strict"
            }
            """;

        var (response, body) = await Api.PostAsync(Http, "/api/v1/templates/web-server/validate", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["valid", "provider_instance", "validation_level", "errors", "warnings", "supported_features", "unsupported_features"], body.EnumerateObject().Select(p => p.Name));
        Assert.True(body.GetProperty("valid").GetBoolean(), body.ToString());
        Assert.Equal("aws-us-east-1", body.GetProperty("provider_instance").GetString());
        Assert.Equal("strict", body.GetProperty("validation_level").GetString());
        Assert.Empty(Strings(body.GetProperty("errors")));
        Assert.Empty(Strings(body.GetProperty("warnings")));
        Assert.Empty(Strings(body.GetProperty("unsupported_features")));
        var features = Strings(body.GetProperty("supported_features"));
        Assert.Contains("API: EC2Fleet", features);
        Assert.Contains("Pricing: On-demand instances", features);
        Assert.Contains("Instance count: 10 (within limit)", features);
        Assert.Contains("Fleet type: instant", features);
        Assert.Contains(features, f => f.StartsWith("Market: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_seed_validate_multi_example_names_the_api_and_type_mismatch_errors()
    {
        const string request = """
            {
              "provider_instances": ["aws-us-east-1", "aws-us-west-2", "azure-east-us"],
              "validation_level": "lenient"
            }
            """;

        var (response, body) = await Api.PostAsync(Http, "/api/v1/templates/web-server/validate-multi", request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("web-server", body.GetProperty("template_id").GetString());
        var results = body.GetProperty("validation_results");
        Assert.Equal(["aws-us-east-1", "aws-us-west-2", "azure-east-us"], results.EnumerateObject().Select(p => p.Name));
        var east = results.GetProperty("aws-us-east-1");
        Assert.True(east.GetProperty("valid").GetBoolean(), east.ToString());
        Assert.Contains("API: EC2Fleet", Strings(east.GetProperty("supported_features")));
        var west = results.GetProperty("aws-us-west-2");
        Assert.False(west.GetProperty("valid").GetBoolean());
        Assert.Equal(["Provider does not support API 'EC2Fleet'"], Strings(west.GetProperty("errors")));
        Assert.Contains("Pricing: On-demand instances", Strings(west.GetProperty("supported_features")));
        var azure = results.GetProperty("azure-east-us");
        Assert.False(azure.GetProperty("valid").GetBoolean());
        Assert.Equal(["Provider type mismatch: expected 'azure', got 'aws'"], Strings(azure.GetProperty("errors")));
        Assert.Empty(Strings(azure.GetProperty("supported_features")));
        Assert.Equal(["aws-us-east-1"], Strings(body.GetProperty("compatible_providers")));
        Assert.Equal(["aws-us-west-2", "azure-east-us"], Strings(body.GetProperty("incompatible_providers")));
    }

    // ---- Validation beyond the examples ----

    [Fact]
    public async Task Strict_validation_turns_warnings_into_errors_and_the_instance_limit_is_checked()
    {
        // big-fleet asks for 500 machines; aws-us-east-1 allows 100 per request, and names a fleet type the product does not use.
        var (_, lenient) = await Api.PostAsync(Http, "/api/v1/templates/big-fleet/validate", """{"provider_instance": "aws-us-east-1"}""");
        Assert.False(lenient.GetProperty("valid").GetBoolean());
        Assert.Contains("Instance count 500 exceeds the provider's limit of 100 per request", Strings(lenient.GetProperty("errors")));
        Assert.Contains("Instance count: 500", Strings(lenient.GetProperty("unsupported_features")));
        Assert.Contains(Strings(lenient.GetProperty("warnings")), w => w.StartsWith("Fleet type 'maintain'", StringComparison.Ordinal));

        var (_, azureLenient) = await Api.PostAsync(Http, "/api/v1/templates/azure-vm/validate", """{"provider_instance": "azure-east-us", "validation_level": "lenient"}""");
        Assert.True(azureLenient.GetProperty("valid").GetBoolean(), azureLenient.ToString());
        Assert.NotEmpty(Strings(azureLenient.GetProperty("warnings")));
        var (_, azureStrict) = await Api.PostAsync(Http, "/api/v1/templates/azure-vm/validate", """{"provider_instance": "azure-east-us", "validation_level": "strict"}""");
        Assert.False(azureStrict.GetProperty("valid").GetBoolean());
        Assert.Empty(Strings(azureStrict.GetProperty("warnings")));

        var (missing, error) = await Api.PostAsync(Http, "/api/v1/templates/web-server/validate", """{"provider_instance": "aws-invalid"}""");
        Api.AssertError(missing, error, HttpStatusCode.NotFound, "PROVIDER_NOT_FOUND");
        Assert.Contains("aws-us-east-1", Strings(error.GetProperty("error").GetProperty("details").GetProperty("available_providers")));
        var (level, levelError) = await Api.PostAsync(Http, "/api/v1/templates/web-server/validate", """{"provider_instance": "aws-us-east-1", "validation_level": "picky"}""");
        Api.AssertError(level, levelError, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "validation_level");
    }

    [Fact]
    public async Task An_unknown_template_is_TEMPLATE_NOT_FOUND_with_the_available_templates_and_a_suggestion()
    {
        var (response, body) = await Api.GetAsync(Http, "/api/v1/templates/no-such-template");
        Api.AssertError(response, body, HttpStatusCode.NotFound, "TEMPLATE_NOT_FOUND");
        var details = body.GetProperty("error").GetProperty("details");
        Assert.Contains("web-server", Strings(details.GetProperty("available_templates")));
        Assert.Contains("GET /api/v1/templates", details.GetProperty("suggestion").GetString());
        Assert.Equal(body.GetProperty("error").GetProperty("requestId").GetString(), body.GetProperty("error").GetProperty("request_id").GetString());
    }

    // ---- Pagination, mapping ----

    [Fact]
    public async Task The_list_pages_and_sorts()
    {
        var (_, all) = await Api.GetAsync(Http, "/api/v1/templates?sort=template_id:desc");
        var ids = all.GetProperty("templates").EnumerateArray().Select(t => t.GetProperty("template_id").GetString()!).ToList();
        Assert.Equal(ids.OrderDescending(StringComparer.OrdinalIgnoreCase), ids);
        var (_, page) = await Api.GetAsync(Http, "/api/v1/templates?page=2&page_size=2&sort=template_id:desc");
        Assert.Equal(ids.Skip(2).Take(2), page.GetProperty("templates").EnumerateArray().Select(t => t.GetProperty("template_id").GetString()!));
        var pagination = page.GetProperty("pagination");
        Assert.Equal(2, pagination.GetProperty("page").GetInt32());
        Assert.Equal(ids.Count, pagination.GetProperty("total_items").GetInt32());
        Assert.True(pagination.GetProperty("has_previous").GetBoolean());
        var (bad, error) = await Api.GetAsync(Http, "/api/v1/templates?sort=colour:asc");
        Api.AssertError(bad, error, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "sort");
    }

    [Fact]
    public async Task A_templates_instance_types_limit_the_market_it_is_validated_against_and_unknown_fields_are_kept()
    {
        var (_, t) = await Api.GetAsync(Http, "/api/v1/templates/pinned");
        Assert.Equal("blue", t.GetProperty("team_colour").GetString());
        var (_, result) = await Api.PostAsync(Http, "/api/v1/templates/pinned/validate", """{"provider_instance": "aws-us-east-1"}""");
        var market = Strings(result.GetProperty("supported_features")).Single(f => f.StartsWith("Market: ", StringComparison.Ordinal));
        Assert.StartsWith($"Market: {silo.PinnedType} ", market);
        // An instance type the market does not have: nothing fits, said as a warning (an error when strict).
        var (_, none) = await Api.PostAsync(Http, "/api/v1/templates/nowhere/validate", """{"provider_instance": "aws-us-east-1", "validation_level": "strict"}""");
        Assert.False(none.GetProperty("valid").GetBoolean());
        Assert.Contains(Strings(none.GetProperty("errors")), e => e.Contains("instanceTypes", StringComparison.Ordinal));
    }

    // ---- Writes over the API ----

    [Fact]
    public async Task A_template_written_over_the_api_overrides_its_files_field_by_field_and_delete_shows_the_files_through()
    {
        var (created, body) = await Api.PostAsync(Http, "/api/v1/templates", """{"template_id": "override-me", "image_id": "ami-api", "owner": "ops"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("ami-api", body.GetProperty("image_id").GetString());
        Assert.Equal("base-subnet", Strings(body.GetProperty("subnet_ids")).Single());
        Assert.Equal("ops", body.GetProperty("owner").GetString());
        var source = body.GetProperty("source_info");
        Assert.Equal("api", source.GetProperty("source_file").GetString());
        Assert.Equal(-1, source.GetProperty("priority").GetInt32());
        Assert.Equal(["config/templates.json", "api"], source.GetProperty("override_chain").EnumerateArray().Select(l => l.GetProperty("file").GetString()!));
        Assert.Equal(["image_id", "owner"], Strings(source.GetProperty("override_chain")[1].GetProperty("fields")));

        var (again, conflict) = await Api.PostAsync(Http, "/api/v1/templates", """{"template_id": "override-me", "image_id": "ami-other"}""");
        Api.AssertError(again, conflict, HttpStatusCode.Conflict, "TEMPLATE_EXISTS");
        var (put, replaced) = await SendAsync(HttpMethod.Put, "/api/v1/templates/override-me", """{"image_id": "ami-put"}""");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("ami-put", replaced.GetProperty("image_id").GetString());
        Assert.False(replaced.TryGetProperty("owner", out _));

        var (deleted, remaining) = await SendAsync(HttpMethod.Delete, "/api/v1/templates/override-me");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal("ami-base", remaining.GetProperty("image_id").GetString());
        Assert.Equal("config/templates.json", remaining.GetProperty("source_info").GetProperty("source_file").GetString());
        var (fileOnly, readOnly) = await SendAsync(HttpMethod.Delete, "/api/v1/templates/override-me");
        Api.AssertError(fileOnly, readOnly, HttpStatusCode.Conflict, "TEMPLATE_READ_ONLY");

        // Defined only over the API: deleting it removes it.
        var (putNew, _) = await SendAsync(HttpMethod.Put, "/api/v1/templates/api-only", """{"image_id": "ami-1", "max_instances": 3}""");
        Assert.Equal(HttpStatusCode.Created, putNew.StatusCode);
        var (gone, _) = await SendAsync(HttpMethod.Delete, "/api/v1/templates/api-only");
        Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        var (notFound, _) = await Api.GetAsync(Http, "/api/v1/templates/api-only");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
    }

    [Fact]
    public async Task Free_form_template_fields_come_back_exactly_as_written()
    {
        const string written = """
            {"image_id": "ami-rt", "max_instances": 3, "bid_ratio": 0.50, "huge": 12345678901234567890, "empty": "",
             "labels": {"team": "ml", "nested": [1, {"a": null}, "x"]}, "spot_only": true}
            """;
        using var sent = JsonDocument.Parse(written);

        var (put, answer) = await SendAsync(HttpMethod.Put, "/api/v1/templates/round-trip", written);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var (get, read) = await Api.GetAsync(Http, "/api/v1/templates/round-trip");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        foreach (var body in new[] { answer, read })
        {
            Assert.Equal("round-trip", body.GetProperty("template_id").GetString());
            foreach (var field in sent.RootElement.EnumerateObject())
            {
                // Written compactly, numbers as their own text: 0.50 stays 0.50, a number beyond long stays whole.
                Assert.Equal(JsonSerializer.Serialize(field.Value), JsonSerializer.Serialize(body.GetProperty(field.Name)));
            }
        }

        var (deleted, _) = await SendAsync(HttpMethod.Delete, "/api/v1/templates/round-trip");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Bad_template_fields_are_TEMPLATE_INVALID_naming_the_field_and_nothing_is_stored()
    {
        var (response, body) = await Api.PostAsync(Http, "/api/v1/templates", """{"template_id": "bad-one", "max_instances": "many"}""");
        Api.AssertError(response, body, HttpStatusCode.UnprocessableEntity, "TEMPLATE_INVALID", "max_instances");
        var (missing, _) = await Api.GetAsync(Http, "/api/v1/templates/bad-one");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var (mismatch, error) = await SendAsync(HttpMethod.Put, "/api/v1/templates/web-server", """{"template_id": "other"}""");
        Api.AssertError(mismatch, error, HttpStatusCode.UnprocessableEntity, "TEMPLATE_INVALID", "template_id");
    }

    // ---- Refresh and migrate ----

    [Fact]
    public async Task A_refresh_rereads_the_files_and_a_file_that_does_not_parse_is_refused_naming_file_and_line_keeping_the_old_templates()
    {
        string added = Path.Combine(silo.TemplatesDirectory, "aws-us-west-2_templates.json");
        try
        {
            await File.WriteAllTextAsync(added, """{"templates": [{"template_id": "west-only", "provider_name": "aws-us-west-2"}]}""");
            var (ok, refreshed) = await Api.PostAsync(Http, "/api/v1/templates/refresh", "{}");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains(refreshed.GetProperty("files").EnumerateArray(), f => f.GetProperty("file").GetString() == "config/aws-us-west-2_templates.json" && f.GetProperty("templates").GetInt32() == 1);
            Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(Http, "/api/v1/templates/west-only")).Response.StatusCode);

            await File.WriteAllTextAsync(added, "{\n  \"templates\": [\n    {\"template_id\": \"west-only\",, }\n  ]\n}");
            var (refused, error) = await Api.PostAsync(Http, "/api/v1/templates/refresh", "{}");
            Api.AssertError(refused, error, HttpStatusCode.BadRequest, "PARSE_ERROR");
            var details = error.GetProperty("error").GetProperty("details");
            Assert.Equal("config/aws-us-west-2_templates.json", details.GetProperty("file").GetString());
            Assert.Equal(3, details.GetProperty("line").GetInt32());
            // The previous templates stay.
            Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(Http, "/api/v1/templates/west-only")).Response.StatusCode);
        }
        finally
        {
            File.Delete(added);
            await Api.PostAsync(Http, "/api/v1/templates/refresh", "{}");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync(Http, "/api/v1/templates/west-only")).Response.StatusCode);
    }

    [Fact]
    public async Task Migrate_dry_run_writes_nothing_and_a_migration_with_backup_moves_the_templates_into_the_instance_file()
    {
        string from = Path.Combine(silo.TemplatesDirectory, "gcpprov_templates.json");
        string before = await File.ReadAllTextAsync(from);
        var (dry, plan) = await Api.PostAsync(Http, "/api/v1/templates/migrate", """{"from": "gcpprov_templates.json", "to_provider": "gcp-central", "dry_run": true}""");
        Assert.Equal(HttpStatusCode.OK, dry.StatusCode);
        Assert.True(plan.GetProperty("dry_run").GetBoolean());
        Assert.Equal(["gcp-batch"], Strings(plan.GetProperty("moved")));
        Assert.Equal(before, await File.ReadAllTextAsync(from));
        Assert.False(File.Exists(Path.Combine(silo.TemplatesDirectory, "gcp-central_templates.json")));

        var (done, result) = await Api.PostAsync(Http, "/api/v1/templates/migrate", """{"from": "gcpprov_templates.json", "to_provider": "gcp-central", "backup": true}""");
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("config/gcp-central_templates.json", result.GetProperty("to").GetString());
        var backup = Strings(result.GetProperty("backups")).Single();
        Assert.StartsWith("config/gcpprov_templates.json.", backup);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(silo.TemplatesDirectory, Path.GetFileName(backup))));
        var (_, moved) = await Api.GetAsync(Http, "/api/v1/templates/gcp-batch?include_source=true");
        Assert.Equal("config/gcp-central_templates.json", moved.GetProperty("source_info").GetProperty("source_file").GetString());
        Assert.Equal("gcp", moved.GetProperty("provider_type").GetString());

        var (unknown, error) = await Api.PostAsync(Http, "/api/v1/templates/migrate", """{"from": "nope_templates.json", "to_provider": "gcp-central"}""");
        Api.AssertError(unknown, error, HttpStatusCode.NotFound, "FILE_NOT_FOUND");
    }

    // ---- The CLI ----

    [Fact]
    public async Task The_cli_lists_shows_the_override_chain_validates_and_refreshes()
    {
        using var cli = new CliRunner(silo.Host.BaseAddress, silo.Host.AdminToken);

        var list = await cli.RunAsync("templates", "list", "--provider-type", "aws");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("web-server-aws", list.Out);
        Assert.DoesNotContain("azure-vm", list.Out);

        var show = await cli.RunAsync("templates", "show", "web-server", "--override-chain");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("""
            Template: web-server
            Provider Type: aws
            Provider Name: aws-us-east-1
            Provider API: EC2Fleet

            Source Information:
              Primary Source: config/aws-us-east-1_templates.json (provider_instance)
              Override Chain:
                1. config/templates.json (main) - base template
                2. config/awsprov_templates.json (provider_type) - AWS overrides
                3. config/aws-us-east-1_templates.json (provider_instance) - instance overrides

            Fields by Source:
              templates.json: template_id, image_id, subnet_ids
              awsprov_templates.json: provider_type, provider_api, max_instances
              aws-us-east-1_templates.json: provider_name, image_id (overridden)
            """.ReplaceLineEndings(), show.Out.ReplaceLineEndings());

        var json = await cli.RunAsync("templates", "show", "web-server", "--output", "json");
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("ami-optimized", JsonDocument.Parse(json.Out).RootElement.GetProperty("image_id").GetString());

        var valid = await cli.RunAsync("templates", "validate", "web-server", "--provider", "aws-us-east-1", "--strict");
        Assert.True(valid.ExitCode == 0, valid.ToString());
        Assert.Contains("Template web-server on aws-us-east-1 (strict): Valid", valid.Out);
        Assert.Contains("- API: EC2Fleet", valid.Out);

        var multi = await cli.RunAsync("templates", "validate", "web-server", "--providers", "aws-us-east-1,azure-east-us");
        Assert.Equal(1, multi.ExitCode);
        Assert.Contains("Provider type mismatch: expected 'azure', got 'aws'", multi.Out);
        Assert.Contains("Incompatible: azure-east-us", multi.Out);

        var all = await cli.RunAsync("templates", "validate", "--all", "--provider", "aws-us-east-1");
        Assert.Equal(1, all.ExitCode); // big-fleet and azure-vm do not fit aws-us-east-1
        Assert.Contains("Template web-server on aws-us-east-1 (lenient): Valid", all.Out);

        var refresh = await cli.RunAsync("templates", "refresh", "--verbose");
        Assert.True(refresh.ExitCode == 0, refresh.ToString());
        Assert.Contains("config/awsprov_templates.json", refresh.Out);

        var notFound = await cli.RunAsync("templates", "show", "no-such-template");
        Assert.Equal(1, notFound.ExitCode);
        Assert.Contains("TEMPLATE_NOT_FOUND", notFound.Error);
        var usage = await cli.RunAsync("templates", "validate", "web-server");
        Assert.Equal(2, usage.ExitCode);
        var dry = await cli.RunAsync("templates", "migrate", "--from", "templates.json", "--to-provider", "aws-us-east-1", "--dry-run");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Dry run: would move", dry.Out);
        Assert.Contains("Nothing was written.", dry.Out);
    }

    /// <summary>
    /// A silo with the seed's providers (aws-us-east-1 with EC2Fleet, aws-us-west-2 without, azure-east-us) and a
    /// templates folder named <c>config</c> holding the seed's three-layer web-server.
    /// </summary>
    public sealed class Silo : InProcessSiloFixture
    {
        private readonly string _directory;
        private HttpClient? _client;

        public Silo()
            : this(Settings())
        {
        }

        private Silo(Dictionary<string, string?> settings)
            : base(settings) => _directory = settings["Market:TemplatesDirectory"]!;

        /// <summary>The operator's client; every answer of the host-factory API is checked against the OpenAPI document.</summary>
        public HttpClient Client => _client ?? throw new InvalidOperationException("The silo has not started.");

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _client = CheckedClient(Host.AdminToken);
        }

        public string TemplatesDirectory => _directory;

        /// <summary>An instance type aws-us-east-1 offers (read from the bundled market), the "pinned" template's only type.</summary>
        public string PinnedType => PinnedTypeName;

        public const string PinnedTypeName = "m5.large";

        private static Dictionary<string, string?> Settings()
        {
            string root = Path.Combine(Path.GetTempPath(), $"templates-{Guid.NewGuid():N}");
            string directory = Path.Combine(root, "config");
            Directory.CreateDirectory(directory);
            Write(directory, "templates.json", """
                {
                  // The main file: base templates.
                  "templates": [
                    {"template_id": "web-server", "image_id": "ami-base", "subnet_ids": ["subnet-123"]},
                    {"template_id": "override-me", "image_id": "ami-base", "subnet_ids": ["base-subnet"]},
                    {"template_id": "pinned", "image_id": "ami-1", "instance_type": "m5.large", "team_colour": "blue"},
                    {"template_id": "nowhere", "image_id": "ami-1", "instance_types": ["no-such.type"]},
                    {"template_id": "big-fleet", "image_id": "ami-1", "max_instances": 500, "fleet_type": "maintain"}
                  ]
                }
                """);
            Write(directory, "awsprov_templates.json", """
                {"templates": [
                  {"template_id": "web-server", "provider_type": "aws", "provider_api": "EC2Fleet", "max_instances": 10}
                ]}
                """);
            Write(directory, "gcpprov_templates.json", """
                {"templates": [
                  {"template_id": "gcp-batch", "provider_type": "gcp", "image_id": "img-1", "min_cpu": 2}
                ]}
                """);
            Write(directory, "aws-us-east-1_templates.json", """
                {"templates": [
                  {"template_id": "web-server", "provider_name": "aws-us-east-1", "image_id": "ami-optimized"},
                  {"template_id": "web-server-aws", "provider_type": "aws", "provider_name": "aws-us-east-1", "provider_api": "EC2Fleet", "image_id": "ami-12345", "subnet_ids": ["subnet-123"], "max_instances": 10}
                ]}
                """);
            Write(directory, "azure-east-us_templates.json", """
                {"templates": [
                  {"template_id": "azure-vm", "provider_type": "azure", "provider_name": "azure-east-us", "image_id": "img-az", "max_price_per_hour": 0.0001}
                ]}
                """);
            string providers = Path.Combine(root, "providers.json");
            File.WriteAllText(providers, """
                {"providers": [
                  {"name": "aws-us-east-1", "type": "aws", "priority": 1, "weight": 10, "capabilities": ["EC2Fleet", "SpotFleet", "RunInstances", "ASG"], "regions": ["us-east-1"], "simulation": {"seed": 1, "speed": 0.001}},
                  {"name": "aws-us-west-2", "type": "aws", "priority": 2, "weight": 5, "capabilities": ["RunInstances"], "regions": ["us-west-2"], "simulation": {"seed": 4, "speed": 0.001}},
                  {"name": "azure-east-us", "type": "azure", "priority": 3, "weight": 3, "simulation": {"seed": 2, "speed": 0.001}},
                  {"name": "gcp-central", "type": "gcp", "priority": 4, "weight": 1, "simulation": {"seed": 3, "speed": 0.001}}
                ]}
                """);
            return new Dictionary<string, string?>
            {
                ["Market:ProvidersFile"] = providers,
                ["Market:TemplatesDirectory"] = directory,
                ["RateLimits:Classes:Templates:PermitLimit"] = "100000",
                ["RateLimits:Classes:Validation:PermitLimit"] = "100000",
            };
        }

        private static void Write(string directory, string name, string text) => File.WriteAllText(Path.Combine(directory, name), text, Encoding.UTF8);

        public override async Task DisposeAsync()
        {
            _client?.Dispose();
            await base.DisposeAsync();
            Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
        }
    }
}
