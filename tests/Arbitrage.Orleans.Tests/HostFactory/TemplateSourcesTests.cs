using Arbitrage.Orleans.Grains.HostFactory;
using Arbitrage.Orleans.Grains.HostFactory.Templates;
using Arbitrage.Orleans.Grains.Providers;
using Arbitrage.Orleans.Tests.Infrastructure;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>
/// The template files as the silo reads them when it starts and on a refresh: the shipped default chain, a file the
/// settings name that is missing, one template in two files of the same kind, and a file that does not parse.
/// </summary>
public sealed class TemplateSourcesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"template-sources-{Guid.NewGuid():N}", "config");

    public TemplateSourcesTests() => Directory.CreateDirectory(_directory);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_directory, name), text);

    [Fact]
    public void The_shipped_templates_give_web_server_a_three_layer_chain_on_the_default_run()
    {
        var files = TemplateSources.Read(new MarketOptions { TemplatesDirectory = Path.Combine(SharedData.RepositoryRoot, "Silo", "templates") });
        var web = TemplateSources.Merge(files, [])["web-server"];

        Assert.Equal(["templates/templates.json", "templates/awsprov_templates.json", "templates/sim-aws_templates.json"], web.Source.OverrideChain.Select(l => l.File));
        Assert.Equal(TemplateSourceTypes.ProviderInstance, web.Source.FileType);
        Assert.Equal(0, web.Source.Priority);
        Assert.Equal("sim-aws", web.ProviderName);
        Assert.Equal("aws", web.ProviderType);
        Assert.Equal("nginx:1.27-optimized", web.ImageId);
        Assert.Equal(["provider_name", "image_id"], web.Source.OverrideChain[2].Fields);
    }

    [Fact]
    public void A_chain_file_the_settings_name_that_is_missing_is_FILE_NOT_FOUND_naming_it()
    {
        Write("templates.json", """{"templates": []}""");
        var options = new MarketOptions { TemplatesDirectory = _directory, TemplateFiles = ["templates.json", "awsprov_templates.json"] };

        var e = Assert.Throws<HostFactoryException>(() => TemplateSources.Read(options));

        Assert.Equal(HostFactoryErrorCodes.FileNotFound, e.Code);
        Assert.Equal("config/awsprov_templates.json", e.Details["file"]);
        Assert.Contains("Market:TemplateFiles", e.Message);
    }

    [Fact]
    public void Named_chain_files_are_the_only_ones_read()
    {
        Write("templates.json", """{"templates": [{"template_id": "a", "image_id": "one"}]}""");
        Write("awsprov_templates.json", """{"templates": [{"template_id": "a", "image_id": "two"}]}""");
        var options = new MarketOptions { TemplatesDirectory = _directory, TemplateFiles = ["templates.json"] };

        var merged = TemplateSources.Merge(TemplateSources.Read(options), []);

        Assert.Equal("one", merged["a"].ImageId);
    }

    [Fact]
    public void One_template_in_two_per_instance_files_is_INVALID_CONFIGURATION_naming_both()
    {
        Write("sim-aws_templates.json", """{"templates": [{"template_id": "a", "image_id": "one"}]}""");
        Write("sim-gcp_templates.json", """{"templates": [{"template_id": "a", "image_id": "two"}]}""");
        var files = TemplateSources.Read(new MarketOptions { TemplatesDirectory = _directory });

        var e = Assert.Throws<HostFactoryException>(() => TemplateSources.Merge(files, []));

        Assert.Equal(HostFactoryErrorCodes.InvalidConfiguration, e.Code);
        Assert.Contains("config/sim-aws_templates.json", e.Message);
        Assert.Contains("config/sim-gcp_templates.json", e.Message);
    }

    [Fact]
    public void A_file_that_does_not_parse_is_PARSE_ERROR_with_its_one_based_line_and_comments_are_allowed()
    {
        Write("templates.json", "{\n  // a comment\n  \"templates\": [\n    {\"template_id\": \"a\"}\n    {\"template_id\": \"b\"}\n  ]\n}");

        var e = Assert.Throws<HostFactoryException>(() => TemplateSources.Read(new MarketOptions { TemplatesDirectory = _directory }));

        Assert.Equal(HostFactoryErrorCodes.ParseError, e.Code);
        Assert.Equal("config/templates.json", e.Details["file"]);
        Assert.Equal(5L, e.Details["line"]);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
}
