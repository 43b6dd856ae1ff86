using Arbitrage.Orleans.Gateway;

namespace Arbitrage.Orleans.Silo.Hosting;

/// <summary>The silo's web application: Orleans, the market, the bootstrap tenant, the gateway's pipeline and routes, the dashboard.</summary>
public static class SiloApplication
{
    /// <summary>Builds the application on <paramref name="builder"/>, with the database at <paramref name="connectionString"/> (null for --storage memory).</summary>
    public static WebApplication Build(WebApplicationBuilder builder, SiloSettings settings, string? connectionString)
    {
        builder.AddArbitrageCluster(settings, connectionString);
        builder.Services.AddSiloMarket(builder.Configuration, settings.Role).AddBootstrapTenant(settings, builder.Configuration).AddGateway(builder.Configuration);
        var app = builder.Build();
        app.UseGateway();
        if (settings.GatewayEnabled) app.MapGateway();
        app.MapDashboard(builder.Configuration.GetSection(DashboardSettings.SectionName).Get<DashboardSettings>() ?? new DashboardSettings());
        return app;
    }
}
