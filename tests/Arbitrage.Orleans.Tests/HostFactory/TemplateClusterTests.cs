using Arbitrage.Orleans.Grains.HostFactory;
using Arbitrage.Orleans.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Arbitrage.Orleans.Tests.HostFactory;

/// <summary>Every silo sees the same templates: a refresh or an API write through one silo reaches the others.</summary>
public sealed class TemplateClusterTests : IAsyncLifetime
{
    private readonly PostgresServerFixture _postgres = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"templates-cluster-{Guid.NewGuid():N}", "config");

    private string MainFile => Path.Combine(_directory, "templates.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(MainFile, """{"templates": [{"template_id": "web", "image_id": "ami-1", "max_instances": 4}]}""");
        await _postgres.InitializeAsync();
    }

    [Fact]
    public async Task A_refresh_and_an_api_write_through_one_silo_are_seen_by_the_other()
    {
        await using var cluster = await ProductSilos.StartAsync(silos: 2, connectionString: await _postgres.CreateDatabaseAsync(),
            settings: new Dictionary<string, string> { ["Market:TemplatesDirectory"] = _directory });
        var (a, b) = (ProductSilos.ServicesOf(cluster.Silos[0]), ProductSilos.ServicesOf(cluster.Silos[1]));
        async Task<string?> ImageOn(IServiceProvider silo) =>
            (await silo.GetRequiredService<ITemplateCatalog>().FindAsync("web", CancellationToken.None))?.ImageId;
        Assert.Equal("ami-1", await ImageOn(a));
        Assert.Equal("ami-1", await ImageOn(b));

        // The file changes (a deploy), and the operator refreshes through silo B: silo A follows.
        await File.WriteAllTextAsync(MainFile, """{"templates": [{"template_id": "web", "image_id": "ami-2", "max_instances": 4}]}""");
        var refreshed = await b.GetRequiredService<ITemplateAdministration>().RefreshAsync(CancellationToken.None);
        Assert.Equal(1, refreshed.Templates);
        Assert.Equal("ami-2", await ImageOn(b));
        await Eventually.TrueAsync(async () => await ImageOn(a) == "ami-2", TimeSpan.FromSeconds(30), "silo A reads the refreshed file");

        // An API write through silo A overrides the file on silo B too; deleting it shows the file through again.
        await a.GetRequiredService<ITemplateAdministration>().PutAsync("web", """{"image_id": "ami-api"}""", createOnly: false, CancellationToken.None);
        await Eventually.TrueAsync(async () => await ImageOn(b) == "ami-api", TimeSpan.FromSeconds(30), "silo B sees the API layer");
        await a.GetRequiredService<ITemplateAdministration>().DeleteAsync("web", CancellationToken.None);
        await Eventually.TrueAsync(async () => await ImageOn(b) == "ami-2", TimeSpan.FromSeconds(30), "silo B drops the deleted API layer");
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_directory)!, recursive: true);
    }
}
