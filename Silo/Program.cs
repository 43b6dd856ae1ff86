using Arbitrage.Orleans.Gateway;
using Arbitrage.Orleans.Silo.Hosting;
using Microsoft.Extensions.Options;

// The silo: the grain runtime on PostgreSQL (started for you under ./.data unless ConnectionStrings:Arbitrage is set,
// or in memory with --storage memory), with the HTTP gateway co-hosted.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    var settings = SiloSettings.From(builder.Configuration);
    await using var database = settings.NeedsLocalDatabase
        ? await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(settings.DataDirectory, "postgres")), Console.Out, CancellationToken.None)
        : null;
    builder.Services.AddSilo(settings, database?.ConnectionString ?? settings.ConnectionString, builder.Configuration).AddSiloMarket(builder.Configuration)
        .AddBootstrapTenant(settings, builder.Configuration).AddGateway();
    var app = builder.Build();
    if (settings.GatewayEnabled) app.MapGateway();
    await app.RunAsync();
    return 0;
}
catch (Exception e) when (e is SiloConfigurationException or Arbitrage.Orleans.Grains.Providers.ProviderConfigurationException or OptionsValidationException or Arbitrage.Orleans.Runtime.SchemaVersionException or Arbitrage.Orleans.Runtime.ClusterConfigurationException
                              || (e is InvalidOperationException && e.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase)))
{
    Console.Error.WriteLine($"The silo cannot start: {e.Message}");
    return 2;
}
