using System.Net;
using Arbitrage.Orleans.Tests.Infrastructure;
using Arbitrage.Orleans.Tests.Workloads;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>Templates written over the API are grain state in PostgreSQL: they outlive the silo that took them.</summary>
public sealed class TemplateStoreRestartTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"templates-restart-{Guid.NewGuid():N}", "config");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(Path.Combine(_directory, "templates.json"), """{"templates": [{"template_id": "web", "image_id": "ami-file", "max_instances": 4}]}""");
        await _postgres.InitializeAsync();
    }

    [Fact]
    public async Task A_template_written_over_the_api_overrides_its_file_after_a_silo_restart()
    {
        string database = await _postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Market:TemplatesDirectory"] = _directory,
            ["Orleans:ClusterId"] = $"restart-{Guid.NewGuid():N}",
        };
        await using (var first = await InProcessSilo.StartAsync(database, settings))
        {
            using var http = first.ClientWith(first.AdminToken);
            var (put, _) = await Api.SendAsync(http, HttpMethod.Put, "/api/v1/templates/web", """{"image_id": "ami-api"}""");
            Assert.Equal(HttpStatusCode.Created, put.StatusCode); // the API layer is new; the file defined the template before
        }

        await using var second = await InProcessSilo.StartAsync(database, settings);
        using var client = second.ClientWith(second.AdminToken);
        var (response, web) = await Api.GetAsync(client, "/api/v1/templates/web?include_source=true");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ami-api", web.GetProperty("image_id").GetString());
        Assert.Equal(4, web.GetProperty("max_instances").GetInt32());
        Assert.Equal("api", web.GetProperty("source_info").GetProperty("source_file").GetString());
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }
}
